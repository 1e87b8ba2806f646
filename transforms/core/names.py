"""What the pipeline knows of names without reading an article: places, dictionary actors, words.  No Beam.

* ``common_words(model_path)``: English words that are not names, from the lemmatizer tables
  shipped with the spaCy model (WordNet's index of nouns, verbs, adjectives and adverbs, and
  the suffix rules that undo inflections).  The index holds proper nouns too ('london',
  'clinton'), so it is consulted after the places and actors below.
* ``PhoenixNames``: the Phoenix actor dictionaries (``seeds/rules/phoenix_actors.jsonl``, the
  file the events stage reads) by name, each actor with its id (its first, primary name:
  'MOHAMMAD ZARIF KHONSARI'), its kind (``actor_kind``) and its dated codes.
* ``case_lexicon(model_path)``: the ``truecase.CaseLexicon`` built from these, the gazetteer,
  the demonyms and the calendar's names.
"""
import functools
import re
from pathlib import Path
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.lookups import Lookups
from spacy.strings import hash_string

from transforms.core.actors import actor_code, holds
from transforms.core.calendar_names import MONTHS, WEEKDAYS
from transforms.core.entity_rules import DictionaryMatch
from transforms.core.event_rules import DatedCode, PhoenixActor, load_actor_countries, load_demonyms, load_phoenix_actors
from transforms.core.gazetteer import MENTION_MIN_POPULATION, gazetteer
from transforms.core.truecase import CaseLexicon

PERSON, ORG, PLACE = 'PERSON', 'ORG', 'PLACE'
# Where the entity stage puts the article's date (ISO) in a Doc's user_data, for dictionary offices.
DATE_KEY = 'newsbeam_date'
# How sure a dictionary match is (entity_rules.DictionaryMatch.strength).
COUNTRY, ACTOR = 'COUNTRY', 'ACTOR'
# Prepositions after which a capitalised place name is the place ('talks in Geneva').
_LOCATIVES = frozenset({'in', 'at', 'near', 'from', 'to', 'outside', 'into', 'across', 'around', 'throughout',
                        'toward', 'towards', 'via'})
# Words of organisations' names: an actor whose name holds one is not a person, dated or not
# ('SUDAN PEOPLE'S LIBERATION ARMY' [SDNREB 1983-2011], 'KOSOVO ASSEMBLY' [KSVGOVLEG >2008]).
_ORGANISATION_WORDS = frozenset('''
ARMY ASSEMBLY COUNCIL PARTY FRONT MOVEMENT MINISTRY GOVERNMENT COMMITTEE COMMISSION
ORGANIZATION ORGANISATION UNION LEAGUE FORCES FORCE BRIGADE BRIGADES GROUP AGENCY BANK COURT
PARLIAMENT CONGRESS SENATE OFFICE DEPARTMENT SERVICE SERVICES ALLIANCE ASSOCIATION FEDERATION
INSTITUTE UNIVERSITY COMPANY CORPORATION CORP INC LTD POLICE GUARD GUARDS REGIME CABINET JUNTA
AUTHORITY BOARD BUREAU CENTER CENTRE FUND FOUNDATION SOCIETY NATIONS MILITIA REBELS COALITION BLOC
CONFERENCE COMMUNITY PROGRAMME PROGRAM REGIME BROTHERHOOD JIHAD
'''.split())
# CAMEO's codes of actors above or outside states: international and non-governmental organisations,
# international militant groups, multinational companies.
_NON_STATE = frozenset({'IGO', 'NGO', 'IMG', 'MNC'})
_ACRONYM_SKIP = frozenset({'OF', 'THE', 'AND', 'FOR', 'ON', 'IN', 'DE', '&'})
# Codes and roles that only organisations carry (international and non-governmental organisations,
# companies; media, business, education and health bodies).
_ORGANISATION_CODES = frozenset({'IGO', 'NGO', 'MNC'})
_ORGANISATION_ROLES = frozenset({'MED', 'BUS', 'EDU', 'HLH'})


class DictionaryActor(NamedTuple):
    """One Phoenix actor: its id (the primary name), kind (PERSON, ORG or PLACE), names and codes."""
    actor_id: str
    kind: str
    names: Tuple[str, ...]
    codes: Tuple[DatedCode, ...]


def actor_kind(actor: PhoenixActor) -> str:
    """PERSON, ORG or PLACE for a Phoenix actor, from its codes and names.

    The upstream files do not say which entries are people, so the codes do: a country's own
    entry (and its cities and provinces: 'AFGHANISTAN', 'KABUL') has bare country codes ('AFG',
    no role, no IGO / NGO / IMG); people hold dated offices ('IRNGOV 2013-08-15 ->') or an elite role ('ELI'); what
    else has a role is an organisation, and so is anything whose name has an organisation's
    word ('ARMY', 'COUNCIL', 'PARTY').
    """
    if actor.codes and all(actor_code(code.code).role is None and code.code[:3] not in _NON_STATE
                           for code in actor.codes):
        return PLACE
    words = {word for name in actor.names[:1] for word in name.replace('-', ' ').split()}
    if words & _ORGANISATION_WORDS:
        return ORG
    dated = any(code.start or code.end for code in actor.codes)
    elite = any(code.code[3:6] == 'ELI' or code.code[:3] == 'ELI' for code in actor.codes)
    if dated or elite:
        return PERSON
    return ORG


def name_kind(actor: DictionaryActor, key: str) -> Optional[str]:
    """What one of an actor's names (a ``name_key``) is: ORG, PERSON or None (unsure, or a place).

    The dictionaries code actors, not names: 'SAYYED NASRALLAH' is a name of HEZBOLLAH and 'ASSAD
    REGIME' one of BASHAR AL-ASSAD.  So a name with an organisation's word is an organisation; a
    person's name of two words or more is a person; a one-word name is an organisation only as
    the organisation's own first name ('HEZBOLLAH', 'NATO', not 'ASSAD').
    """
    if actor.kind == PLACE:
        return None
    words = key.replace('-', ' ').split()
    if _ORGANISATION_WORDS.intersection(words) and len(words) >= 2:
        return ORG
    if actor.kind == PERSON:
        return PERSON if len(words) >= 2 else None
    primary = name_key(actor.names[0])
    if len(words) == 1 and (key == primary or _is_acronym_of(key, actor)):
        return ORG
    if key == primary and any(code.code[:3] in _ORGANISATION_CODES or code.code[3:6] in _ORGANISATION_ROLES
                              or code.code[:3] in _ORGANISATION_ROLES for code in actor.codes):
        # 'DER SPIEGEL' [MED], 'WORLD HEALTH ORGANIZATION' [IGO...]: not 'OSAMA BIN LADEN' [IMG].
        return ORG
    return None


def _is_acronym_of(key: str, actor: DictionaryActor) -> bool:
    """Whether a one-word name spells the initials of another of the actor's names ('MNLF')."""
    return any(_initials(name_key(name).replace('-', ' ')) == key for name in actor.names)


def _initials(key: str) -> Optional[str]:
    """The initials of a name of two words or more (a ``name_key``), its small words skipped ('IAEA'); else None."""
    words = [w for w in key.split() if w not in _ACRONYM_SKIP]
    return ''.join(w[0] for w in words) if len(words) >= 2 else None


def in_office(codes: Sequence[DatedCode], date: str) -> bool:
    """Whether a dated code of the actor holds the day (ISO)."""
    return any(holds(code, date) for code in codes)


def name_key(name: str) -> str:
    """A dictionary lookup key: upper case, periods and apostrophes dropped, spaces and underscores as one space."""
    key = re.sub(r"[.’'`]", '', name.upper())
    return re.sub(r'[\s_]+', ' ', key).strip()


class PhoenixNames:
    """Phoenix actors by their names, and people by their surnames."""

    def __init__(self, actors: Sequence[PhoenixActor]):
        self.actors: List[DictionaryActor] = []
        self._by_key: Dict[str, List[int]] = {}
        self._by_surname: Dict[str, List[int]] = {}
        for actor in actors:
            if not actor.names:
                continue
            number = len(self.actors)
            kind = actor_kind(actor)
            self.actors.append(DictionaryActor(actor.names[0].replace(' ', '_'), kind, tuple(actor.names),
                                               tuple(actor.codes)))
            for name in actor.names:
                key = name_key(name)
                if len(key) >= 2:
                    self._by_key.setdefault(key, []).append(number)
                    if kind == PERSON and ' ' in key:
                        self._by_surname.setdefault(key.rsplit(' ', 1)[1], []).append(number)
        self._merge_acronyms()

    def _merge_acronyms(self) -> None:
        """An organisation listed twice, under its name and under its acronym with the same codes ('IAEA',
        'INTERNATIONAL ATOMIC ENERGY AGENCY'), is one actor: the acronym's entry takes the full name's id."""
        by_codes: Dict[Tuple, List[int]] = {}
        for number, actor in enumerate(self.actors):
            if actor.kind == ORG:
                by_codes.setdefault(actor.codes, []).append(number)
        for numbers in by_codes.values():
            if len(numbers) < 2:
                continue
            initials = {}
            for number in numbers:
                for name in self.actors[number].names:
                    acronym = _initials(name_key(name))
                    if acronym:
                        initials.setdefault(acronym, number)
            for number in numbers:
                actor = self.actors[number]
                acronyms = [name_key(n) for n in actor.names if ' ' not in name_key(n)]
                full = next((initials[a] for a in acronyms if initials.get(a, number) != number), None)
                if full is not None:
                    self.actors[number] = actor._replace(actor_id=self.actors[full].actor_id)

    def by_name(self, name: str) -> List[DictionaryActor]:
        """The actors with exactly this name (in any case), in file order."""
        return [self.actors[number] for number in self._by_key.get(name_key(name), ())]

    def label_of(self, name: str) -> Optional[str]:
        """PERSON or ORG when every actor of this name agrees that the name itself is one (``name_kind``)."""
        key = name_key(name)
        kinds = {name_kind(actor, key) for actor in self.by_name(name)}
        return kinds.pop() if len(kinds) == 1 else None

    def knows(self, key: str) -> bool:
        """Whether a ``name_key`` is some actor's name."""
        return key in self._by_key

    def by_surname(self, surname: str) -> List[DictionaryActor]:
        """The people whose name (any of their names) ends in this word."""
        seen = []
        for number in self._by_surname.get(name_key(surname), ()):
            if self.actors[number] not in seen:
                seen.append(self.actors[number])
        return seen

    def surnames(self) -> Iterable[str]:
        return self._by_surname.keys()

    def person_in_office(self, surname: str, date: str) -> Optional[DictionaryActor]:
        """The one dictionary person of this surname who holds a dated office at ``date``, else None."""
        found = {actor.actor_id: actor for actor in self.by_surname(surname)
                 if actor.kind == PERSON and in_office(actor.codes, date)}
        return next(iter(found.values())) if len(found) == 1 else None


@functools.lru_cache(maxsize=None)
def default_phoenix_names() -> PhoenixNames:
    return PhoenixNames(load_phoenix_actors())


class CommonWords(NamedTuple):
    words: Dict[str, str]                     # word -> 'verb' (verb, adjective, adverb) or 'noun'
    rules: Tuple[Tuple[str, str], ...]        # (suffix, replacement) that undo regular inflections
    exceptions: Dict[str, str]                # irregular inflection -> the kind of its lemma


@functools.lru_cache(maxsize=None)
def common_words(model_path: str) -> CommonWords:
    """English words from the model's lemmatizer tables (WordNet's index and the inflection rules).

    'verb' stands for verbs, adjectives and adverbs: words that are rarely names; 'noun' for
    words that are names as often as not in WordNet's index ('china', 'bush').
    """
    lookups = Lookups().from_disk(Path(model_path) / 'lemmatizer' / 'lookups')
    index = lookups.get_table('lemma_index')
    rules = lookups.get_table('lemma_rules')
    exceptions = lookups.get_table('lemma_exc')
    words: Dict[str, str] = {}
    irregular: Dict[str, str] = {}
    for pos in ('verb', 'adj', 'adv', 'noun'):
        key = hash_string(pos)
        kind = 'noun' if pos == 'noun' else 'verb'
        if key in index:
            for word in index[key]:
                if '_' not in word:
                    words.setdefault(word, kind)
        if key in exceptions:
            for word in exceptions[key]:
                irregular.setdefault(word, kind)
    suffixes = []
    for pos in ('noun', 'verb', 'adj'):
        key = hash_string(pos)
        if key in rules:
            suffixes.extend((suffix, replacement) for suffix, replacement in rules[key] if suffix)
    return CommonWords(words, tuple(dict.fromkeys(suffixes)), irregular)


_CALENDAR = frozenset(name.lower() for name in MONTHS + WEEKDAYS)


@functools.lru_cache(maxsize=None)
def _demonyms() -> frozenset:
    found = set()
    for demonym in load_demonyms():
        found.add(demonym.lower())
        found.add(demonym.lower() + 's')
    return frozenset(found)


def is_country(lower: str) -> bool:
    """A country or US state by name ('japan', 'sri lanka')."""
    return gazetteer().region_as_place(lower) is not None


def is_place(lower: str) -> bool:
    """A country, US state or a city of at least MENTION_MIN_POPULATION people."""
    index = gazetteer()
    if index.region_as_place(lower) is not None:
        return True
    return any(city.population >= MENTION_MIN_POPULATION for city in index.cities(lower))


@functools.lru_cache(maxsize=None)
def case_lexicon(model_path: Optional[str]) -> CaseLexicon:
    """The lexicon of ``truecase.restore_case``: the model's common words, places, Phoenix names."""
    words = common_words(model_path) if model_path else CommonWords({}, (), {})
    phoenix = default_phoenix_names()
    demonyms = _demonyms()

    def capitalised(lower: str) -> bool:
        return lower in _CALENDAR or lower in demonyms or is_country(lower)

    def is_name(lower: str) -> bool:
        return is_place(lower) or phoenix.knows(name_key(lower))

    return CaseLexicon(STOP_WORDS, words.words, words.rules, words.exceptions, capitalised, is_name)


def common_word_test(lexicon: CaseLexicon):
    """A test of lower-case words: 'function' ('the', 'such'), 'verb' (verbs, adjectives, adverbs),
    'noun', 'inflected' (an inflected noun: 'men'), or None for other words."""
    def kind(lower: str) -> Optional[str]:
        if lower in lexicon.function_words:
            return 'function'
        return lexicon.common_kind(lower)
    return kind


def is_known_place(name: str) -> bool:
    """Whether the gazetteer knows a name as a place of any size, a region or a country alias."""
    index = gazetteer()
    return bool(index.cities(name) or index.region_scopes(name) or name in load_actor_countries())


def is_demonym(lower: str) -> bool:
    """A demonym ('rwandan', 'welsh'): a word of a name that is not a person's ('Rwandan Hutu')."""
    return lower in _demonyms()


# Words that join the capitalised words of one name ('Bank of England', 'Bosnia and Herzegovina').
_CONNECTORS = frozenset({'of', 'the', 'and', 'for', 'de', 'al', 'el', 'la', 'on', '&', '-', "'s", '’s'})
_MAX_NAME_TOKENS = 6
# Office titles: a Phoenix entry holding one is an office ('US ATTORNEY GENERAL'), not a name to tag.
_OFFICE_WORDS = frozenset('''PRESIDENT MINISTER SECRETARY GENERAL ATTORNEY CHANCELLOR PREMIER KING QUEEN PRINCE
SPEAKER AMBASSADOR GOVERNOR MAYOR CHIEF COMMANDER SPOKESMAN SPOKESPERSON EX FORMER LEADER'''.split())


def _after_locative(doc, start: int) -> bool:
    return start > 0 and doc[start - 1].lower_ in _LOCATIVES


_LETTERS = re.compile(r'[^\W\d_]+')
_UNSEEN = object()
_MAX_SEEN = 200_000


class EntityDictionary:
    """Names the gazetteer and the Phoenix dictionaries know, found in a Doc (``entity_rules``).

    Args:
      phoenix: the Phoenix actors by name.
      is_common_word: whether a lower-case word is an ordinary English word (``common_words``).
      sources: which dictionaries to use: 'countries' (and US states), 'cities', 'gazetteer' (both), 'phoenix'.
    """

    def __init__(self, phoenix: PhoenixNames, is_common_word, sources=('gazetteer', 'phoenix')):
        self.phoenix = phoenix
        self.is_common_word = is_common_word
        sources = set(sources)
        if 'gazetteer' in sources:
            sources |= {'countries', 'cities'}
        self.sources = frozenset(sources)
        self._seen: Dict[str, Optional[Tuple[str, str]]] = {}

    def _lookup(self, text: str, size: int) -> Optional[Tuple[str, str]]:
        """``label_of`` for a plausible name, remembered: the same names recur from article to article."""
        found = self._seen.get(text, _UNSEEN)
        if found is _UNSEEN:
            if len(self._seen) >= _MAX_SEEN:
                self._seen.clear()
            label = self.label_of(text, size)
            words = tuple(_LETTERS.findall(text.lower()))
            found = self._seen[text] = label if label is not None and self._plausible_words(words, size) else None
        return found

    def label_of(self, text: str, size: int) -> Optional[Tuple[str, str]]:
        """(label, how sure) of a name, or None: COUNTRY for a country, ACTOR for a Phoenix person or
        organisation, PLACE for a US state or a city (a name that is often a team's or a person's too)."""
        index = gazetteer()
        if 'countries' in self.sources:
            scope = index.region_as_scope(text)
            if scope is not None:
                return 'GPE', (COUNTRY if scope[1] is None else PLACE)
        if 'phoenix' in self.sources:
            kind = self.phoenix.label_of(text)
            if kind is not None and not _OFFICE_WORDS.intersection(name_key(text).split()):
                return kind, ACTOR
        if 'cities' in self.sources and is_place(text):
            return 'GPE', PLACE
        return None

    def matches(self, doc) -> list:
        """The dictionary's names in ``doc``: longest first from each capitalised word, not overlapping.

        With the article's date in ``doc.user_data[DATE_KEY]``, a lone word that is the surname of exactly
        one dictionary person in office that day is that person ('Rouhani' in 2017).
        """
        date = doc.user_data.get(DATE_KEY) if 'phoenix' in self.sources else None
        # Token texts read once: a Token object per look is what costs here.
        texts = [token.text for token in doc]
        capital = [text[:1].isupper() for text in texts]
        breaks = {token.i for token in doc if '\n' in token.whitespace_}
        found = []
        i, n = 0, len(texts)
        while i < n:
            if not capital[i] or not texts[i].isalpha():
                i += 1
                continue
            run = i + 1
            while run < n and run - i < _MAX_NAME_TOKENS and run - 1 not in breaks \
                    and (capital[run] or texts[run].lower() in _CONNECTORS):
                run += 1
            matched = None
            for end in range(run, i, -1):
                if not capital[end - 1]:
                    continue
                label = self._lookup(doc[i:end].text, end - i)
                if label is not None:
                    matched = DictionaryMatch(i, end, label[0], label[1], _after_locative(doc, i))
                    break
            if matched is None and date and (i + 1 == n or not capital[i + 1]) \
                    and (i == 0 or not capital[i - 1] or doc[i].is_sent_start) \
                    and self.phoenix.person_in_office(texts[i], date) and self._plausible(doc[i:i + 1]):
                matched = DictionaryMatch(i, i + 1, PERSON, ACTOR, False)
            if matched is None:
                i += 1
                continue
            found.append(matched)
            i = matched.end
        return found

    def _plausible(self, tokens) -> bool:
        """Not a lone common word ('Reading', 'Bath'), nor a phrase of common words only ('Black Friday')."""
        return self._plausible_words(tuple(token.lower_ for token in tokens if token.is_alpha), len(tokens))

    def _plausible_words(self, words: Tuple[str, ...], size: int) -> bool:
        if not words:
            return False
        if all(word in _CALENDAR or self.is_common_word(word) in ('function', 'verb') for word in words):
            return False
        if size == 1 and self.is_common_word(words[0]):
            # A common word that is also a place ('Bath', 'Reading'): only a country counts ('Turkey', 'China').
            return is_country(words[0])
        return True
