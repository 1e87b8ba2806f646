"""Who an actor is and which country it belongs to, from its own words and the article's.  No Beam.

* ``CountryResolver``: the country (ISO alpha-3) a name or word stands for: a country alias
  or institution, a demonym, the gazetteer.
* ``person_countries``: a person's country as the article introduces them: the title before
  the name ('Iranian ... General Mohammad Hossein Baqeri'), else an appositive after it.
* ``previous_person``: what 'he' / 'she' stands for (shared with quotes).
"""
import functools
import re
from typing import Dict, Iterable, Iterator, Optional, Sequence, Tuple

from schemas.records import EntityMention
from transforms.nlp.event_rules import load_actor_countries, load_demonyms
from transforms.nlp.gazetteer import gazetteer, locate_place

PERSON = 'PERSON'
PLACE_LABELS = frozenset({'GPE', 'LOC', 'FAC'})
# An appositive that says who a person is: ', the chief of China's Joint Staff,'.
_APPOSITIVE = re.compile(r'\s*,\s*((?:the|a|an)\s[^,;.]{3,120}?)(?=[,;.]|$)')
# How far before a name its title may start: 'Iranian Armed Forces Chief of Staff Major General'.
_TITLE_WINDOW_CHARS = 80
_TITLE_STOP = re.compile(r'[,;:()“”"]|\b(?:said|says|told|and|met|with|by|to)\b')


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

    def named_in(self, text: str, start: int = 0, end: Optional[int] = None) -> Iterator[Tuple[int, str]]:
        """(offset, country) of every demonym or country name in ``text[start:end]``, in order."""
        for match in self._in_text.finditer(text, start, len(text) if end is None else end):
            country = self.of_word(match.group(0))
            if country:
                yield match.start(), country

    def of_mention(self, mention: EntityMention, persons: Dict[str, str]) -> Optional[str]:
        """Country of an entity mention: its own name, else (persons) what the article says of them."""
        if mention.label == PERSON:
            # A country mistaken for a person by the model ('Benin opened its borders') still names it.
            return persons.get(mention.canonical) or self.of_word(mention.text) or _country_only(mention.text)
        found = self.of_word(mention.text) or self.of_word(mention.canonical)
        if found:
            return found
        if mention.label in PLACE_LABELS:
            place = locate_place(mention.text)
            if place and place.country:
                return place.country
        if mention.label in ('ORG', 'NORP', 'GPE'):
            return self.in_text(mention.text) or country_name_in(mention.text)
        return None


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


def _country_only(name: str) -> Optional[str]:
    place = gazetteer().region_as_place(name)
    return place.country if place else None


@functools.lru_cache(maxsize=None)
def default_resolver() -> CountryResolver:
    return CountryResolver(load_demonyms(), load_actor_countries())


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
        window_start, before = title_window(body, mention)
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
    candidates = [(start + offset, country) for start, country in resolver.named_in(text)]
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
