"""Case restoration for lines printed in capitals, before NER.  No Beam.

Models trained on OntoNotes learn names from their capitals, so a headline or a wire table
printed in capitals ('SOCCER - JAPAN GET LUCKY WIN , CHINA IN SURPRISE DEFEAT .') is read
badly: every word looks like a name, or none does.  ``restore_case`` rewrites such lines the
way a copy editor would print them ('Soccer - Japan get lucky win , China in surprise defeat .')
and leaves every other line alone.  Only the case of letters changes, never a length, so
offsets into the restored text are offsets into the original: the NER runs on the restored
text and every mention still points into the printed body.

How a word of a capitals line is cased, first rule that applies:

1. The article itself: how the word is printed in its other lines (not counting a sentence's
   first word): in capitals ('NATO'), capitalised ('Leicestershire') or in lower case ('win').
2. Two to four words that together are a place or a dictionary actor ('NEW YORK', 'SRI LANKA',
   'HASSAN ROUHANI'; ``NameLexicon.is_name``) are capitalised.
3. A function word ('IN', 'THE') is lower case; a country, demonym, month or weekday
   ('JAPAN', 'ENGLISH', 'FRIDAY') capitalised; an English verb, adjective or adverb ('GET',
   'LUCKY'; WordNet's index as shipped with the model's lemmatizer, inflections included) lower
   case; a place or a one-word dictionary actor capitalised; an English noun ('VICTORY') lower
   case; a word without vowels of at most five letters ('PCT', 'GMT') stays in capitals; any
   other word is taken for a name and capitalised.

The first word of a line, and of a sentence or a headline's part after ' - ', is capitalised.
"""
import re
from typing import Callable, Dict, Iterable, List, Optional, Tuple

# A line is in capitals when at most this share of its cased letters is lower case ...
_MAX_LOWER_SHARE = 0.1
# ... and it has at least this many capital letters in words of two letters or more.
_MIN_CAPITALS = 4
_WORD = re.compile(r"[^\W\d_]+")
_LONG_WORD = re.compile(r"[^\W\d_]{2,}")
# What makes the next word the first of a sentence or of a headline's part.
_STARTER = re.compile(r"(?:^|\n[ \t]*|[.!?:;]\s+|\s-+\s+|[\"“(]\s*)$")
_STARTER_WINDOW = 6
_VOWELS = frozenset('AEIOUY')
_MAX_PHRASE_WORDS = 4

KEEP, TITLE, LOWER = 'keep', 'title', 'lower'


def _same_length(text: str, transform: Callable[[str], str]) -> str:
    """``transform`` applied per character, a character kept where it would change length ('İ')."""
    out = transform(text)
    if len(out) == len(text):
        return out
    return ''.join(changed if len(changed) == 1 else char for char in text for changed in (transform(char),))


def _cased(word: str, how: str, after_apostrophe: bool) -> str:
    if how == KEEP:
        return word
    if how == LOWER or after_apostrophe:
        return _same_length(word, str.lower)
    return word[:1] + _same_length(word[1:], str.lower)


def is_capitals_line(line: str) -> bool:
    """Whether a line is printed in capitals (a headline, a table row), not merely holding an acronym."""
    lower = sum(map(str.islower, line))
    if lower * 4 > len(line):
        return False  # most lines of running text: no need to count further
    upper = sum(map(str.isupper, line))
    if upper < _MIN_CAPITALS or lower > _MAX_LOWER_SHARE * (lower + upper):
        return False
    return sum(len(word) for word in _LONG_WORD.findall(line) if word.isupper()) >= _MIN_CAPITALS


class CaseLexicon:
    """What ``restore_case`` knows of words without the article's help.

    Args:
      function_words: lower-case words that are never names ('in', 'the').
      common_words: lower-case words -> 'verb' (verb, adjective or adverb) or 'noun'.
      lemma_rules: (suffix, replacement) pairs that undo an inflection ('ies' -> 'y').
      exceptions: irregular inflections -> 'verb' or 'noun', as of their lemma ('men': 'noun').
      capitalised: tests a lower-case word: a country, demonym, month or weekday.
      is_name: tests a lower-case word or phrase: a place or a dictionary actor.
    """

    def __init__(self, function_words: Iterable[str], common_words: Dict[str, str],
                 lemma_rules: Iterable[Tuple[str, str]], exceptions: Dict[str, str], capitalised: Callable[[str], bool],
                 is_name: Callable[[str], bool]):
        self.function_words = frozenset(function_words)
        self.common_words = common_words
        self.lemma_rules = tuple(lemma_rules)
        self.exceptions = exceptions
        self.capitalised = capitalised
        self.is_name = is_name

    def common_kind(self, lower: str) -> Optional[str]:
        """'verb' for a verb, adjective or adverb (or an inflection of one), 'noun' for a noun,
        'inflected' for an inflection of a noun ('men', 'extras'), None for other words.

        WordNet's nouns include names ('england', 'clinton'), its inflected nouns hardly any.
        """
        found = self.common_words.get(lower)
        if found is not None:
            return found
        kinds = [self.common_words.get(lower[:-len(suffix)] + replacement)
                 for suffix, replacement in self.lemma_rules if lower.endswith(suffix) and len(lower) > len(suffix) + 1]
        kinds.append(self.exceptions.get(lower))
        return 'verb' if 'verb' in kinds else 'inflected' if 'noun' in kinds else None

    def word_case(self, word: str) -> str:
        """How to print a capitals word that the article does not print otherwise."""
        lower = word.lower()
        if len(word) == 1:
            return LOWER if lower == 'a' else KEEP
        if lower in self.function_words:
            return LOWER
        if self.capitalised(lower):
            return TITLE
        kind = self.common_kind(lower)
        if kind == 'verb':
            return LOWER
        if self.is_name(lower):
            return TITLE
        if kind is not None:
            return LOWER
        if len(word) <= 5 and not _VOWELS.intersection(word.upper()):
            return KEEP
        return TITLE


def _evidence(text: str, capitals_lines: List[Tuple[int, int]]) -> Dict[str, str]:
    """How the article prints each word outside its capitals lines: lower-case word -> KEEP/TITLE/LOWER.

    A sentence's first word says nothing (it is capitalised anyway); a tie says nothing either.
    """
    counts: Dict[str, List[int]] = {}
    position = 0
    spans = capitals_lines + [(len(text), len(text))]
    for start, end in spans:
        for match in _WORD.finditer(text, position, start):
            word = match.group()
            if match.start() == position or _STARTER.search(text, max(position, match.start() - _STARTER_WINDOW),
                                                             match.start()):
                continue
            tally = counts.setdefault(word.lower(), [0, 0, 0])
            if len(word) > 1 and word.isupper():
                tally[0] += 1
            elif word[0].isupper():
                tally[1] += 1
            elif word.islower():
                tally[2] += 1
        position = end
    decided = {}
    for lower, (upper, title, small) in counts.items():
        best = max(upper, title, small)
        if [upper, title, small].count(best) == 1:
            decided[lower] = KEEP if best == upper else TITLE if best == title else LOWER
    return decided


def _line_spans(text: str) -> List[Tuple[int, int]]:
    spans, start = [], 0
    for line in text.split('\n'):
        spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def restore_case(text: str, lexicon: CaseLexicon) -> str:
    """``text`` with its capitals lines in ordinary case; the same length, other lines untouched.

    Args:
      text: an article body.
      lexicon: common words, names and places.

    Returns:
      A string of the same length as ``text`` that differs only in the case of letters.
    """
    if not any(char.isupper() for char in text):
        return text
    capitals = [(start, end) for start, end in _line_spans(text) if is_capitals_line(text[start:end])]
    if not capitals:
        return text
    evidence = _evidence(text, capitals)
    out = []
    position = 0
    for start, end in capitals:
        out.append(text[position:start])
        out.append(_restore_line(text[start:end], lexicon, evidence))
        position = end
    out.append(text[position:])
    restored = ''.join(out)
    assert len(restored) == len(text)
    return restored


def _restore_line(line: str, lexicon: CaseLexicon, evidence: Dict[str, str]) -> str:
    words = list(_WORD.finditer(line))
    how = [None] * len(words)
    # Evidence first, then phrases that are names as a whole, then each word alone.
    for i, match in enumerate(words):
        how[i] = evidence.get(match.group().lower())
    i = 0
    while i < len(words):
        for size in range(min(_MAX_PHRASE_WORDS, len(words) - i), 1, -1):
            group = words[i:i + size]
            joined = all(line[a.end():b.start()] in (' ', '-', ' - ') for a, b in zip(group, group[1:]))
            if joined and any(how[k] is None for k in range(i, i + size)) \
                    and lexicon.is_name(' '.join(m.group().lower() for m in group)):
                for k in range(i, i + size):
                    how[k] = how[k] if how[k] == KEEP else TITLE
                i += size
                break
        else:
            i += 1
    out = []
    position = 0
    for i, match in enumerate(words):
        word = match.group()
        out.append(line[position:match.start()])
        after_apostrophe = match.start() > 0 and line[match.start() - 1] in "'’" and len(word) <= 2
        decided = how[i] or lexicon.word_case(word)
        if decided == LOWER and not after_apostrophe \
                and _STARTER.search(line, max(0, match.start() - _STARTER_WINDOW), match.start()):
            decided = TITLE
        out.append(_cased(word, decided, after_apostrophe))
        position = match.end()
    out.append(line[position:])
    return ''.join(out)
