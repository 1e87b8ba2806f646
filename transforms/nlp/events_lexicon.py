"""PLOVER event rules over parsed sentences: triggers, roles, countries, places, dates.  No Beam.

The pieces ``transforms/events.py`` puts together:

* ``TriggerIndex``: the lexicon (``event_rules.load_plover_lexicon``) by lemma,
  plus a regex of the triggers' surface forms that picks the sentences worth a
  dependency parse from the raw text (``candidates``).
* ``sentence_events``: the events of one parsed sentence: trigger, actor and
  target from the dependency tree (snapped to the entity stage's mentions),
  negation, location, date; then ``select_events`` keeps the main clause's.
* ``CountryResolver`` / ``person_countries``: an actor's country from its own
  words (a GPE, a demonym, a country institution) or, for a person, from how the
  article introduces them ('Iranian ... General Mohammad Hossein Baqeri').
* ``previous_person``: what 'he' / 'she' stands for (shared with quotes).
"""
import collections
import functools
import hashlib
import re
from bisect import bisect_right
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union

from schemas.records import EntityMention, Event, TimeExpression
from transforms.nlp.event_rules import (QUAD_CLASSES, Trigger, load_actor_countries, load_demonyms,
                                        load_plover_lexicon)
from transforms.nlp.gazetteer import gazetteer, locate_place
from transforms.nlp.pieces import piece_ends
from transforms.nlp.rules import trie_pattern

PERSON = 'PERSON'
_PLACE_LABELS = frozenset({'GPE', 'LOC', 'FAC'})
_ACTOR_LABELS = frozenset({'PERSON', 'ORG', 'GPE', 'NORP'})
# Mentions a role may snap to; a DATE or CARDINAL ('Thousands of Kurds') is never a participant.
_ROLE_LABELS = _ACTOR_LABELS | _PLACE_LABELS
# 'Thousands of Iraqi Kurds', 'a group of Moroccan diplomats': who acts is the 'of' object.
_QUANTITY_NOUNS = frozenset('''
group thousand hundred dozen ten million score crowd number band team delegation some many
'''.split())
# Pronouns that stand for an earlier name; 'it said it will' resolves within the sentence.
_ANAPHORS = frozenset({'he', 'she', 'him', 'her', 'his', 'it', 'its', 'they', 'them', 'their'})
_SUBJECTS = frozenset({'nsubj', 'csubj'})
_PASSIVE_SUBJECTS = frozenset({'nsubjpass', 'csubjpass'})
# Prepositions that introduce the other party: 'met with X', 'visit to X', 'attack on X'.
_TARGET_PREPOSITIONS = ('with', 'to', 'against', 'on', 'into', 'toward', 'towards', 'at')
# 'They held talks', 'launched an attack': the verb's subject is the noun trigger's actor.
# Any other governing verb has its own meaning ('condemned the attack': the condemner
# did not attack), so a noun trigger under it gets no actor from it.
_LIGHT_VERBS = frozenset('''
hold make launch carry conduct stage pay sign reach impose have take begin start continue
join attend lead mount resume open give provide send offer announce issue deliver order
complete finish reiterate renew repeat voice express lodge file
stag
'''.split())  # 'stag': the lemmatizer's lemma of 'staged' / 'staging' ('staged a protest')
# 'in a meeting', 'during talks': the subject of the clause took part.
_PARTICIPATION_PREPOSITIONS = frozenset({'in', 'during', 'at'})
# Verbs whose object, not subject, does what the infinitive says ('urged Iran to withdraw').
_OBJECT_CONTROL = frozenset('urge ask invite order call force persuade allow press encourage tell'.split())
# 'refused to meet', 'failed to agree': the embedded event did not happen.
_NEGATING_GOVERNORS = frozenset('refuse decline fail reject'.split())
_NEGATORS = frozenset({'not', "n't", 'never', 'no'})
# PLOVER codes intentions, not the intended act: 'All cooperative actions reported in future
# tense are also taken to imply intentions' (AGREE), and a conflictual act announced for
# the future is a threat (THREATEN, whose modes name the act threatened).
_FUTURE_MODALS = frozenset({'will', 'would', "'ll", 'shall'})
_INTENT_GOVERNORS = frozenset('vow swear sworn plan intend prepare decide willing prepared ready determined'.split())
# 'Russia said that Sudan must return the helicopter': a reported obligation is a DEMAND by
# the reporter on the clause's subject, whatever the obliged act (CAMEO/PLOVER 'demand that').
_REPORTING_VERBS = frozenset('say announce insist state declare tell conclude stress warn'.split())
_OBLIGATION = 'must'
_COOPERATION = frozenset({'verbal_cooperation', 'material_cooperation'})
_THREAT_MODES = {'ASSAULT': 'violence', 'SANCTION': 'relations', 'PROTEST': 'restrict',
                 'MOBILIZE': 'violence'}
_RESOLVABLE_PRONOUNS = frozenset({'he', 'she', 'him', 'her', 'his'})
# Dependents that belong to a noun phrase's own words, not to a clause around it.
_PHRASE_DEPS = frozenset({'compound', 'amod', 'poss', 'det', 'nummod', 'case', 'cc', 'conj', 'nmod',
                          'quantmod', 'prep', 'pobj', 'punct', 'appos', 'advmod', 'npadvmod'})
_MAX_PHRASE_TOKENS = 12
# An appositive that says who a person is: ', the chief of China's Joint Staff,'.
_APPOSITIVE = re.compile(r'\s*,\s*((?:the|a|an)\s[^,;.]{3,120}?)(?=[,;.]|$)')
# How far before a name its title may start: 'Iranian Armed Forces Chief of Staff Major General'.
_TITLE_WINDOW_CHARS = 80
# 'the town of Samarra', 'the province of Sindh': what follows names a place, whatever NER says.
_PLACE_OF = re.compile(r'\b(?:town|city|village|province|district|region|state|port|capital|island)s?\s+of\s+$',
                       re.IGNORECASE)
# 'ethnic Albanians in Serbia', 'ethnic Russians': a people, who may be citizens of another state.
_ETHNIC = re.compile(r'\b[Ee]thnic\s+([A-Z][\w-]+)')
_TITLE_STOP = re.compile(r'[,;:()“”"]|\b(?:said|says|told|and|met|with|by|to)\b')
# A state office printed before a name with no country ('President Bouteflika', 'Lt. Gen. Avril'):
# the holder is taken to hold it in the country the sentence is about.
_STATE_TITLE = re.compile(
    r'(?<![\w-])(?:President|Vice[- ]President|Prime Minister|Premier|Chancellor|King|Queen|Emir|Sultan|Prince'
    r'|Minister|Governor|General|Gen\.|Colonel|Col\.|Admiral|Marshal)\s+$')
# Prepositions whose object is another party, not the actor's own country ('threatened action
# against Russia', 'negotiate with Armenia', 'sanctions on Cuba').
_OTHER_PARTY_PREPOSITIONS = frozenset({'against', 'with', 'on', 'into', 'toward', 'towards'})


# spaCy's English rule lemmatizer (its ``lemma_rules`` table): a word of that part of speech
# ending in the first string has the lemma with the second in its place ('talks' -> 'talk',
# 'agreed' -> 'agree').  Reversed, they give every regular form that can have a given lemma.
_LEMMA_RULES = {
    'VERB': (('s', ''), ('ies', 'y'), ('es', 'e'), ('es', ''), ('ed', 'e'), ('ed', ''), ('ing', 'e'), ('ing', '')),
    'NOUN': (('s', ''), ('ses', 's'), ('ves', 'f'), ('xes', 'x'), ('zes', 'z'), ('ches', 'ch'), ('shes', 'sh'),
             ('men', 'man'), ('ies', 'y')),
}
_VOWELS = frozenset('aeiou')
_WORD = re.compile(r'\w+')


def inflections(lemma: str, pos: str) -> set:
    """The forms of ``lemma`` as part of speech ``pos`` that the lemmatizer can take back to it.

    The lemma itself, the lemma rules reversed, and the regular spellings the lemmatizer
    knows as exceptions: a doubled final consonant ('banned', 'expelling'), y -> ied
    ('rallied'), c -> ck ('trafficked').  Irregular ones ('met') are the lexicon's ``forms``.
    A part of speech without rules (AUX) gets the verb's and the noun's.
    """
    lemma = lemma.lower()
    forms = {lemma}
    for rule_pos, rules in _LEMMA_RULES.items():
        if pos not in _LEMMA_RULES or pos == rule_pos:
            for old, new in rules:
                if lemma.endswith(new):
                    forms.add(lemma[:len(lemma) - len(new)] + old)
    if pos != 'NOUN':
        last = lemma[-1:]
        if len(lemma) > 2 and last.isalpha() and last not in _VOWELS and last not in 'wxy' \
                and lemma[-2] in _VOWELS:
            forms.update((lemma + last + 'ed', lemma + last + 'ing'))
        if len(lemma) > 2 and last == 'y' and lemma[-2] not in _VOWELS:
            forms.add(lemma[:-1] + 'ied')
        if last == 'c':
            forms.update((lemma + 'ked', lemma + 'king'))
    return forms


# Irregular forms of the words a trigger needs beside it ('with' words, reporting verbs).
_IRREGULAR_PARTNER_FORMS = {'go': ('went', 'gone'), 'tie': ('tying',), 'say': ('said',), 'tell': ('told',)}


def _word_forms(lemma: str) -> frozenset:
    """Every form of a word of any part of speech: what a partner lemma can be printed as."""
    return frozenset(inflections(lemma, 'X') | set(_IRREGULAR_PARTNER_FORMS.get(lemma, ())))


class TriggerIndex:
    """The lexicon by lemma, and a regex of the forms its words can take in a text.

    ``pattern`` finds the inflected forms of the lexicon's words (and 'must', for reported
    obligations): a sentence without one cannot hold a trigger, so it is not parsed, and in
    a parsed sentence only the tokens it found can be triggers.  ``partners`` says, of a
    form that triggers only beside another word ('held' only in 'held talks', 'must' only
    under a reporting verb), the forms one of which the sentence must hold too.
    """

    def __init__(self, triggers: Sequence[Trigger]):
        self.by_lemma: Dict[str, List[Trigger]] = collections.defaultdict(list)
        needs: Dict[str, set] = collections.defaultdict(set)
        for trigger in triggers:
            self.by_lemma[trigger.lemma].append(trigger)
            forms = set(trigger.forms) | set().union(*(inflections(trigger.lemma, pos) for pos in trigger.pos))
            for form in forms:
                needs[form.lower()].add(trigger.with_lemma)
        needs[_OBLIGATION].update(_REPORTING_VERBS)
        self.forms = frozenset(needs)
        self.partners: Dict[str, frozenset] = {
            form: frozenset().union(*(_word_forms(lemma) for lemma in lemmas))
            for form, lemmas in needs.items() if None not in lemmas}
        self.pattern = re.compile(r'\b' + trie_pattern(self.forms) + r'\b', re.IGNORECASE)

    def hits(self, text: str, start: int = 0, end: Optional[int] = None) -> List[int]:
        """Offsets (from ``start``) of the trigger forms in ``text[start:end]`` that can trigger there."""
        end = len(text) if end is None else end
        found, words = [], None
        for match in self.pattern.finditer(text, start, end):
            partners = self.partners.get(match.group(0).lower())
            if partners is not None:
                if words is None:
                    words = frozenset(_WORD.findall(text[start:end].lower()))
                if not partners & words:
                    continue
            found.append(match.start() - start)
        return found

    def match(self, token) -> Optional[Tuple[Trigger, Optional[object]]]:
        """The lexicon line a token triggers, and the partner token of a two-word trigger.

        A line whose ``with`` word is among the token's head and dependents beats a
        line without one; among equals the file order decides.
        """
        candidates = [t for t in self.by_lemma.get(token.lemma_.lower(), ()) if token.pos_ in t.pos]
        plain = None
        for trigger in candidates:
            if trigger.with_lemma is None:
                plain = plain or trigger
                continue
            for neighbour in (*token.children, token.head):
                if neighbour.i != token.i and neighbour.lemma_.lower() == trigger.with_lemma:
                    return trigger, neighbour
        return (plain, None) if plain else None


@functools.lru_cache(maxsize=None)
def default_index() -> TriggerIndex:
    return TriggerIndex(load_plover_lexicon())


class SentenceSpan(NamedTuple):
    index: int
    start: int
    end: int


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


class Candidate(NamedTuple):
    """A sentence worth parsing, and where its possible trigger words start (sentence offsets)."""
    span: SentenceSpan
    hits: Tuple[int, ...]


# Longer "sentences" are lists, tables or text without punctuation (the corpora's longest real
# sentence has about 1,000 characters).  The parser's memory grows with the text it is given,
# so such a span is parsed in pieces, cut where its tokens part anyway.
MAX_PARSE_CHARS = 2_000


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


def candidates(body: str, sentence_starts: Sequence[int], index: TriggerIndex) -> List[Candidate]:
    """Sentences (or pieces of overlong ones) whose raw text holds a possible trigger form, with the forms' offsets."""
    found = []
    for sentence in sentence_spans(body, sentence_starts):
        for span in parse_spans(body, sentence):
            hits = tuple(index.hits(body, span.start, span.end))
            if hits:
                found.append(Candidate(span, hits))
    return found


class CountryResolver:
    """Countries (ISO alpha-3) named by an actor's words: aliases, demonyms, the gazetteer."""

    def __init__(self, demonyms: Dict[str, str], actor_countries: Dict[str, str]):
        self._demonyms = demonyms
        self._names = actor_countries
        words = sorted(set(demonyms) | set(actor_countries), key=len, reverse=True)
        # Demonyms and names are capitalised: case-sensitive, so 'chinese food' style
        # lower-case uses and common words ('US' vs 'us') stay out.
        self._in_text = re.compile(r"(?<![\w’'])(?:" + '|'.join(map(re.escape, words)) + r")(?=s?\b)")

    def of_word(self, text: str) -> Optional[str]:
        """Country of a whole printed name or demonym ('Iranians', 'U.S.'), else None."""
        text = text.strip()
        for candidate in (text, text[:-1] if text.endswith('s') else None):
            if candidate:
                found = self._names.get(candidate) or self._demonyms.get(candidate)
                if found:
                    return found
        return None

    def in_text(self, text: str) -> Optional[str]:
        """The first country named inside a longer text ('Iranian Armed Forces', 'PLA University')."""
        match = self._in_text.search(text)
        if match:
            return self.of_word(match.group(0))
        return None

    def of_mention(self, mention: EntityMention, persons: Dict[str, str]) -> Optional[str]:
        """Country of an entity mention: its own name, else (persons) what the article says of them."""
        if mention.label == PERSON:
            # A country mistaken for a person by the model ('Benin opened its borders') still names it.
            return persons.get(mention.canonical) or self.of_word(mention.text) or _country_only(mention.text)
        found = self.of_word(mention.text) or self.of_word(mention.canonical)
        if found:
            return found
        if mention.label in _PLACE_LABELS:
            place = locate_place(mention.text)
            if place and place.country:
                return place.country
        if mention.label in ('ORG', 'NORP', 'GPE'):
            return self.in_text(mention.text) or _country_name_in(mention.text)
        return None


def _country_name_in(text: str) -> Optional[str]:
    # 'Islamic Republic of Iran Broadcasting': a country's own name among the words.
    words = text.split()
    index = gazetteer()
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            place = index.region_as_place(' '.join(words[start:start + size]))
            if place and place.country and words[start][:1].isupper():
                return place.country
    return None


def _country_only(name: str) -> Optional[str]:
    place = gazetteer().region_as_place(name)
    return place.country if place else None


@functools.lru_cache(maxsize=None)
def default_resolver() -> CountryResolver:
    return CountryResolver(load_demonyms(), load_actor_countries())


def _title_window(body: str, mention: EntityMention) -> Tuple[int, str]:
    """(start, text) of what may be the person's title: up to _TITLE_WINDOW_CHARS before the
    name, from the last _TITLE_STOP on."""
    window_start = max(0, mention.start_char - _TITLE_WINDOW_CHARS)
    before = body[window_start:mention.start_char]
    stops = list(_TITLE_STOP.finditer(before))
    if stops:
        window_start += stops[-1].end()
        before = body[window_start:mention.start_char]
    return window_start, before


def person_countries(body: str, entities: Sequence[EntityMention], resolver: CountryResolver) -> Dict[str, str]:
    """Each person's country as the article states it, by canonical name.

    Two places say it: the title before a name ('Iranian Armed Forces Chief of Staff
    Major General Mohammad Hossein Baqeri') and an appositive after it ('Li
    Zuocheng, the chief of China's Joint Staff'); the first statement in the
    article wins.  A GPE mention or a demonym or institution name counts.
    """
    found: Dict[str, str] = {}
    mentions = sorted(entities, key=lambda m: m.start_char)
    for position, mention in enumerate(mentions):
        if mention.label != PERSON or mention.canonical in found:
            continue
        window_start, before = _title_window(body, mention)
        # Nearest to the name first: 'Iran's envoy met Chinese minister Wang' -> CHN.
        country = _nearest_country(before, window_start, mentions[:position], resolver, found)
        if country is None:
            appositive = _APPOSITIVE.match(body, mention.end_char)
            if appositive:
                later = [m for m in mentions[position + 1:]
                         if appositive.start(1) <= m.start_char < appositive.end(1)]
                country = (_first_place_country(later, resolver)
                           or resolver.in_text(appositive.group(1)))
        if country:
            found[mention.canonical] = country
    return found


def _nearest_country(text: str, offset: int, earlier: Sequence[EntityMention], resolver: CountryResolver,
                     persons: Dict[str, str]) -> Optional[str]:
    candidates = []
    for match in resolver._in_text.finditer(text):  # pylint: disable=protected-access
        candidates.append((match.start() + offset, resolver.of_word(match.group(0))))
    for mention in earlier:
        if mention.start_char >= offset and mention.label in ('GPE', 'NORP', 'ORG'):
            candidates.append((mention.start_char, resolver.of_mention(mention, persons)))
    candidates = [(start, country) for start, country in candidates if country]
    return max(candidates)[1] if candidates else None


def _first_place_country(mentions: Iterable[EntityMention], resolver: CountryResolver) -> Optional[str]:
    for mention in mentions:
        if mention.label in ('GPE', 'NORP', 'ORG'):
            country = resolver.of_mention(mention, {})
            if country:
                return country
    return None


def previous_person(entities: Sequence[EntityMention], sentence_index: int) -> Optional[EntityMention]:
    """What 'he' / 'she' in sentence ``sentence_index`` most likely stands for.

    The first PERSON mention of the nearest earlier sentence that has one: news copy
    puts a sentence's subject first, and a pronoun subject continues the last
    sentence's.  Deliberately simple: no gender or number agreement.
    """
    best = None
    for mention in entities:
        if mention.label != PERSON or mention.sentence_index >= sentence_index:
            continue
        if best is None or mention.sentence_index > best.sentence_index:
            best = mention
    return best


class Role(NamedTuple):
    text: str
    canonical: Optional[str]
    country: Optional[str]
    mention: Optional[EntityMention]
    # 'ethnic Albanians': the country is the people's, not necessarily the state they live in.
    ethnic: bool = False


class ArticleContext(NamedTuple):
    """What ``sentence_events`` needs of the article besides the parsed sentence."""
    article_id: str
    body: str
    entities: Sequence[EntityMention]
    time_expressions: Sequence[TimeExpression]
    persons: Dict[str, str]            # canonical -> alpha-3, from person_countries


def event_id_of(article_id: str, start: int, end: int, event_type: str) -> str:
    return hashlib.sha256(f'{article_id}:{start}:{end}:{event_type}'.encode()).hexdigest()[:32]


class _Sentence:
    """One parsed sentence and the article's mentions in it, in body offsets."""

    def __init__(self, doc, span: SentenceSpan, context: ArticleContext):
        self.doc = doc
        self.span = span
        self.context = context
        self.mentions = [m for m in context.entities if span.start <= m.start_char < span.end]

    def start_of(self, token) -> int:
        return self.span.start + token.idx

    def mention_of(self, token, labels=_ROLE_LABELS) -> Optional[EntityMention]:
        start = self.start_of(token)
        for mention in self.mentions:
            if mention.start_char <= start < mention.end_char and mention.label in labels:
                return mention
        return None

    def is_time(self, token) -> bool:
        """Whether a token is part of a date ('on Wednesday' is when, not whom)."""
        start = self.start_of(token)
        return any(t.start_char <= start < t.end_char for t in self.context.time_expressions) or any(
            m.start_char <= start < m.end_char and m.label in ('DATE', 'TIME') for m in self.mentions)

    def text(self, first: int, last: int) -> str:
        """Body text from token ``first`` to token ``last`` inclusive."""
        doc = self.doc
        return self.context.body[self.start_of(doc[first]):self.start_of(doc[last]) + len(doc[last])]


def _subject(verb) -> Tuple[Optional[object], bool]:
    """(actor token, passive) of a verb: its subject, the 'by' agent when passive, or an inherited one."""
    children = list(verb.children)
    passive = any(c.dep_ in _PASSIVE_SUBJECTS or c.dep_ == 'auxpass' for c in children)
    if passive:
        agent = next((c for c in children if c.dep_ == 'agent'), None)
        pobj = next((g for g in agent.children if g.dep_ == 'pobj'), None) if agent is not None else None
        return pobj, True
    subject = next((c for c in children if c.dep_ in _SUBJECTS), None)
    if subject is not None:
        return subject, False
    head = verb.head
    if head.i == verb.i:
        return None, False
    if verb.dep_ == 'xcomp':
        if head.pos_ == 'ADJ' and head.dep_ in ('acomp', 'amod') and head.head.i != head.i:
            # 'Syria is willing to withdraw': the subject is the copula's.
            return _subject(head.head)[0], False
        if head.lemma_.lower() in _OBJECT_CONTROL:
            obj = next((c for c in head.children if c.dep_ == 'dobj'), None)
            if obj is not None:
                return obj, False
        return _subject(head)[0], False
    if verb.dep_ == 'conj':
        return _subject(head)
    if verb.dep_ == 'relcl' and head.pos_ in ('NOUN', 'PROPN', 'PRON'):
        return head, False
    if verb.dep_ in ('advcl', 'acl') and head.pos_ in ('VERB', 'AUX'):
        # 'Heading a delegation, Baqeri visited': a participle clause shares the subject.
        return _subject(head)[0], False
    if verb.dep_ == 'acl' and head.dep_ == 'dobj' and head.head.pos_ in ('VERB', 'AUX'):
        # 'issued a declaration demanding ...': who issued it demands.
        return _subject(head.head)[0], False
    return None, False


def _prep_object(token, sentence: '_Sentence', prepositions: Sequence[str] = _TARGET_PREPOSITIONS):
    """The object of the token's most telling preposition ('with' before 'to' before 'on'), not a date."""
    found = []
    for child in token.children:
        lemma = child.lemma_.lower()
        if child.dep_ in ('prep', 'dative') and lemma in prepositions:
            pobj = next((g for g in child.children if g.dep_ == 'pobj'), None)
            if pobj is not None and not sentence.is_time(pobj):
                found.append((prepositions.index(lemma), pobj.i, pobj))
    return min(found, key=lambda item: item[:2])[2] if found else None


def _governing_verb(noun) -> Tuple[Optional[object], Optional[str]]:
    """The verb a noun trigger hangs from ('held talks', 'in a meeting') and how: 'dobj' or the preposition."""
    token, via = noun, None
    for _ in range(3):
        if token.dep_ == 'compound' and token.head.pos_ == 'NOUN':
            # 'launched a mediation effort': the compound's head noun is what the verb governs.
            token = token.head
            continue
        if token.dep_ in ('dobj', 'attr', 'nsubjpass') and token.head.pos_ in ('VERB', 'AUX'):
            return token.head, via or 'dobj'
        if token.dep_ == 'pobj' and token.head.dep_ == 'prep':
            via = token.head.lemma_.lower()
            token = token.head.head
            if token.pos_ in ('VERB', 'AUX'):
                return token, via
            continue
        if token.dep_ == 'conj':
            token = token.head
            continue
        return None, None
    return None, None


def _roles(trigger_token, sentence: '_Sentence') -> Tuple[Optional[object], Optional[object], Optional[object], bool]:
    """(actor token, target token, governing verb, whether the verb carries the event) of a trigger."""
    obliged = _reported_obligation(trigger_token)
    if obliged is not None:
        # 'Russia said Sudan must return ...': Russia demands, of Sudan.
        target = next((c for c in obliged.children if c.dep_ in _SUBJECTS), None)
        return _subject(obliged.head)[0], target, obliged, True
    if trigger_token.pos_ in ('VERB', 'AUX'):
        actor, passive = _subject(trigger_token)
        target = None
        if passive:
            target = next((c for c in trigger_token.children if c.dep_ in _PASSIVE_SUBJECTS), None)
        if target is None:
            target = next((c for c in trigger_token.children if c.dep_ in ('dobj', 'dative')), None)
        if target is not None and sentence.is_time(target):
            target = None
        if target is None:
            target = _prep_object(trigger_token, sentence)
        return actor, target, trigger_token, True
    actor = next((c for c in trigger_token.children if c.dep_ == 'poss'), None)
    if actor is not None and actor.pos_ == 'PRON':
        # 'they continued their hunger strike': the clause's subject says who 'their' is.
        verb, via = _governing_verb(trigger_token)
        if verb is not None and via == 'dobj' and verb.lemma_.lower() in _LIGHT_VERBS:
            actor = _subject(verb)[0] or actor
    if actor is None:
        # 'Israeli air strikes', 'U.S. sanctions': a name-like modifier is the actor.
        actor = next((c for c in trigger_token.children
                      if c.dep_ in ('compound', 'amod') and c.pos_ in ('PROPN', 'ADJ') and c.text[:1].isupper()),
                     None)
    target = _prep_object(trigger_token, sentence)
    verb, via = _governing_verb(trigger_token)
    if verb is not None and (via in _PARTICIPATION_PREPOSITIONS
                             or (via == 'dobj' and verb.lemma_.lower() in _LIGHT_VERBS)):
        if actor is None:
            actor = _subject(verb)[0]
        if target is None:
            target = _prep_object(verb, sentence, ('with',))
        # 'held talks': the light verb carries the event; 'in a meeting' is only circumstance.
        return actor, target, verb, via == 'dobj'
    return actor, target, None, False


def _phrase_bounds(token) -> Tuple[int, int]:
    """Token range of a role's noun phrase: its modifiers and conjuncts, not a clause around it.

    'of' phrases belong to any noun ('the chief of China's Joint Staff'); 'in' and 'from'
    only to a common noun ('rebels in the Ivory Coast'), after a name they say where.
    """
    prepositions = ('of',) if token.pos_ == 'PROPN' else ('of', 'in', 'from')
    first = last = token.i
    stack = [token]
    while stack:
        current = stack.pop()
        for child in current.children:
            # An adjective keeps its own complement: 'militants loyal to Iraq's Al-Qaeda'.
            if child.dep_ in _PHRASE_DEPS and (child.dep_ != 'prep' or child.lemma_.lower() in prepositions
                                               or current.pos_ == 'ADJ'):
                first, last = min(first, child.i), max(last, child.i)
                stack.append(child)
    if last - first + 1 > _MAX_PHRASE_TOKENS:
        first, last = min(token.left_edge.i, token.i), token.i
    doc = token.doc
    while last > first and (doc[last].is_punct or doc[last].dep_ == 'cc'):
        last -= 1
    while first < last and doc[first].is_punct:
        first += 1
    return first, last


def _antecedent(pronoun):
    """The subject of the reporting clause a pronoun's clause hangs from: 'Syria says it will ...'."""
    verb = pronoun.head
    for _ in range(4):
        if verb.dep_ in ('ccomp', 'xcomp', 'conj', 'advcl') and verb.head.i != verb.i:
            verb = verb.head
            subject = next((c for c in verb.children if c.dep_ in _SUBJECTS), None)
            if subject is not None and subject.pos_ != 'PRON':
                return subject
        else:
            return None
    return None


def _role(token, sentence: _Sentence) -> Optional[Role]:
    """Who a role token stands for; a pronoun is replaced by its antecedent when one is found."""
    if token is None:
        return None
    context = sentence.context
    resolver = default_resolver()
    if token.pos_ == 'PRON':
        if token.lower_ not in _ANAPHORS:
            return Role(token.text, None, None, None)
        antecedent = _antecedent(token)
        if antecedent is not None:
            return _role(antecedent, sentence)
        person = previous_person(context.entities, sentence.span.index) \
            if token.lower_ in _RESOLVABLE_PRONOUNS else None
        if person is None:
            return Role(token.text, None, None, None)
        return Role(person.text, person.canonical, context.persons.get(person.canonical), person)
    first, last = _phrase_bounds(token)
    if token.lemma_.lower() in _QUANTITY_NOUNS or token.pos_ == 'NUM':
        of = next((c for c in token.children if c.dep_ == 'prep' and c.lower_ == 'of'), None)
        pobj = next((g for g in of.children if g.dep_ == 'pobj'), None) if of is not None else None
        if pobj is not None:
            token = pobj
    mention = sentence.mention_of(token)
    if mention is None:
        inside = [m for m in sentence.mentions
                  if sentence.start_of(sentence.doc[first]) <= m.start_char
                  and m.end_char <= sentence.start_of(sentence.doc[last]) + len(sentence.doc[last])]
        persons = [m for m in inside if m.label == PERSON]
        # 'Vice Chairman of the Commission Xu Qiliang': a title headed phrase is the person;
        # 'Taiwan's Vice Foreign Minister' stays the minister, with Taiwan's country.
        if persons and (token.pos_ == 'PROPN' or token.text[:1].isupper()):
            mention = persons[-1]
    has_conjunct = any(child.dep_ == 'conj' for child in token.children)
    if mention is not None:
        text = sentence.text(first, last) if has_conjunct else mention.text
        country = resolver.of_mention(mention, context.persons)
        if country is None:
            country = _phrase_country(sentence, first, last, mention)
        return Role(text, mention.canonical, country, mention, _ethnic(sentence, first, last, country))
    text = sentence.text(first, last)
    country = _phrase_country(sentence, first, last, None) or _country_name_in(text)
    return Role(text, None, country, None, _ethnic(sentence, first, last, country))


def _ethnic(sentence: _Sentence, first: int, last: int, country: Optional[str]) -> bool:
    """Whether the phrase's country comes from 'ethnic X' ('ethnic Albanians', 'ethnic Serb civilians')."""
    if country is None:
        return False
    start = sentence.start_of(sentence.doc[first])
    text = sentence.context.body[max(0, start - 8):sentence.start_of(sentence.doc[last]) + len(sentence.doc[last])]
    return any(default_resolver().of_word(m.group(1)) == country for m in _ETHNIC.finditer(text))


def _resolved(token):
    """The token a role stands for: a pronoun's antecedent in its sentence ('Militants said they ...')."""
    if token.pos_ == 'PRON' and token.lower_ in _ANAPHORS:
        antecedent = _antecedent(token)
        if antecedent is not None:
            return _resolved(antecedent)
    return token


def _phrase_country(sentence: _Sentence, first: int, last: int, skip: Optional[EntityMention]) -> Optional[str]:
    """The first country the phrase's own words name: 'the senior Iranian commander' -> IRN."""
    start = sentence.start_of(sentence.doc[first])
    end = sentence.start_of(sentence.doc[last]) + len(sentence.doc[last])
    resolver = default_resolver()
    candidates = []
    for mention in sentence.mentions:
        if mention is not skip and start <= mention.start_char and mention.end_char <= end \
                and mention.label in ('GPE', 'NORP', 'ORG'):
            country = resolver.of_mention(mention, sentence.context.persons)
            if country:
                candidates.append((mention.start_char, country))
    match = resolver._in_text.search(sentence.context.body, start, end)  # pylint: disable=protected-access
    if match:
        candidates.append((match.start(), resolver.of_word(match.group(0))))
    candidates = [c for c in candidates if c[1]]
    return min(candidates)[1] if candidates else None


def _sentence_country(sentence: _Sentence, exclude: Union[None, str, Tuple[Optional[str], ...]]) -> Optional[str]:
    """The first country the sentence names, other than ``exclude`` (one country or several)."""
    resolver = default_resolver()
    excluded = exclude if isinstance(exclude, tuple) else (exclude,)
    for mention in sentence.mentions:
        if mention.label in ('GPE', 'NORP'):
            country = resolver.of_mention(mention, sentence.context.persons) or _named_place_country(
                sentence.context.body, mention)
            if country and country not in excluded:
                return country
    return None


def _titled_official(body: str, mention: EntityMention, mentions: Sequence[EntityMention]) -> bool:
    """Whether a person is introduced by a bare state office: 'President Bush', not 'U.N. Secretary-General Annan'.

    A title that an organisation or a country qualifies ('U.N.', 'Arab League', 'Iranian')
    says whose office it is; only a bare one leaves the country to the context.
    """
    window_start, before = _title_window(body, mention)
    if not _STATE_TITLE.search(before) and not _STATE_TITLE.search(
            mention.text[:len(mention.text) - len(mention.text.split()[-1])]):
        return False
    return not any(window_start <= m.start_char < mention.start_char and m.label in ('ORG', 'NORP', 'GPE')
                   for m in mentions)


def _patient_tokens(trigger_token, target_token) -> set:
    """Token indices of the other parties of an act: the target's phrase, and the objects of
    the verbs it embeds ('threatened to expel Ugandan diplomats', 'diplomats from Kenya'),
    but not where the act happens ('a curfew in Algiers')."""
    heads = [target_token] if target_token is not None else []
    verb = trigger_token
    for _ in range(3):
        heads += [c for c in verb.children if c.dep_ in ('dobj', 'dative')]
        verb = next((c for c in verb.children if c.dep_ == 'xcomp'), None)
        if verb is None:
            break
    tokens = set()
    for head in heads:
        first, last = _phrase_bounds(head)
        tokens |= set(range(first, last + 1))
        # 'a curfew in Algiers': where the act happens is not another party.
        for prep in (c for c in head.children if c.dep_ == 'prep' and c.lemma_.lower() in ('in', 'at')):
            tokens -= {t.i for t in prep.subtree}
    return tokens


def _scene_country(sentence: _Sentence, skip_tokens: set, skip_mentions: Sequence,
                   exclude: Optional[str]) -> Optional[str]:
    """The first country the sentence names outside the other parties' words: where a bare official serves.

    Names, demonyms (whatever NER labels them), places and country institutions ('the White
    House said') count; the target's phrase, the objects of 'against', 'with', 'on' ... and
    the target's own country (``exclude``) do not.
    """
    resolver = default_resolver()
    doc = sentence.doc
    for token in doc:
        if token.dep_ == 'prep' and token.lemma_.lower() in _OTHER_PARTY_PREPOSITIONS:
            for pobj in (c for c in token.children if c.dep_ == 'pobj'):
                first, last = _phrase_bounds(pobj)
                skip_tokens |= set(range(first, last + 1))
    skipped = [(sentence.start_of(doc[i]), sentence.start_of(doc[i]) + len(doc[i])) for i in skip_tokens]
    skipped += [(m.start_char, m.end_char) for m in skip_mentions]
    candidates = []
    for mention in sentence.mentions:
        if mention.label in ('GPE', 'NORP', 'LOC', 'ORG'):
            candidates.append((mention.start_char, resolver.of_mention(mention, sentence.context.persons)
                               or _named_place_country(sentence.context.body, mention)))
    body = sentence.context.body
    for match in resolver._in_text.finditer(body, sentence.span.start, sentence.span.end):  # pylint: disable=protected-access
        candidates.append((match.start(), resolver.of_word(match.group(0))))
    for start, country in sorted(candidates, key=lambda c: c[0]):
        if country and country != exclude and not any(a <= start < b for a, b in skipped):
            return country
    return None


def _named_place_country(body: str, mention: EntityMention) -> Optional[str]:
    """The country of a name that the text itself calls a place: 'the town of Samarra'.

    The NER model often labels a little-known town as a nationality or a person; the
    noun before 'of' says what it is, so the gazetteer may look it up as a place.
    """
    if not _PLACE_OF.search(body, max(0, mention.start_char - 40), mention.start_char):
        return None
    place = locate_place(mention.text)
    return place.country if place else None


def _negated(trigger_token, event_type: str, governor) -> bool:
    for token in (trigger_token, governor):
        if token is None:
            continue
        if any(child.dep_ == 'neg' or child.lower_ in _NEGATORS for child in token.children
               if child.dep_ in ('neg', 'advmod', 'det')):
            return True
    head = trigger_token.head
    return (trigger_token.dep_ == 'xcomp' and event_type != 'REJECT'
            and head.lemma_.lower() in _NEGATING_GOVERNORS)


def _location(sentence: _Sentence, anchors: Sequence, used: Sequence[Optional[EntityMention]]):
    """A place in an 'in/at X' phrase: the one hanging from an anchor (trigger, its verb) first."""
    found = []
    for token in sentence.doc:
        if token.dep_ != 'pobj' or token.head.lemma_.lower() not in ('in', 'at'):
            continue
        mention = sentence.mention_of(token)
        if mention is None or mention.label not in _PLACE_LABELS or mention in used:
            continue
        attached = token.head.head in anchors
        found.append((not attached, token.i, mention))
    return min(found, key=lambda item: item[:2])[2] if found else None


def _location_country(mention: EntityMention) -> Optional[str]:
    resolver = default_resolver()
    country = resolver.of_word(mention.text)
    if country:
        return country
    place = locate_place(mention.text)
    return place.country if place else None


_DATE_GRANULARITIES = frozenset({'day', 'part_of_day', 'week', 'month', 'quarter', 'season', 'year', 'decade',
                                  'century'})


def _date(sentence: _Sentence, anchors: Sequence) -> Optional[TimeExpression]:
    """A time expression in the sentence: one attached to the trigger (or its verb) first, then the nearest."""
    span = sentence.span
    # A duration ('three years') or a vague reference ('recently') is not when something happened.
    inside = [t for t in sentence.context.time_expressions
              if span.start <= t.start_char < span.end and t.granularity in _DATE_GRANULARITIES]
    if not inside:
        return None
    anchor_starts = [sentence.start_of(a) for a in anchors if a is not None]

    def attached(expression) -> bool:
        for token in sentence.doc:
            start = sentence.start_of(token)
            if expression.start_char <= start < expression.end_char:
                node = token
                for _ in range(3):
                    node = node.head
                    if any(node.i == a.i for a in anchors if a is not None):
                        return True
        return False

    def distance(expression) -> int:
        return min(abs(expression.start_char - s) for s in anchor_starts) if anchor_starts else 0

    return min(inside, key=lambda e: (not attached(e), distance(e)))


_DEMAND = Trigger(lemma=_OBLIGATION, event_type='DEMAND', mode=None, pos=('AUX',), with_lemma=None, forms=())


def _reported_obligation(token):
    """The obliged verb when ``token`` is the 'must' of a clause reported by a reporting verb, else None."""
    if token.lower_ != _OBLIGATION or token.dep_ != 'aux':
        return None
    verb = token.head
    if verb.dep_ == 'ccomp' and verb.head.lemma_.lower() in _REPORTING_VERBS:
        return verb
    return None


def _announced(token) -> bool:
    """Whether a verb trigger is announced or intended rather than done ('will withdraw', 'vowed to fight')."""
    if token.pos_ not in ('VERB', 'AUX'):
        return False
    if any(child.dep_ == 'aux' and child.lower_ in _FUTURE_MODALS for child in token.children):
        return True
    return token.dep_ == 'xcomp' and token.head.lemma_.lower() in _INTENT_GOVERNORS


def _ultimatum(verb) -> bool:
    """Whether an announced act hangs on an 'unless' clause ('will withdraw unless X arranges a ceasefire')."""
    return any(child.dep_ == 'advcl' and any(g.dep_ == 'mark' and g.lower_ == 'unless' for g in child.children)
               for child in verb.children)


def intended_type(token, trigger: Trigger) -> Tuple[str, Optional[str]]:
    """(type, mode) of a trigger after PLOVER's rule for announced acts.

    'Syria will withdraw its troops' is AGREE (THREATEN with an 'unless' condition), 'they
    would blockade Paris' THREATEN; verbal conflict ('will demand') and AGREE/THREATEN themselves are unchanged.
    """
    if not _announced(token) or trigger.event_type in ('AGREE', 'THREATEN'):
        return trigger.event_type, trigger.mode
    quad = QUAD_CLASSES[trigger.event_type]
    if quad in _COOPERATION:
        # 'will withdraw its force unless the ceasefire holds': a conditioned act is an ultimatum.
        return ('THREATEN' if _ultimatum(token) else 'AGREE'), None
    if quad == 'material_conflict':
        mode = trigger.mode if trigger.mode in ('arrest', 'ban', 'restrict') else None
        return 'THREATEN', _THREAT_MODES.get(trigger.event_type, mode)
    return trigger.event_type, trigger.mode


def _depth(token) -> int:
    """Hops to the sentence root; coordination is free, so conjoined clauses rank alike."""
    depth = 0
    while token.head.i != token.i:
        if token.dep_ != 'conj':
            depth += 1
        token = token.head
    return depth


class _Found(NamedTuple):
    event: Event
    depth: int


def sentence_events(doc, span: SentenceSpan, context: ArticleContext, index: TriggerIndex) -> List[Event]:
    """Every event the sentence's triggers express (before ``select_events``).

    Args:
        doc: a spaCy Doc of ``context.body[span.start:span.end]`` with tagger, parser, lemmatizer.
        span: the sentence.
        context: the article.
        index: the trigger lexicon.
    """
    return [found.event for found in _sentence_events(doc, span, context, index)]


def _hit_tokens(doc, hits: Optional[Sequence[int]]) -> list:
    """The tokens at the trigger regex's hits (sentence offsets), in order; all tokens without hits."""
    if hits is None:
        return list(doc)
    indices = set()
    for offset in hits:
        found = doc.char_span(offset, offset + 1, alignment_mode='expand')
        if found is not None and len(found):
            indices.add(found[0].i)
    return [doc[i] for i in sorted(indices)]


def _sentence_events(doc, span: SentenceSpan, context: ArticleContext, index: TriggerIndex,
                     hits: Optional[Sequence[int]] = None) -> List[_Found]:
    sentence = _Sentence(doc, span, context)
    matches = {}
    partners = set()
    # Only a token where the regex found a trigger form can be a trigger (or 'must').
    tokens = _hit_tokens(doc, hits)
    for token in tokens:
        matched = index.match(token)
        if matched:
            matches[token.i] = matched
            if matched[1] is not None:
                partners.add(matched[1].i)
    for token in tokens:
        obliged = _reported_obligation(token)
        if obliged is not None:
            # The demand replaces the obliged act's own event ('must reach an agreement').
            matches.pop(obliged.i, None)
            matches[token.i] = (_DEMAND, None)
    found = []
    for i, (trigger, partner) in matches.items():
        if i in partners:
            # 'held talks', 'impose sanctions': the noun is part of the phrase trigger, not a second event.
            continue
        token = doc[i]
        first, last = i, i
        lemma = trigger.lemma
        if partner is not None and abs(partner.i - i) <= 3:
            first, last = min(i, partner.i), max(i, partner.i)
            lemma = ' '.join((trigger.lemma, trigger.with_lemma) if partner.i > i
                             else (trigger.with_lemma, trigger.lemma))
        actor_token, target_token, governor, governor_carries = _roles(token, sentence)
        if partner is not None and target_token is not None and target_token.i == partner.i:
            # 'imposed sanctions on X': the phrase's own noun is not the target.
            target_token = _prep_object(partner, sentence) or _prep_object(token, sentence)
        actor, target = _role(actor_token, sentence), _role(target_token, sentence)
        anchors = [token] + ([governor] if governor is not None else [])
        location = _location(sentence, anchors, [r.mention for r in (actor, target) if r])
        date = _date(sentence, anchors)
        start = sentence.start_of(doc[first])
        end = sentence.start_of(doc[last]) + len(doc[last])
        # 'will hold talks', 'will give Tanzania a grant': the light verb carries the tense.
        event_type, mode = intended_type(governor if governor_carries and governor is not None else token, trigger)
        event = Event(
            event_id=event_id_of(context.article_id, start, end, event_type),
            article_id=context.article_id,
            event_type=event_type,
            event_mode=mode,
            quad_class=QUAD_CLASSES[event_type],
            trigger=context.body[start:end],
            trigger_lemma=lemma,
            actor=actor.text if actor else None,
            actor_canonical=actor.canonical if actor else None,
            actor_country=actor.country if actor else None,
            target=target.text if target else None,
            target_canonical=target.canonical if target else None,
            target_country=target.country if target else None,
            location=location.text if location else None,
            location_country=_location_country(location) if location else None,
            # 'Friday morning' (2019-09-13TMO) happened on 2019-09-13.
            event_date=date.value.split('T')[0] if date else None,
            date_text=date.text if date else None,
            date_granularity=date.granularity if date else None,
            negated=_negated(token, event_type, governor),
            sentence_index=span.index,
            start_char=start,
            end_char=end,
            evidence=context.body[span.start:span.end],
        )
        if event.actor_country is None and actor is not None and actor.mention is None \
                and _resolved(actor_token).pos_ in ('NOUN', 'ADJ'):
            # 'Prisoners rioted at a jail in Dili', 'Islamic fundamentalists demand the resignation
            # of the Algerian president': an unnamed group is taken to act at home, in the
            # country where it acts, else the one its sentence is about (not the target's).
            event = event._replace(actor_country=event.location_country or _sentence_country(
                sentence, target.country if target else None))
        if actor is not None and actor.ethnic:
            # 'Up to 100 ethnic Albanians demonstrated in Serbia': an ethnic group acts at home, in
            # the country where it acts, else the other one its sentence names; its people's own
            # country only when the sentence names no other.
            event = event._replace(actor_country=event.location_country or _sentence_country(
                sentence, (actor.country, target.country if target else None)) or actor.country)
        if event.actor_country is None and actor is not None and actor.mention is not None \
                and actor.mention.label == PERSON and _titled_official(context.body, actor.mention, sentence.mentions):
            # 'President Yoweri Museveni has threatened to ban Ugandan opposition candidates':
            # a bare state title is an office of the country the sentence is about; a meeting's
            # place says nothing of who met there.
            places = [location] if location is not None and event_type == 'CONSULT' else []
            event = event._replace(actor_country=_scene_country(
                sentence, _patient_tokens(token, target_token), [actor.mention] + places,
                target.country if target else None))
        if event.actor is None and event.target is None:
            # A trigger word with no participant ('this visit can be a turning point') names an
            # event type, not an event; PLOVER does not code events without actors either.
            continue
        found.append(_Found(event, _depth(governor if governor_carries else token)))
    return found


def select_events(found: Sequence[_Found]) -> List[Event]:
    """The events of a sentence's main clause: those whose trigger is nearest the root.

    PLOVER codes 'Iran refused to hold talks' as one REJECT, not also a CONSULT, and
    'X condemned the attack on Y' as DISAPPROVE: the outermost trigger carries the
    event, the embedded ones are its content.  Triggers coordinated with it ('attacked
    and killed') are kept too.  Costs recall on sentences that report two
    independent events in a main and a subordinate clause.
    """
    if not found:
        return []
    best = min(f.depth for f in found)
    kept, seen = [], set()
    for item in found:
        key = (item.event.event_type, item.event.actor_canonical or item.event.actor)
        if item.depth == best and key not in seen:
            seen.add(key)
            kept.append(item.event)
    return kept


def article_sentence_events(doc, span: SentenceSpan, context: ArticleContext, index: TriggerIndex,
                            hits: Optional[Sequence[int]] = None) -> List[Event]:
    """``select_events`` over ``sentence_events``: what the events stage emits for one sentence.

    ``hits``: where the sentence's trigger forms start (``Candidate.hits``); only the tokens
    there are looked up in the lexicon.  None looks up every token.
    """
    return select_events(_sentence_events(doc, span, context, index, hits))


def sentence_index_of(sentence_starts: Sequence[int], offset: int) -> int:
    return max(0, bisect_right(list(sentence_starts), offset) - 1)
