"""Who an actor is and which country it belongs to, from its own words and the article's.  No Beam.

* ``PhoenixDictionary``: the Phoenix actor dictionaries (``seeds/rules/phoenix_actors.jsonl``):
  a name's CAMEO code as of the article's date, hence its country (or IGO / NGO / IMG) and
  role (GOV, MIL, ...): 'Kofi Annan' is IGO, 'President Bush' USA GOV in 1990 and 2002;
  and the generic agents ('police' COP, 'rebels' REB, 'peacekeeping troops' IGO).
* ``CountryResolver``: the country (ISO alpha-3) a name or word stands for: a country alias
  or institution, a demonym, the gazetteer.
* ``person_countries``: a person's country as the article introduces them: the title before
  the name ('Iranian ... General Mohammad Hossein Baqeri'), else an appositive after it.
* ``previous_person``: what 'he' / 'she' stands for (shared with quotes).
"""
import collections
import functools
import re
from typing import Dict, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Tuple

import pycountry

from schemas.records import EntityMention
from transforms.core.event_rules import (DatedCode, PhoenixActor, load_actor_countries, load_demonyms,
                                         load_phoenix_actors, load_phoenix_agents)
from transforms.core.gazetteer import gazetteer, locate_place

PERSON = 'PERSON'
PLACE_LABELS = frozenset({'GPE', 'LOC', 'FAC'})
# An appositive that says who a person is: ', the chief of China's Joint Staff,'.
_APPOSITIVE = re.compile(r'\s*,\s*((?:the|a|an)\s[^,;.]{3,120}?)(?=[,;.]|$)')
# How far before a name its title may start: 'Iranian Armed Forces Chief of Staff Major General'.
_TITLE_WINDOW_CHARS = 80
_TITLE_STOP = re.compile(r'[,;:()“”"]|\b(?:said|says|told|and|met|with|by|to)\b')

# Dictionary names are matched without case, periods or apostrophes ('U.N.' is 'UN'), and
# without a leading article.
_KEY_DROP = re.compile(r"[.’'`]")
_KEY_SPACE = re.compile(r'[\s_]+')
_LEADING_ARTICLE = re.compile(r'^(?:THE|A|AN) ')
# CAMEO role codes (the CAMEO actor codebook's primary and secondary roles): what follows the
# country in an actor code ('IRNGOVLEG': GOV) when it is one of these.
_ROLES = frozenset('GOV MIL REB OPP PTY COP JUD SPY LEG ELI MED EDU BUS CVL LAB REF HRI AGR REL HLH ENV UAF INS SEP '
                   'CRM MOD RAD'.split())
# CAMEO's codes for actors above or outside states: international organisations, non-governmental
# organisations, international militant groups.
_NON_STATE = frozenset({'IGO', 'NGO', 'IMG'})
# A one-letter name is no name.
_MIN_KEY_CHARS = 2


class ActorCode(NamedTuple):
    """What the dictionary says an actor is at a date: its CAMEO code, country and role."""
    code: str
    country: Optional[str]          # ISO alpha-3, or CAMEO's IGO / NGO / IMG
    role: Optional[str]             # GOV, MIL, REB, ... when the code gives one

    @property
    def sector(self) -> Optional[str]:
        """The role, else IGO / NGO / IMG for an organisation above or outside states ('IGOUNO': IGO)."""
        return self.role or sector_of(None, self.country)


def sector_of(role: Optional[str], country: Optional[str]) -> Optional[str]:
    """A role code, else CAMEO's IGO / NGO / IMG when that is all a dictionary says of an actor."""
    return role or (country if country in _NON_STATE else None)


def dictionary_key(name: str) -> str:
    key = _KEY_SPACE.sub(' ', _KEY_DROP.sub('', name.upper())).strip()
    return _LEADING_ARTICLE.sub('', key)


@functools.lru_cache(maxsize=None)
def _is_country(code: str) -> bool:
    return code in _NON_STATE or pycountry.countries.get(alpha_3=code) is not None


def actor_code(code: str) -> ActorCode:
    """'IRNGOVLEG' -> (IRN, GOV); 'IGOUNO' -> (IGO, None); a bare role 'ELI' -> (None, ELI).

    A CAMEO region ('MEAREB': Middle East) is no country: the actor's own words may say which.
    """
    if code[:3] in _ROLES:
        return ActorCode(code, None, code[:3])
    country, rest = code[:3], code[3:]
    role = next((rest[i:i + 3] for i in range(0, len(rest), 3) if rest[i:i + 3] in _ROLES), None)
    return ActorCode(code, country if _is_country(country) else None, role)


def holds(code: DatedCode, day: str) -> bool:
    """Whether a dated code's range holds the day (ISO); an undated code holds no day."""
    return bool(code.start or code.end) and (code.start or '') <= day[:10] <= (code.end or '9999')


def code_at(codes: Sequence[DatedCode], date: Optional[str]) -> Optional[ActorCode]:
    """An actor's code at ``date`` (ISO): the first dated code whose range holds it, else the last
    undated one.  Failing both, the country all its codes share (an official is still of that
    country before and after the office), with no role.
    """
    if date:
        for dated in codes:
            if holds(dated, date):
                return actor_code(dated.code)
    undated = [actor_code(c.code) for c in codes if not c.start and not c.end]
    if undated and undated[-1].country:
        return undated[-1]
    # A bare role ('Kofi Annan ... [ELI]' after his term) keeps the country all the dated codes share.
    countries = {actor_code(c.code).country for c in codes} - {None}
    if len(countries) == 1:
        country = countries.pop()
        return ActorCode(country, country, undated[-1].role if undated else None)
    return None


class PhoenixDictionary:
    """Phoenix actors by name, and generic agents by their words."""

    def __init__(self, actors: Sequence[PhoenixActor], agents: Dict[str, Tuple[Optional[str], Optional[str]]]):
        self._by_key: Dict[str, List[PhoenixActor]] = collections.defaultdict(list)
        for actor in actors:
            for name in actor.names:
                key = dictionary_key(name)
                if len(key) >= _MIN_KEY_CHARS:
                    self._by_key[key].append(actor)
        self._agents = agents
        self._longest_agent = max((len(a.split()) for a in agents), default=0)

    def actor(self, name: str, date: Optional[str] = None) -> Optional[ActorCode]:
        """The code of the actor a whole name stands for at ``date``; None if unknown or ambiguous.

        A name several actors share ('President Bush') counts when they agree on the country at
        that date (the role is then the first one's).
        """
        found = [code for code in (code_at(a.codes, date) for a in self._by_key.get(dictionary_key(name), ()))
                 if code is not None]
        if not found or len({code.country for code in found}) > 1:
            return None
        return found[0]

    def agent(self, words: Sequence[str]) -> Optional[Tuple[Optional[str], Optional[str]]]:
        """(role, country) of the longest agent among the words ('peacekeeping troops', 'police')."""
        lowered = [w.lower() for w in words]
        for size in range(min(self._longest_agent, len(lowered)), 0, -1):
            for start in range(len(lowered) - size, -1, -1):
                found = self._agents.get(' '.join(lowered[start:start + size]))
                if found:
                    return found
        return None


@functools.lru_cache(maxsize=None)
def default_phoenix() -> PhoenixDictionary:
    return PhoenixDictionary(load_phoenix_actors(), load_phoenix_agents())


class CountryResolver:
    """Countries (ISO alpha-3, or CAMEO's IGO / NGO / IMG) named by an actor's words: aliases,
    demonyms, the Phoenix actor dictionary at the article's date, the gazetteer."""

    def __init__(self, demonyms: Dict[str, str], actor_countries: Dict[str, str],
                 phoenix: Optional[PhoenixDictionary] = None):
        self._demonyms = demonyms
        self._names = actor_countries
        self.phoenix = phoenix
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

    def named_in(self, text: str, start: int = 0, end: Optional[int] = None) -> Iterator[Tuple[int, str]]:
        """(offset, country) of every demonym or country name in ``text[start:end]``, in order."""
        for match in self._in_text.finditer(text, start, len(text) if end is None else end):
            country = self.of_word(match.group(0))
            if country:
                yield match.start(), country

    def code_of(self, names: Iterable[str], date: Optional[str]) -> Optional[ActorCode]:
        """The Phoenix code of the first of ``names`` the dictionary knows, at ``date``."""
        if self.phoenix is None:
            return None
        for name in names:
            found = self.phoenix.actor(name, date)
            if found is not None and found.country:
                return found
        return None

    def of_mention(self, mention: EntityMention, persons: Dict[str, str], date: Optional[str] = None,
                   body: Optional[str] = None) -> Optional[str]:
        """Country of an entity mention: what the article says of a person, else its own name:
        a country word, the Phoenix dictionary's code at ``date``, a place, a country inside it.

        With the article's ``body``, a name the text calls a province or state ('Borno state')
        is looked up as one before any town of that name."""
        if mention.label in PLACE_LABELS:
            found = designated_division_country(mention, body)
            if found:
                return found
        if mention.label == PERSON:
            # A country mistaken for a person by the model ('Benin opened its borders') still names it.
            return (persons.get(mention.canonical) or self._phoenix_country(mention, date)
                    or self.of_word(mention.text) or _country_only(mention.text))
        found = self.of_word(mention.text) or self.of_word(mention.canonical)
        if found:
            return found
        if mention.label in PLACE_LABELS:
            # Today's country of a place, not the state the dictionary coded it under then (Serbia, 2000).
            place = locate_place(mention.text)
            if place and place.country:
                return place.country
            # 'the government of Sindh province': a province or state is no city, but its country
            # is known when only one country has a division of that name.
            found = division_country(mention.text)
            if found:
                return found
        found = self._phoenix_country(mention, date)
        if found:
            return found
        if mention.label in ('ORG', 'NORP', 'GPE'):
            return self.in_text(mention.text) or country_name_in(mention.text)
        return None


    def _phoenix_country(self, mention: EntityMention, date: Optional[str]) -> Optional[str]:
        found = self.code_of((mention.text, mention.canonical), date)
        return found.country if found else None


def country_name_in(text: str) -> Optional[str]:
    # 'Islamic Republic of Iran Broadcasting': a country's own name among the words.
    words = text.split()
    index = gazetteer()
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            place = index.region_as_place(' '.join(words[start:start + size]))
            if place and place.country and words[start][:1].isupper():
                return place.country
    return None


# The words that call a name a first-level division: 'Borno state', 'Kandahar province'.
_DIVISION_WORD = re.compile(r'\s+(?:province|state|region|governorate|prefecture|oblast)\b', re.IGNORECASE)


_GENERIC_PLACE_WORDS = frozenset('''
north south east west northern southern eastern western central centre center middle far upper lower
northeast northwest southeast southwest north-east north-west south-east south-west inner outer
coast coastal littoral capital island islands lake lakes mountain mountains highlands lowlands plateau
river rivers valley border frontier interior city district region province state
'''.split())


def designated_division_country(mention: EntityMention, body: Optional[str] = None) -> Optional[str]:
    """The country of a name printed as a division, 'Kandahar province' or 'Borno' + ' state':
    the division, not a town of the same name elsewhere (a German Borno)."""
    text = mention.text
    words = _DIVISION_WORD.search(text)
    if words and words.end() == len(text):
        return division_country(text[:words.start()])
    if body is not None and _DIVISION_WORD.match(body, mention.end_char):
        return division_country(text)
    return None


def division_country(name: str) -> Optional[str]:
    """The country of a first-level division ('Sindh', 'Bavaria'), when a single country has one of
    that name; a name several countries share ('Punjab') or that is also a US state stays open."""
    name = re.sub(r'^the\s+', '', name.strip(), flags=re.IGNORECASE)
    words = name.lower().replace('-', ' ').split()
    # A division called by a compass point or a common word ('West', 'Coast', 'west coast') is
    # no name in running text: 'the West', 'Yemen's west coast'.
    if not name[:1].isupper() or all(word in _GENERIC_PLACE_WORDS for word in words):
        return None
    index = gazetteer()
    scopes = index.region_scopes(name)
    if len(scopes) != 1 or scopes[0][1] is not None:
        return None
    return index.alpha3(scopes[0])


def _country_only(name: str) -> Optional[str]:
    place = gazetteer().region_as_place(name)
    return place.country if place else None


@functools.lru_cache(maxsize=None)
def default_resolver() -> CountryResolver:
    return CountryResolver(load_demonyms(), load_actor_countries(), default_phoenix())


def title_window(body: str, mention: EntityMention) -> Tuple[int, str]:
    """(start, text) of what may be the person's title: up to _TITLE_WINDOW_CHARS before the
    name, from the last _TITLE_STOP on."""
    window_start = max(0, mention.start_char - _TITLE_WINDOW_CHARS)
    before = body[window_start:mention.start_char]
    stops = list(_TITLE_STOP.finditer(before))
    if stops:
        window_start += stops[-1].end()
        before = body[window_start:mention.start_char]
    return window_start, before


def person_countries(body: str, entities: Sequence[EntityMention], resolver: CountryResolver,
                     date: Optional[str] = None) -> Dict[str, str]:
    """Each person's country as the article states it, by canonical name.

    Two places say it: the title before a name ('Iranian Armed Forces Chief of Staff
    Major General Mohammad Hossein Baqeri') and an appositive after it ('Li
    Zuocheng, the chief of China's Joint Staff'); the first statement in the
    article wins.  A GPE mention or a demonym or institution name counts, and so
    does an organisation's Phoenix code at ``date`` ('U.N. Secretary-General').
    """
    found: Dict[str, str] = {}
    mentions = sorted(entities, key=lambda m: m.start_char)
    for position, mention in enumerate(mentions):
        if mention.label != PERSON or mention.canonical in found:
            continue
        window_start, before = title_window(body, mention)
        # Nearest to the name first: 'Iran's envoy met Chinese minister Wang' -> CHN.
        country = _nearest_country(before, window_start, mentions[:position], resolver, found, date)
        if country is None:
            appositive = _APPOSITIVE.match(body, mention.end_char)
            if appositive:
                later = [m for m in mentions[position + 1:]
                         if appositive.start(1) <= m.start_char < appositive.end(1)]
                country = (_first_place_country(later, resolver, date)
                           or resolver.in_text(appositive.group(1)))
        if country is None:
            # 'President Bush', 'U.N. Secretary-General Kofi Annan': the dictionary knows the person,
            # often under a title; its code at the article's date says the country.
            title = before.split()[-3:]
            names = [' '.join(title[k:] + [mention.text]) for k in range(len(title))]
            code = resolver.code_of(names + [mention.canonical, mention.text], date)
            country = code.country if code else None
        if country:
            found[mention.canonical] = country
    return found


def _nearest_country(text: str, offset: int, earlier: Sequence[EntityMention], resolver: CountryResolver,
                     persons: Dict[str, str], date: Optional[str]) -> Optional[str]:
    candidates = [(start + offset, country) for start, country in resolver.named_in(text)]
    for mention in earlier:
        if mention.start_char >= offset and mention.label in ('GPE', 'NORP', 'ORG'):
            candidates.append((mention.start_char, resolver.of_mention(mention, persons, date)))
    candidates = [(start, country) for start, country in candidates if country]
    return max(candidates)[1] if candidates else None


def _first_place_country(mentions: Iterable[EntityMention], resolver: CountryResolver,
                         date: Optional[str]) -> Optional[str]:
    for mention in mentions:
        if mention.label in ('GPE', 'NORP', 'ORG'):
            country = resolver.of_mention(mention, {}, date)
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
