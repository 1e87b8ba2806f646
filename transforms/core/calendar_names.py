"""Month and weekday names as English news copy prints them, for every stage that reads dates.  No Beam.

Datelines, time expressions and quotes all recognise these names; they take them from here so
that a name added or a spelling accepted is accepted everywhere.  The names are written out
rather than taken from the ``calendar`` module, whose names follow the process's locale.
"""
from typing import Iterable, Optional

MONTHS = ('January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
          'October', 'November', 'December')
# The abbreviations wires print ('Sept.' as well as 'Sep.'); May has none.
MONTH_ABBREVIATIONS = ('Jan', 'Feb', 'Mar', 'Apr', 'Jun', 'Jul', 'Aug', 'Sept', 'Sep', 'Oct', 'Nov', 'Dec')
# In the order of ``datetime.date.weekday()``: Monday is 0.
WEEKDAYS = ('Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday')

_FOLDED_MONTHS = tuple(name.casefold() for name in MONTHS)
_FOLDED_WEEKDAYS = tuple(name.casefold() for name in WEEKDAYS)


def alternation(names: Iterable[str]) -> str:
    """A regex group matching any of ``names`` as printed: ``(?:Monday|Tuesday|...)``."""
    return '(?:' + '|'.join(names) + ')'


def month_number(word: str) -> Optional[int]:
    """1-12 for a month's name or the start of it, in any case ('Sept.', 'dec', 'Marc'); else None.

    The caller decides how short a start it accepts: 'Ma' is March here.
    """
    folded = word.rstrip('.').casefold()
    if not folded:
        return None
    return next((number for number, name in enumerate(_FOLDED_MONTHS, start=1) if name.startswith(folded)), None)


def weekday_number(word: str) -> int:
    """0 (Monday) to 6 (Sunday) for a weekday's full name in any case; raises ValueError otherwise."""
    return _FOLDED_WEEKDAYS.index(word.casefold())
