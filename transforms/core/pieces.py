"""Cutting a long text into pieces where spaCy would part its tokens anyway.

The model's memory grows with the words it is given at once, so a long article body
(NER) or an overlong "sentence" (the events parse: a list, a table, text without
punctuation) is run in pieces.  A cut falls at a paragraph break after a sentence
end if there is one, so that the pieces' tokens and sentences are the whole text's.
"""
import re
from typing import List

# Where a piece may end (the empty group 'cut' or 'cut2'), best first: at a paragraph break after
# a sentence end, after any sentence end, at any paragraph break, at any space.  A cut falls where
# spaCy's tokens part in the whole text: after the one plain space a token keeps as its own
# whitespace, else before the whitespace, a token of its own that opens the next sentence (as the
# sentencizer sees it after a sentence end in the whole text).
_SENTENCE_END = r'[.!?]["\'”’)\]]*'
_CUT = r'(?: (?P<cut>)|(?P<cut2>)(?=\s))'
_PIECE_ENDS = tuple(re.compile(pattern) for pattern in (
    _SENTENCE_END + _CUT + r'\s*\n', _SENTENCE_END + _CUT, r'(?<!\s)' + _CUT + r'\s*\n', r'(?<!\s)' + _CUT))


def piece_ends(text: str, max_chars: int) -> List[int]:
    """Where the pieces of ``text`` end: each piece at most ``max_chars`` long, the last end ``len(text)``.

    A piece ends at the last paragraph break after a sentence end in its second half, else at
    the last sentence end there, else at the last paragraph break, else at the last space there,
    else (one unbroken string) at ``max_chars``.
    Pieces cover the text exactly, whitespace included.
    """
    ends = []
    start = 0
    while len(text) - start > max_chars:
        end = start + max_chars
        for pattern in _PIECE_ENDS:
            cuts = [_cut(match) for match in pattern.finditer(text, start + max_chars // 2, end)]
            if cuts:
                end = cuts[-1]
                break
        ends.append(end)
        start = end
    ends.append(len(text))
    return ends


def _cut(match) -> int:
    return match.start('cut') if match.group('cut') is not None else match.start('cut2')
