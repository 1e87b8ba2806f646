"""Entity keys: one key per real-world entity, the same in every article and every run.  No Beam.

Analysts count people, organisations and places across articles, where one article prints 'Donald
Trump' and another 'Trump', and 'Zarif', 'Mohammad Javad Zarif' and a misspelt 'Zariff' are one
man.  ``entity_keys`` gives each mention of an article a key, from what the article itself says
(its fullest name for the entity: ``canonical``) and what dictionaries say; never from other
articles, so a key does not depend on what else a run reads.

* ``geonames:<id>``: a place (GPE, LOC, FAC) the gazetteer knows: a country or US state, a city of
  at least ``MENTION_MIN_POPULATION`` people (``gazetteer.locate_place``), a country's alias ('U.S.',
  ``seeds/rules/actor_countries.jsonl``, aliases only) or official name ("People's Republic of China",
  pycountry).
* ``phoenix:<ACTOR_ID>``: a person or organisation the Phoenix actor dictionaries know
  (``names.PhoenixNames``; the id is the dictionary's primary name, 'MOHAMMAD_ZARIF_KHONSARI'):
  by the article's fullest name for it ('Mohammad Javad Zarif', an acronym's organisation, a name
  with its title dropped); else, for a person, by the name's words when they fit exactly one
  dictionary person who holds a dated office at the article's date (``in_office``): the last word is
  that person's surname and every other word is one of his names ('Zarif', 'Javad Zarif' ->
  MOHAMMAD ZARIF KHONSARI from 2013-08-15); else by a near miss of the surname: one edit
  (a letter inserted, deleted, changed, or two neighbours swapped) from a surname of at least
  ``FUZZY_MIN_CHARS`` letters, again only when exactly one person in office fits ('Zariff').
  Without a date, a surname resolves only when exactly one dictionary person has it and it is no
  English word ('Zarif'; not 'Bush'); near misses are not looked for.
* ``name:<normalised name>``: anything else with a name: the article's fullest name without
  accents, case, punctuation, a leading 'the' and, for a person, leading titles ('President',
  'Dr.'): 'name:donald trump', 'name:national iranian oil company'.
* None: numbers, dates, amounts (CARDINAL, DATE, MONEY, ...).
"""
import functools
import re
import unicodedata
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from schemas.records import EntityMention
from transforms.core.canonical import TITLES, clean_name
from transforms.core.event_rules import ACTOR_COUNTRIES
from transforms.core.gazetteer import Point, gazetteer, locate_place, osa_distance_at_most_one, place_key
from transforms.core.names import (ORG, PERSON, PLACE, DictionaryActor, PhoenixNames, default_phoenix_names, in_office,
                                   name_key, name_kind)
from transforms.core.rules import RULES_DIR, _read_rules

GEONAMES, PHOENIX, NAME = 'geonames', 'phoenix', 'name'
PLACE_LABELS = frozenset({'GPE', 'LOC', 'FAC'})
ACTOR_LABELS = frozenset({'PERSON', 'ORG', 'NORP'})
# Labels of numbers, dates and amounts: no entity, no key.
UNKEYED_LABELS = frozenset({'DATE', 'TIME', 'PERCENT', 'MONEY', 'QUANTITY', 'ORDINAL', 'CARDINAL'})
# A near miss is looked for only for surnames this long: one letter off a short name is another name.
FUZZY_MIN_CHARS = 5
# Titles and ranks before a person's name: canonical.py's, and the compound and honorific ones of
# officials' full names ('Foreign Minister', 'Grand Ayatollah', 'Sayyed').
_TITLES = TITLES | frozenset('foreign defense defence sayyed sayyid seyed seyyed hojjatoleslam hojatoleslam hujjat '
                             'grand'.split())
_NOT_KEY = re.compile(r"[^\w\s]|_")
_APOSTROPHES = re.compile(r"['’`]")


def normalised_name(name: str, label: Optional[str] = None) -> str:
    """A name as a key: no accents, case-folded, punctuation gone, no leading 'the' (nor titles for a person).

    'Mohammad-Javad Zarif' -> 'mohammad javad zarif'; 'President Trump' (PERSON) -> 'trump'.
    """
    text = clean_name(name)
    text = unicodedata.normalize('NFKD', text)
    text = ''.join(char for char in text if not unicodedata.combining(char))
    text = _APOSTROPHES.sub('', text.casefold())
    words = _NOT_KEY.sub(' ', text).split()
    if label == PERSON:
        while len(words) > 1 and words[0] in _TITLES:
            words = words[1:]
    return ' '.join(words)


@functools.lru_cache(maxsize=None)
def _country_aliases() -> Dict[str, str]:
    """'U.S.' -> 'USA': the country aliases of actor_countries.jsonl (not its institutions: 'Pentagon')."""
    return {rule['name']: rule['country'] for rule in _read_rules(RULES_DIR / 'actor_countries.jsonl', ACTOR_COUNTRIES, 1)
            if rule.get('kind') == 'alias'}


@functools.lru_cache(maxsize=None)
def _official_names() -> Dict[str, str]:
    """A country's official and common names as pycountry has them ("People's Republic of China") -> alpha-3."""
    import pycountry  # pylint: disable=import-outside-toplevel
    names = {}
    for country in pycountry.countries:
        for name in (getattr(country, 'official_name', None), getattr(country, 'common_name', None)):
            if name:
                names[place_key(name.replace('’', "'"))] = country.alpha_3
    return names


def place_point(name: str) -> Optional[Point]:
    """The GeoNames id and point of a place name, cleaned of a leading 'the' and a possessive first
    (``canonical.clean_name``), else as printed."""
    return _point(clean_name(name)) or _point(name)


def _point(name: str) -> Optional[Point]:
    """The gazetteer's point of a place name, else that of a country's alias ('U.S.') or official name
    ("People's Republic of China")."""
    place = locate_place(name)
    if place is not None and place.geonames_id is not None:
        return Point(place.geonames_id, place.latitude, place.longitude)
    country = _country_aliases().get(name.strip()) or _official_names().get(place_key(name.replace('’', "'")))
    return gazetteer().country_point(country) if country else None


class _Surnames:
    """People of the dictionary by surname, and surnames by their one-letter deletions (near misses)."""

    def __init__(self, phoenix: PhoenixNames):
        self.phoenix = phoenix
        self._deletions: Dict[str, List[str]] = {}
        for surname in phoenix.surnames():
            if len(surname) >= FUZZY_MIN_CHARS:
                for variant in {surname, *(surname[:i] + surname[i + 1:] for i in range(len(surname)))}:
                    self._deletions.setdefault(variant, []).append(surname)

    def near(self, surname: str) -> List[str]:
        """Dictionary surnames one edit from ``surname`` (itself excluded)."""
        if len(surname) < FUZZY_MIN_CHARS:
            return []
        found = set()
        for variant in {surname, *(surname[:i] + surname[i + 1:] for i in range(len(surname)))}:
            for candidate in self._deletions.get(variant, ()):
                if candidate != surname and osa_distance_at_most_one(surname, candidate):
                    found.add(candidate)
        return sorted(found)


@functools.lru_cache(maxsize=None)
def _surnames() -> _Surnames:
    return _Surnames(default_phoenix_names())


def _surnames_of(actor: DictionaryActor) -> List[str]:
    return list(dict.fromkeys(name_key(name).split()[-1] for name in actor.names if name_key(name)))


def _fits(words: Sequence[str], actor: DictionaryActor, surname: str) -> bool:
    """Whether a name's words but the last are words of one of the actor's names ending in ``surname``,
    and the last is that surname or a slip of it."""
    if words[-1] != surname and not _slip(words[-1], surname):
        return False
    names = [name_key(name).split() for name in actor.names]
    return any(name and name[-1] == surname and all(word in name[:-1] for word in words[:-1]) for name in names)


def _slip(printed: str, surname: str) -> bool:
    """A typing slip of a surname: one letter inserted, dropped, or two neighbours swapped, the first letter
    kept ('ZARIFF', 'ZARF', 'ZAIRF' for 'ZARIF'); not a changed letter, which makes another real name
    ('TROMP', 'TRUMP')."""
    return (len(surname) >= FUZZY_MIN_CHARS and printed[:1] == surname[:1] and len(printed) != len(surname)
            and osa_distance_at_most_one(printed, surname)) or (
        len(printed) == len(surname) >= FUZZY_MIN_CHARS and printed[:1] == surname[:1] and printed != surname
        and sorted(printed) == sorted(surname) and osa_distance_at_most_one(printed, surname))


def _one(actors: Iterable[DictionaryActor]) -> Optional[DictionaryActor]:
    found = {actor.actor_id: actor for actor in actors}
    return next(iter(found.values())) if len(found) == 1 else None


class KeyMaker:
    """Keys of names, given the dictionaries (see the module doc)."""

    def __init__(self, phoenix: Optional[PhoenixNames] = None, is_common_word=lambda word: None):
        self.phoenix = phoenix or default_phoenix_names()
        self.surnames = _surnames() if phoenix is None else _Surnames(self.phoenix)
        self.is_common_word = is_common_word

    def dictionary_actor(self, name: str, label: str, date: Optional[str]) -> Optional[DictionaryActor]:
        """The Phoenix actor a name stands for at ``date``, or None (see the module doc)."""
        key = name_key(name)
        # A person's name that the dictionary files under an organisation ('SAYYED NASRALLAH' under
        # HEZBOLLAH) is no key of the person; nor is an organisation's name one of a person.
        wanted = (PERSON, None) if label == PERSON else (ORG, None)
        candidates = [actor for actor in self.phoenix.by_name(name)
                      if actor.kind != PLACE and name_kind(actor, key) in wanted
                      and (label != PERSON or actor.kind == PERSON or key == name_key(actor.names[0]))]
        if label == PERSON:
            candidates = candidates or [actor for actor in self.phoenix.by_name(normalised_name(name, PERSON))
                                        if actor.kind == PERSON]
        if len(candidates) > 1 and date:
            candidates = [actor for actor in candidates if in_office(actor.codes, date)] or candidates
        found = _one(candidates)
        if found is not None or label != PERSON:
            return found
        words = name_key(normalised_name(name, PERSON)).split()
        if not words:
            return None
        surname = words[-1]
        known = self.phoenix.by_surname(surname)
        if not date:
            # An undated article (a scraped page): only a surname that no other dictionary person has,
            # and no English word ('Bush'), says who without a date.
            if self.is_common_word(surname.lower()) is not None:
                return None
            return _one(actor for actor in known if actor.kind == PERSON and _fits(words, actor, surname))
        if not known and self.is_common_word(surname.lower()) is None:
            # A surname no dictionary person has may be a slip of one who is in office ('Zariff').
            known = [actor for candidate in self.surnames.near(surname) for actor in self.phoenix.by_surname(candidate)]
        fitting = [actor for actor in known if actor.kind == PERSON and in_office(actor.codes, date)
                   and any(_fits(words, actor, candidate) for candidate in _surnames_of(actor))]
        return _one(fitting)

    def key(self, name: str, label: str, date: Optional[str]) -> Optional[str]:
        """The key of an entity the article calls ``name`` (its fullest name) with ``label``."""
        if label in UNKEYED_LABELS or not name.strip():
            return None
        if label in PLACE_LABELS:
            point = place_point(name)
            if point is not None:
                return f'{GEONAMES}:{point.geonames_id}'
        if label in ACTOR_LABELS or label in PLACE_LABELS:
            actor = self.dictionary_actor(clean_name(name), label, date)
            if actor is not None:
                return f'{PHOENIX}:{actor.actor_id}'
        normalised = normalised_name(name, label)
        return f'{NAME}:{normalised}' if normalised else None


@functools.lru_cache(maxsize=None)
def default_key_maker() -> KeyMaker:
    return KeyMaker()


def entity_keys(mentions: Sequence[EntityMention], date: Optional[str],
                maker: Optional[KeyMaker] = None) -> List[Optional[str]]:
    """The key of each mention of one article, in order; mentions of one entity (same canonical name and
    label) share it.

    Args:
      mentions: the article's mentions, ``canonical`` filled.
      date: the day the article reports on (ISO), for the dictionaries' offices; None if unknown.
      maker: the dictionaries; the shipped ones by default.
    """
    maker = maker or default_key_maker()
    cache: Dict[Tuple[str, str], Optional[str]] = {}
    keys = []
    for mention in mentions:
        entity = (mention.canonical, mention.label)
        if entity not in cache:
            cache[entity] = maker.key(mention.canonical, mention.label, date)
        keys.append(cache[entity])
    return keys


def keys_by_name(mentions: Sequence[EntityMention]) -> Dict[str, str]:
    """canonical name (and printed text) -> the key most of its mentions have: for events and quotes,
    which name their actors by canonical name."""
    votes: Dict[str, Dict[str, int]] = {}
    for mention in mentions:
        if mention.entity_key is None:
            continue
        for name in (mention.canonical, mention.text):
            tally = votes.setdefault(name, {})
            tally[mention.entity_key] = tally.get(mention.entity_key, 0) + 1
    return {name: max(tally, key=lambda key: (tally[key], key)) for name, tally in votes.items()}
