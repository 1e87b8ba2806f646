"""TIMEX3 values as dates: the first day of the period a value names, for a DATE column."""
import datetime
import re
from typing import Optional

# Meteorological seasons, as TIMEX3 writes them: spring, summer, fall, winter (the winter of 2006 starts
# in December 2006).
_SEASON_MONTHS = {'SP': 3, 'SU': 6, 'FA': 9, 'WI': 12}
_DAY = re.compile(r'(\d{4})-(\d{2})-(\d{2})(?:T.*)?')
_MONTH = re.compile(r'(\d{4})-(\d{2})')
_WEEK = re.compile(r'(\d{4})-W(\d{2})')
_QUARTER = re.compile(r'(\d{4})-Q([1-4])')
_SEASON = re.compile(r'(\d{4})-(SP|SU|FA|WI)')
_YEAR = re.compile(r'\d{4}')
_DECADE = re.compile(r'\d{3}')
_CENTURY = re.compile(r'\d{2}')


def start_date(value: Optional[str]) -> Optional[datetime.date]:
    """The first day of the period a TIMEX3 date value names, or None for what is not a date.

    '2019-09-11' and '2005-10-28TMO' -> that day; '2019-09' -> 2019-09-01; '2019-W37' -> that ISO week's
    Monday; '2019-Q3' -> 2019-07-01; '2023-SU' -> 2023-06-01; '2019' -> 2019-01-01; '199' (the 1990s) ->
    1990-01-01; '19' (the 1900s) -> 1900-01-01.  Durations ('P3Y'), PRESENT_REF, PAST_REF and FUTURE_REF
    name no date.
    """
    if not value:
        return None
    try:
        if match := _DAY.fullmatch(value):
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        if match := _MONTH.fullmatch(value):
            return datetime.date(int(match[1]), int(match[2]), 1)
        if match := _WEEK.fullmatch(value):
            return datetime.date.fromisocalendar(int(match[1]), int(match[2]), 1)
        if match := _QUARTER.fullmatch(value):
            return datetime.date(int(match[1]), 3 * int(match[2]) - 2, 1)
        if match := _SEASON.fullmatch(value):
            return datetime.date(int(match[1]), _SEASON_MONTHS[match[2]], 1)
        if _YEAR.fullmatch(value):
            return datetime.date(int(value), 1, 1)
        if _DECADE.fullmatch(value):
            return datetime.date(int(value) * 10, 1, 1)
        if _CENTURY.fullmatch(value):
            return datetime.date(int(value) * 100, 1, 1)
    except ValueError:
        return None   # a day or week the calendar does not have
    return None
