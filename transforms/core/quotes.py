"""Quotes: reported speech with its speaker, by regular expressions over the body and its entities.

``find_quotes`` returns the quotes of one AnnotatedArticle; ``transforms/quotes.py`` maps it over
articles.  No parser (and no Beam): the forms of attribution in news copy are few and fixed.

* direct, attribution after: “...,” Baqeri said / "..." said X / “...,” he added
* direct, attribution before: X said: “...” / X said, "..."
* indirect: X said (that) ... / X told reporters that ... : the clause to the sentence end
* according to X, ... / ..., according to X.

Curly and straight double quotes both count; a quote may run over several
sentences.  The speaker snaps to a PERSON, ORG, GPE or NORP mention (its
``canonical`` becomes ``speaker_canonical`` and its ``entity_key`` ``speaker_key``); 'he' / 'she' is the most recent
PERSON speaker or sentence subject before it (``previous_person``), and an
unnamed speaker ('the top general') is kept as written with no canonical name.
Quote marks without an attribution (scare quotes: 'turned “strategic”') are not quotes.
"""
import hashlib
import re
from bisect import bisect_right
from typing import Iterable, List, NamedTuple, Optional, Sequence, Tuple

from schemas.records import AnnotatedArticle, EntityMention, Quote
from transforms.core.actors import previous_person
from transforms.core.calendar_names import WEEKDAYS, alternation
from transforms.core.sentences import sentence_spans

PERSON = 'PERSON'
_SPEAKER_LABELS = frozenset({'PERSON', 'ORG', 'GPE', 'NORP'})
_VERBS = ('said|says|say|told|tells|added|adds|stressed|stresses|noted|notes|stated|states|declared|'
          'announced|insisted|warned|explained|emphasized|emphasised|asserted|claimed|remarked|'
          'replied|wrote|continued|underlined|reiterated')
_VERB = re.compile(rf'\b(?:{_VERBS})\b')
_PRONOUN = r'(?:[Hh]e|[Ss]he)'
# Between a speaker and the verb: an adverb ('also', 'later') at most.
_ADVERB = r'(?:\s+(?:also|later|further|then|again|earlier))?'
_QUOTE_PAIRS = (('“', '”'), ('"', '"'))
# A quoted passage longer than this is a stray mark, not a quote.
_MAX_QUOTE_CHARS = 3000
# After a closing quote: ', Baqeri said' / ', said X' / ', he added'.
_AFTER_VERB_FIRST = re.compile(rf'\s*,?\s*(?P<verb>{_VERBS})\s+(?P<rest>.{{0,80}})', re.S)
_AFTER_SPEAKER_FIRST = re.compile(rf'\s*,?\s*(?P<speaker>.{{1,80}}?){_ADVERB}\s+(?P<verb>{_VERBS})\b', re.S)
# Before an opening quote: 'X said: “' / 'X said, "'.
_BEFORE = re.compile(rf'(?P<verb>{_VERBS})\s*[:,]\s*$')
# Indirect: the verb, an optional listener ('told reporters'), an optional day, optional 'that'.
_INDIRECT = re.compile(
    rf'(?P<verb>{_VERBS})(?P<listener>\s+(?!that\b)[a-z]\w*(?:\s+[a-z]\w*)?(?=\s+that\b))?'
    rf"(?:\s+(?:on\s+)?{alternation(WEEKDAYS + ('today', 'yesterday'))})?"
    r'(?P<that>\s+that)?\s+(?P<clause>\S)')
# Without 'that' the clause must look like one: a name, a pronoun or a determiner first.
_CLAUSE_START = re.compile(r"[A-Z]|(?:it|they|he|she|we|there|the|this|these|those|its|their|his|her)\b")
_ACCORDING_TO = re.compile(r'\b[Aa]ccording to\s+')
# An unnamed speaker: 'the top general', 'A spokesman for the ministry'.
_NOMINAL = re.compile(r"(?:^|(?<=[\s,]))((?:[Tt]he|[Aa]n?)\s+(?:[\w’'-]+\s+){0,4}?[\w’'-]+)$")


class _Speaker(NamedTuple):
    text: str
    mention: Optional[EntityMention]
    pronoun: bool
    start: int


def quote_id_of(article_id: str, start: int, end: int) -> str:
    return hashlib.sha256(f'{article_id}:{start}:{end}'.encode()).hexdigest()[:32]


def _trimmed(body: str, start: int, end: int) -> Tuple[int, int]:
    """Quote bounds without surrounding blanks and the comma that hands over to the attribution."""
    while start < end and body[start].isspace():
        start += 1
    while end > start and (body[end - 1].isspace() or body[end - 1] in ',;:'):
        end -= 1
    return start, end


def _quote_spans(body: str) -> List[Tuple[int, int]]:
    """(open, close) offsets of the quotation marks, curly pairs and straight pairs alike."""
    spans = []
    for opener, closer in _QUOTE_PAIRS:
        position = 0
        while True:
            start = body.find(opener, position)
            if start < 0:
                break
            end = body.find(closer, start + 1)
            if end < 0:
                break
            if end - start <= _MAX_QUOTE_CHARS:
                spans.append((start, end))
            position = end + 1
    return sorted(spans)


class _Finder:
    """Quotes of one article; speakers snap to the article's mentions."""

    def __init__(self, annotated: AnnotatedArticle):
        self.body = annotated.article.body
        self.article_id = annotated.article.article_id
        self.entities = [m for m in annotated.entities if m.label in _SPEAKER_LABELS]
        self.all_entities = tuple(annotated.entities)
        self.sentence_starts = list(annotated.sentence_starts) or [0]

    def sentence_of(self, offset: int) -> int:
        return max(0, bisect_right(self.sentence_starts, offset) - 1)

    def mention_starting(self, start: int, limit: int) -> Optional[EntityMention]:
        """A speaker mention beginning within [start, limit) after only 'the' and title words ('Foreign Minister')."""
        for mention in self.entities:
            if start <= mention.start_char < limit:
                between = self.body[start:mention.start_char]
                if all(word[:1].isupper() or word.lower() == 'the' for word in between.split()):
                    return mention
        return None

    def mention_ending(self, end: int) -> Optional[EntityMention]:
        for mention in self.entities:
            if mention.end_char == end:
                return mention
        return None

    def speaker_before(self, verb_start: int, floor: int) -> Optional[_Speaker]:
        """Who speaks, printed just before the reporting verb at ``verb_start``."""
        text = self.body[floor:verb_start]
        stripped = re.sub(rf'{_ADVERB}\s*$', '', text)
        end = floor + len(stripped.rstrip())
        mention = self.mention_ending(end)
        if mention is not None:
            return _Speaker(mention.text, mention, False, mention.start_char)
        pronoun = re.search(rf'(?:^|(?<=[\s,]))({_PRONOUN})$', stripped.rstrip())
        if pronoun:
            return _Speaker(pronoun.group(1), None, True, floor + pronoun.start(1))
        nominal = _NOMINAL.search(stripped.rstrip())
        if nominal:
            return _Speaker(nominal.group(1), None, False, floor + nominal.start(1))
        return None

    def direct(self) -> Iterable[Tuple[int, int, _Speaker, str]]:
        for open_at, close_at in _quote_spans(self.body):
            start, end = _trimmed(self.body, open_at + 1, close_at)
            if end <= start:
                continue
            after = close_at + 1
            speaker, verb = self._attribution_after(after)
            if speaker is None:
                speaker, verb = self._attribution_before(open_at)
            if speaker is not None:
                yield start, end, speaker, verb

    def _attribution_after(self, after: int) -> Tuple[Optional[_Speaker], Optional[str]]:
        verb_first = _AFTER_VERB_FIRST.match(self.body, after)
        if verb_first:
            rest = verb_first.start('rest')
            pronoun = re.match(rf'({_PRONOUN})\b', self.body[rest:rest + 4])
            mention = self.mention_starting(rest, rest + 40)
            if mention is not None:
                return _Speaker(mention.text, mention, False, mention.start_char), verb_first.group('verb')
            if pronoun:
                return _Speaker(pronoun.group(1), None, True, rest), verb_first.group('verb')
        speaker_first = _AFTER_SPEAKER_FIRST.match(self.body, after)
        if speaker_first and '.' not in speaker_first.group('speaker').rstrip('.')[:-1]:
            speaker = self.speaker_before(speaker_first.start('verb'), speaker_first.start('speaker'))
            if speaker is not None:
                return speaker, speaker_first.group('verb')
        return None, None

    def _attribution_before(self, open_at: int) -> Tuple[Optional[_Speaker], Optional[str]]:
        sentence_start = self.sentence_starts[self.sentence_of(open_at)]
        before = _BEFORE.search(self.body, sentence_start, open_at)
        if before is None:
            return None, None
        return self.speaker_before(before.start('verb'), sentence_start), before.group('verb')

    def indirect(self, quoted: Sequence[Tuple[int, int]]) -> Iterable[Tuple[int, int, _Speaker, str]]:
        for span in sentence_spans(self.body, self.sentence_starts):
            for match in _INDIRECT.finditer(self.body, span.start, span.end):
                clause = match.start('clause')
                if not match.group('that') and not _CLAUSE_START.match(self.body, clause):
                    continue
                if match.group('listener') and not match.group('that'):
                    continue
                start, end = _trimmed(self.body, clause, span.end)
                if any(q_start - 1 <= start < q_end + 1 for q_start, q_end in quoted) \
                        or self.body[clause] in '“"':
                    continue
                speaker = self.speaker_before(match.start('verb'), span.start)
                if speaker is not None and end - start > 10:
                    yield start, end, speaker, match.group('verb')
                    break

    def according_to(self) -> Iterable[Tuple[int, int, _Speaker, str]]:
        for span in sentence_spans(self.body, self.sentence_starts):
            match = _ACCORDING_TO.search(self.body, span.start, span.end)
            if match is None:
                continue
            after = match.end()
            mention = self.mention_starting(after, after + 40)
            name_end = mention.end_char if mention is not None else None
            comma = self.body.find(',', after, span.end)
            if mention is None:
                end_of_name = comma if comma >= 0 else span.end
                text = self.body[after:end_of_name].rstrip(' .')
                speaker = _Speaker(text, None, False, after)
                name_end = after + len(text)
            else:
                speaker = _Speaker(mention.text, mention, False, mention.start_char)
            verb = self.body[match.start():match.start() + len('according to')]
            if match.start() <= span.start + 1:
                comma = self.body.find(',', name_end, span.end)
                if comma < 0:
                    continue
                start, end = _trimmed(self.body, comma + 1, span.end)
            else:
                start, end = _trimmed(self.body, span.start, match.start())
            if end - start > 10:
                yield start, end, speaker, verb

    def resolve(self, found: List[Tuple[int, int, _Speaker, str]]) -> Tuple[Quote, ...]:
        """Quotes in body order, pronoun speakers resolved to the latest PERSON before them."""
        quotes = []
        last_person: Optional[EntityMention] = None
        seen = set()
        for start, end, speaker, verb in sorted(found, key=lambda item: (item[0], item[1])):
            if (start, end) in seen:
                continue
            seen.add((start, end))
            mention = speaker.mention
            text = speaker.text
            if speaker.pronoun:
                subject = previous_person(self.all_entities, self.sentence_of(speaker.start))
                if last_person is not None and (subject is None or last_person.start_char > subject.start_char):
                    subject = last_person
                mention = subject
                text = subject.text if subject is not None else text
            if mention is not None and mention.label == PERSON:
                last_person = mention
            quotes.append(Quote(
                quote_id=quote_id_of(self.article_id, start, end), article_id=self.article_id,
                speaker=text, speaker_canonical=mention.canonical if mention is not None else None,
                quote=self.body[start:end], verb=verb, start_char=start, end_char=end,
                sentence_index=self.sentence_of(start),
                speaker_key=mention.entity_key if mention is not None else None))
        return tuple(quotes)


def find_quotes(annotated: AnnotatedArticle) -> Tuple[Quote, ...]:
    """The reported speech of one article, in body order.

    Args:
        annotated: the article with its entity mentions and sentence starts.

    Returns:
        One Quote per quoted or reported passage that has a speaker.
    """
    finder = _Finder(annotated)
    direct = list(finder.direct())
    quoted = [(start, end) for start, end, _, _ in direct]
    return finder.resolve(direct + list(finder.indirect(quoted)) + list(finder.according_to()))
