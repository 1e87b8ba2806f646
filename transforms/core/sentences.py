"""A body's sentences as character spans, and the ones worth a dependency parse.  No Beam.

The entity stage gives sentence starts; ``sentence_spans`` turns them into spans (quotes use
them too).  ``candidates`` keeps the sentences in which the trigger index's cheap regex finds
a possible trigger form, with where the forms are: only those are parsed, and in them only
the tokens at those places are looked up in the lexicon.
"""
from typing import List, NamedTuple, Sequence, Tuple

from transforms.core.pieces import piece_ends

# Longer "sentences" are lists, tables or text without punctuation (the corpora's longest real
# sentence has about 1,000 characters).  The parser's memory grows with the text it is given,
# so such a span is parsed in pieces, cut where its tokens part anyway.
MAX_PARSE_CHARS = 2_000


class SentenceSpan(NamedTuple):
    index: int
    start: int
    end: int


class Candidate(NamedTuple):
    """A sentence worth parsing, and where its possible trigger words start (sentence offsets)."""
    span: SentenceSpan
    hits: Tuple[int, ...]


def sentence_spans(body: str, sentence_starts: Sequence[int]) -> List[SentenceSpan]:
    """The body's sentences as (index, start, end), trailing whitespace excluded."""
    bounds = list(sentence_starts) + [len(body)]
    spans = []
    for index, start in enumerate(sentence_starts):
        end = bounds[index + 1]
        while end > start and body[end - 1].isspace():
            end -= 1
        spans.append(SentenceSpan(index, start, end))
    return spans


def parse_spans(body: str, span: SentenceSpan) -> List[SentenceSpan]:
    """The sentence, or its pieces of at most MAX_PARSE_CHARS without edge whitespace, same index."""
    if span.end - span.start <= MAX_PARSE_CHARS:
        return [span]
    spans = []
    start = span.start
    for end in piece_ends(body[span.start:span.end], MAX_PARSE_CHARS):
        piece = body[start:span.start + end]
        stripped = piece.strip()
        if stripped:
            first = start + len(piece) - len(piece.lstrip())
            spans.append(SentenceSpan(span.index, first, first + len(stripped)))
        start = span.start + end
    return spans


def candidates(body: str, sentence_starts: Sequence[int], index) -> List[Candidate]:
    """Sentences (or pieces of overlong ones) whose raw text holds a possible trigger form, with the forms' offsets.

    Args:
        body: the article body.
        sentence_starts: where its sentences start.
        index: a ``trigger_index.TriggerIndex`` (its ``hits``).
    """
    found = []
    for sentence in sentence_spans(body, sentence_starts):
        for span in parse_spans(body, sentence):
            hits = tuple(index.hits(body, span.start, span.end))
            if hits:
                found.append(Candidate(span, hits))
    return found
