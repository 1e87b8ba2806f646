"""Time expressions: find the dates and durations in an article body and resolve them to ISO 8601.

``find_time_expressions(body, anchor, ...)`` (plain Python, no Beam, no spaCy) scans a
body once with one combined regular expression and returns a ``TimeExpression`` per DATE
expression, and per DURATION, its value in TIMEX3 form:

    'September 11, 2001' -> '2001-09-11' (day)     'the 1990s'    -> '199' (decade)
    'July 1981'          -> '1981-07' (month)      'last week'    -> '2006-W49' (week)
    'the third quarter'  -> '2006-Q3' (quarter)    'the summer'   -> '2006-SU' (season)
    'now'                -> 'PRESENT_REF'          'recently'     -> 'PAST_REF'
    'Friday morning'     -> '2006-12-08TMO' (part_of_day)
    'three years'        -> 'P3Y' (duration)       'for decades'  -> 'PXDE' (duration)

``transforms/time_expressions.py`` maps it over articles, filling ``time_expressions``.

Relative expressions resolve against the anchor, the article's dateline date (else its
publication date): 'yesterday', 'last month', 'two years ago', 'earlier this week',
'November this year', 'Dec 12'.  Without an anchor they are skipped, because the schema
wants a value and a guess from today's date would be wrong for every archived article;
absolute ones ('July 1981') still resolve.

The tense rule.  A bare weekday, month or month-day in news copy usually reports the
past, so it resolves to the most recent such date on or before the anchor ('said
Tuesday').  When a few words around it speak of the future ('will', "'ll", 'to be',
'scheduled', 'plans', 'expected', 'due', 'next' ...) it resolves to the first such date
after the anchor instead ('will meet on Wednesday', 'is scheduled for Tuesday').  So does
a present-tense verb of a fixture or timetable ('Liverpool host Watford on Saturday',
'Mugabe opens the conference on Friday', 'the pilgrimage, which ends on Monday'), as news
reports what is over in the past tense.  The nearest cue before the expression decides,
so 'said Tuesday it will ...' stays in the past; a past participle after 'be' gives way
to what is before it ('will be turned off on Monday'); past tenses include the irregular
ones ('drew at home on Saturday').  After it only the next two words count ('Tuesday
will see').  Where no word tells either way, a month-day in the coming 31 days is the
coming one ('the final match is at Auckland on December 26' filed on December 22; 'takes
over the presidency on January 1' filed in December), and a bare month naming the
anchor's own month is that month ('In December alone, 61 soldiers have died').  In the
past tense it is last year's and in the future next year's: data 'for December' is not
out before December ends ('Inflation rose in December' filed on December 14, 2006 is
December 2005).  'Earlier in the day' and 'later that day' are the
anchor's day: a story reports the day it is filed.

What the text covers follows TimeML as TempEval-3 annotates it: a preposition is left
out ('on Wednesday' -> 'Wednesday'), while modifiers that stay inside the expression are
kept ('late Saturday', 'early next year', 'nearly four years ago', 'the end of 2005'),
and the value is that of the date they modify.  A part of the day is kept with its day,
in TIMEX3's codes MO, AF, EV and NI: 'Friday morning' -> '2006-12-08TMO', 'Tuesday night',
'yesterday afternoon', 'this morning', 'tonight' ('2006-12-14TNI'), 'last night' (the
night before the anchor), granularity 'part_of_day'; 'late Saturday' names no part and
stays a day.  Clock times are not dates: '0900 GMT' is not a year.

Durations.  A count of days, weeks, fortnights, months, quarters, years, decades or
centuries is a TIMEX3 DURATION, granularity 'duration', with no anchor needed: 'three
years' -> 'P3Y', '10 days' -> 'P10D', 'two quarters' -> 'P2Q', 'a fortnight' -> 'P2W',
'a decade' -> 'P1DE', 'two centuries' -> 'P2CE' (TIMEX3 writes decades and centuries
DE and CE).  A vague count is X: 'several years', 'the next few months' -> 'PXY', 'PXM',
and so is a bare plural after 'for' ('for years' -> 'years', 'PXY').  The text keeps 'the
past', 'the next' ... and 'nearly', 'more than' ... ('the past four decades' -> 'P4DE')
and leaves out 'for'; as an adjective it is the hyphenated word ('a six-month study' ->
'six-month', 'P6M').  Not durations: dates ('two years ago', 'a year earlier', 'three
years later'), ages ('45 years old', 'the 22-year-old', 'three months pregnant'), rates
('$5 a year', 'twice a month'), fractions ('a quarter of the seats') and compounds
('quarter-final', 'year-long').
"""
import datetime
import re
from bisect import bisect_right
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from schemas.records import Article, TimeExpression
from transforms.core.calendar_names import (MONTH_ABBREVIATIONS, MONTHS, WEEKDAYS, alternation, month_number,
                                            weekday_number)

_NUMBER_WORDS = {
    'a': 1, 'an': 1, 'one': 1, 'two': 2, 'three': 3, 'four': 4, 'five': 5, 'six': 6,
    'seven': 7, 'eight': 8, 'nine': 9, 'ten': 10, 'eleven': 11, 'twelve': 12, 'fifteen': 15,
    'twenty': 20, 'thirty': 30, 'forty': 40, 'fifty': 50, 'hundred': 100}
_ORDINALS = {'first': 1, 'second': 2, 'third': 3, 'fourth': 4, 'final': 4, 'fifth': 5,
             'sixth': 6, 'seventh': 7, 'eighth': 8, 'ninth': 9, 'tenth': 10, 'eleventh': 11,
             'twelfth': 12, 'thirteenth': 13, 'fourteenth': 14, 'fifteenth': 15,
             'sixteenth': 16, 'seventeenth': 17, 'eighteenth': 18, 'nineteenth': 19,
             'twentieth': 20, 'twenty-first': 21}
# Season codes of TIMEX3 and the month each starts in (northern hemisphere, by month).
_SEASONS = {'spring': ('SP', 3), 'summer': ('SU', 6), 'autumn': ('FA', 9), 'fall': ('FA', 9),
            'winter': ('WI', 12)}

# Building blocks (plain strings; everything is compiled once, into _EXPRESSION).
# Month and weekday names must be capitalised: 'may', 'march' and 'sat' are other words.
_MONTH_FULL = alternation(MONTHS)
_MONTH_ABBR = alternation(MONTH_ABBREVIATIONS) + r'\.?'
_MONTH = rf'(?:{_MONTH_FULL}|{_MONTH_ABBR})(?![\w-])'
_WEEKDAY = alternation(WEEKDAYS) + r'(?![\w-])'
_DAY = r'(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?![\d:.,]\d)(?!\w)'
_YEAR = r'(?:1[5-9]\d\d|20\d\d)(?![\w%])(?![.,:]\d)'
_REL = r'(?i:this|last|next)'
_NUMBER = r'(?i:\d{1,3}(?:,\d{3})*|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|a\s+few|several|many)'
_ORDINAL = r'(?i:first|second|third|fourth|final|1st|2nd|3rd|4th)'
# Parts of the day, TIMEX3's TMO, TAF, TEV and TNI.
_PART_OF_DAY = r'(?i: morning | afternoon | evening | night ) \b'

# Every expression starts with one of these words, a digit or "'9" ("the '90s" starts with
# 'the').  Checking that once per word, grouped by first letter, spares the engine from
# trying each alternative at every word of the body, most of which start no expression.
_FIRST_WORDS = (
    'early', 'late', 'earlier', 'later', 'mid', 'the', 'this', 'last', 'next', 'coming', 'past',
    'today', 'tonight', 'yesterday', 'tomorrow', 'first', 'second', 'third', 'fourth', 'final',
    'latter', 'fiscal', 'fy', 'q', 'nearly', 'almost', 'about', 'some', 'around', 'just', 'only',
    'more', 'over', 'less', 'several', 'many', *_NUMBER_WORDS, 'spring', 'summer', 'autumn',
    'winter', 'fall', 'now', 'currently', 'presently', 'nowadays', 'recently', 'lately', 'recent',
    'future', 'christmas', 'new', *(name.casefold() for name in MONTHS + MONTH_ABBREVIATIONS + WEEKDAYS),
    'few', 'days', 'weeks', 'months', 'years', 'decades',
    'centuries')


def _first_word_lookahead(words: Iterable[str]) -> str:
    by_letter: Dict[str, List[str]] = {}
    for word in sorted(set(words), key=len, reverse=True):
        by_letter.setdefault(word[0], []).append(re.escape(word[1:]))
    letters = '|'.join(f'[{first}{first.upper()}](?i:{"|".join(rests)})'
                       for first, rests in by_letter.items())
    return rf"(?= (?:{letters}) (?![^\W\d_]) | \d | ['’]\d )"

# One combined scan.  Each alternative is a named group (the kind, dispatched to a
# resolver below); its inner groups are prefixed with the kind, as group names must be
# unique.  Where two alternatives can start at the same place the longer comes first.
_EXPRESSION = re.compile(rf'''
    (?<![\w$£€¥#/-]) (?<!\d[,.]) {_first_word_lookahead(_FIRST_WORDS)}
    (?P<mod>                                         # kept in the text, not in the value
        (?i: (?:early|late|earlier|later|mid) (?:\s+|-)
           | the \s+ (?:beginning|start|end|middle|turn) \s+ of \s+ (?:the \s+)?
           | (?:the \s+)? (?:first|second|latter) \s+ half \s+ of \s+
           | the \s+ early \s+ months \s+ of \s+ ) )?
    (?:
      (?P<month_day>                                 # 'Friday, January 5'  'Dec. 15'  'December 18-19, 2006'
        (?: {_WEEKDAY} ,? \s+ )?
        (?P<month_day_month> {_MONTH} ) \s* (?P<month_day_day> {_DAY} ) (?: \s* [-–] \s* {_DAY} )?
        (?: \s* ,? \s* (?P<month_day_year> {_YEAR} )
          | \s+ (?P<month_day_rel> {_REL} ) \s+ (?i:year) \b )? )
    | (?P<day_month>                                 # '12 December 2006'  'the 12th of December'
        (?: {_WEEKDAY} ,? \s+ )? (?i:the \s+)?
        (?P<day_month_day> {_DAY} ) \s+ (?i:of \s+)? (?P<day_month_month> {_MONTH} )
        (?: ,? \s* (?P<day_month_year> {_YEAR} ) )? )
    | (?P<rel_month>                                 # 'last December'  'next March 31'
        (?P<rel_month_rel> {_REL} ) \s+ (?P<rel_month_month> {_MONTH_FULL} (?!\w) )
        (?: \s+ (?P<rel_month_day> {_DAY} ) )? )
    | (?P<month_year>                                # 'July 1981'  'December, 1994'  'November this year'
        (?P<month_year_month> {_MONTH} ) \s* (?: ,? \s* (?P<month_year_year> {_YEAR} )
        | \s+ (?i:of \s+)? (?P<month_year_rel> {_REL} ) \s+ (?i:year) \b ) )
    | (?P<month> {_MONTH_FULL} (?![\w-]) | Sept\. )  # 'October'
    | (?P<iso> (?P<iso_date> \d{{4}}-\d\d-\d\d ) (?![\w:-]) )
    | (?P<weekday>                                   # 'Wednesday'  'last Wednesday'  'next Tuesday'
        (?: (?P<weekday_rel> (?i:this|last|next|coming|past) ) \s+ )? (?P<weekday_name> {_WEEKDAY} )
        (?: \s+ (?P<weekday_part> {_PART_OF_DAY} ) )? )
    | (?P<deictic>                                   # 'yesterday'  'tomorrow night'  'this morning'  'last night'
        (?P<deictic_word> (?i: today|tonight|yesterday|tomorrow ) ) \b (?: \s+ (?P<deictic_part> {_PART_OF_DAY} ) )?
      | (?i: this ) \s+ (?P<deictic_this_part> {_PART_OF_DAY} )
      | (?i: last ) \s+ (?P<deictic_last_part> (?i: evening | night ) \b ) )
    | (?P<quarter>                                   # 'the third quarter (of 2007)'  'third-quarter'  'Q3 2006'
        (?: (?: (?i: the \s+ )? (?P<quarter_ord> {_ORDINAL} ) \s+ | (?P<quarter_adj> {_ORDINAL} ) - ) (?i: quarter ) \b
            (?: \s+ (?i:of) \s+ (?: (?P<quarter_year> {_YEAR} )
                                  | (?P<quarter_rel> {_REL} ) \s+ (?i:year) \b )
              | ,? \s+ (?P<quarter_year2> {_YEAR} ) )?
          | Q (?P<quarter_q> [1-4] ) (?: \s* (?P<quarter_qyear> {_YEAR} ) )? \b ) )
    | (?P<unit>                                      # 'last week'  'this year'  'the past month'
        (?P<unit_rel> (?i: this | last | next | the \s+ (?:past|previous|coming|current|next) ) )
        \s+ (?: (?i:fiscal) \s+ )? (?P<unit_name> (?i: week(?:end)? | month | year | quarter ) ) \b
      | (?P<unit_weekend> (?i: the \s+ weekend ) \b ) )
    | (?P<ago>                                       # 'two years ago'  'nearly four years ago'  'a year earlier'
        (?: (?i: nearly | almost | about | some | around | just | only | more \s+ than | over | less \s+ than ) \s+ )?
        (?P<ago_count> {_NUMBER} ) [\s-]+ (?P<ago_unit> (?i: day | week | fortnight | month | year | decade ) ) s? \s+
        (?P<ago_dir> (?i: ago | earlier ) ) \b )
    | (?P<season>                                    # 'the summer'  'last winter'  'spring 2005'
        (?: (?P<season_rel> (?i: the | this | last | next ) ) \s+ )?
        (?P<season_name> (?i: spring | summer | autumn | winter | fall ) ) \b
        (?: \s+ (?i:of \s+)? (?P<season_year> {_YEAR} ) )? )
    | (?P<decade>                                    # 'the 1990s'  "the '90s"  '1980s'
        (?i: the \s+ )? (?: (?P<decade_full> 1[5-9]\d0 | 20\d0 ) | ['’] (?P<decade_short> \d0 ) ) ['’]?s \b )
    | (?P<century>                                   # 'the 19th century'  'the twenty-first century'
        (?i: the \s+ ) (?P<century_ord> \d{{1,2}} (?:st|nd|rd|th) | (?i: [a-z]+(?:-[a-z]+)? ) ) \s+ (?i: century ) \b )
    | (?P<year>                                      # '2006'  'the year 2006'  'fiscal 2007'
        (?P<year_lead> (?i: the \s+ year \s+ | fiscal \s+ (?:year \s+)? | FY \s? ) )? (?P<year_year> {_YEAR} ) )
    | (?P<present> (?i: now | currently | presently | nowadays ) \b (?! -) )
    | (?P<past>
        (?i: recently | lately | recent \s+ (?:days|weeks|months|years)
           | the \s+ (?:past|last) \s+ (?:few|several) \s+ (?:days|weeks|months|years) ) \b )
    | (?P<future>
        (?i: the \s+ (?:near \s+ | foreseeable \s+ | distant \s+)? future
           | (?<= \bin \s ) future
           | coming \s+ (?:days|weeks|months|years) ) \b )   # TE3 leaves out the article
    | (?P<same_day>                                  # 'earlier in the day', 'later that day': the reported day
        (?i: (?: earlier | later ) \s+ that \s+ day | (?<= \b(?:in|of) \s ) the \s+ day ) \b
        (?! \s+ (?i: before | after | of | when | that ) \b ) )
    | (?P<holiday> (?P<holiday_name> Christmas \s+ (?:Day|Eve) | New \s+ Year['’]s \s+ (?:Day|Eve) ) \b )
    | (?P<duration>                                  # 'three years'  'the past four decades'  'six-month'  'for years'
        (?: (?i: the \s+ (?: past | last | next | coming | previous | first | final | following ) ) \s+ )?
        (?: (?i: nearly | almost | about | some | around | just | only | more \s+ than | over | less \s+ than ) \s+ )?
        (?P<duration_count> {_NUMBER} | (?i: few | some ) ) (?: \s+ | - \s? )
        (?P<duration_unit> (?i: (?: day | week | fortnight | month | quarter | year | decade ) s? | centur(?:y|ies) ) ) \b (?! - )
        (?! [\s-]+ (?i: old | pregnant | ago | earlier | later | before | after | on | hence | from \s+ now ) \b )
        (?<! (?i:quarter) (?= \s+ of \b ) )               # 'a quarter of the chapters' is a fraction
      | (?<= \b[Ff]or \s ) (?P<duration_vague> (?i: days | weeks | months | years | decades | centuries ) ) \b )
    )
''', re.VERBOSE)

_KINDS = ('month_day', 'day_month', 'rel_month', 'month_year', 'month', 'iso', 'weekday',
          'deictic', 'quarter', 'unit', 'ago', 'season', 'decade', 'century', 'year', 'present',
          'past', 'future', 'same_day', 'holiday', 'duration')

# Tense cues, looked up word by word outwards from the expression.
_FUTURE_WORDS = frozenset({
    'will', "'ll", '’ll', 'shall', 'would', 'scheduled', 'schedule', 'plans', 'plan', 'planned', 'planning',
    'expected', 'expects', 'expect', 'due', 'next', 'upcoming', 'coming', 'intends', 'intend',
    'until', 'till', 'going', 'slated', 'hopes', 'hope', 'aims', 'wants', 'ahead'})
# Present-tense verbs of a fixture or a timetable: 'Liverpool host Watford on Saturday',
# 'Mugabe opens the conference on Friday'.  News reports the past in the past tense, so a
# present-tense one of these speaks of what is to come.
_SCHEDULE_VERBS = frozenset({
    'opens', 'host', 'hosts', 'plays', 'meets', 'faces', 'visits', 'travels', 'starts', 'begins',
    'ends', 'resumes', 'await', 'awaits', 'welcome', 'welcomes', 'kicks', 'closes', 'arrives',
    'heads', 'competes', 'expires'})
# Past tenses that do not end in -ed.
_IRREGULAR_PAST = frozenset({
    'began', 'came', 'went', 'took', 'gave', 'made', 'held', 'met', 'won', 'lost', 'drew', 'fell',
    'rose', 'left', 'sent', 'struck', 'shot', 'ran', 'saw', 'got', 'broke', 'brought', 'thought',
    'fought', 'caught', 'spoke', 'wrote', 'chose', 'kept', 'led', 'fled', 'paid', 'sold', 'swept',
    'stood', 'became', 'found', 'threw', 'flew', 'drove', 'rode', 'woke', 'hung', 'knew', 'grew'})
_PAST_WORDS = frozenset({
    'said', 'says', 'was', 'were', 'had', 'did', 'told', 'ago', 'since', 'earlier',
    'previous', 'previously', 'been', 'reported', 'announced', 'died', 'killed'}) | _IRREGULAR_PAST
_FUTURE_AUXILIARIES = frozenset({'will', "'ll", '’ll', 'shall'})
# 'is to', 'are to be': the copula plus 'to' speaks of a plan.
_TO_AFTER_BE = frozenset({'is', 'are', 'am', 'be'})
# A number with its decimals or a clock time is one word ('5,660.5', '10:00'), not a clause end.
_WORD = re.compile(r"[\w'’]+(?:[.,:]\d+)*|[.!?;:\n]")
_CLAUSE_END = frozenset('.!?;:\n')
_CUE_WINDOW_BEFORE = 12
_CUE_WINDOW_AFTER = 2

# Four-digit numbers that are counts or clock times, not years: '1990 votes', '1900 GMT'.
# A plural noun after a year is fine behind a determiner or preposition: 'the 2005 elections'.
_AFTER_YEAR = re.compile(r'''
    \s* (?: (?P<clock> (?i: gmt | utc | hrs | hours | local \s+ time | h\b | am\b | pm\b | a\.m\. | p\.m\. ) )
          | (?P<plural> [a-z]+s\b (?<! \bits) (?<! \bthis) (?<! \bwas) (?<! \bhis) (?<! \bas) (?<! \bis) ) )
''', re.VERBOSE)
_YEAR_BEFORE_NOUN = re.compile(r'(?i:\b(?:the|in|of|its|their|his|her|our|this|since|by|from|for|a)\s+)$')
_NOT_A_YEAR_BEFORE = re.compile(
    r'(?i:\b(?:no|number|page|flight|route|room|resolution|rule|article|section|model|code)\.?\s+)$')
# Words in front of a weekday that make it a name or another day: 'Good Friday', 'Super Tuesday'.
_WEEKDAY_NAME_BEFORE = re.compile(r'(?:Good|Black|Bloody|Super|Ash|Holy|Easter|Palm|Cyber|Maundy)\s+$')
_WEEKDAY_NAME_AFTER = re.compile(
    r'\s+(?:Times|Telegraph|Mirror|Express|Herald|Post|Tribune|Independent|Observer|Star|Mail'
    r'|Business|People|Sport|Age|Night\s+Live)\b')
# A bare 'May' is a month only where a month is expected: 'in May', not 'May said'.
_MAY_BEFORE = re.compile(
    r'(?i:\b(?:in|since|until|till|by|from|of|through|to|before|after|during|last|next|this|early|late|mid|and|or|between)[\s-]+)$')
_CAPITALISED_WORD_BEFORE = re.compile(r'\b[A-Z][A-Za-z]*\s+$')
_LOOK_BEHIND_CHARS = 24
# How far ahead a month-day without a year or a tense still reads as the coming one.
_UPCOMING_WITHOUT_TENSE = datetime.timedelta(days=31)


class _Resolved:
    """A value and its granularity, as a resolver returns them."""
    __slots__ = ('value', 'granularity')

    def __init__(self, value: str, granularity: str):
        self.value = value
        self.granularity = granularity


def _day_number(word: str) -> int:
    return int(re.match(r'\d+', word).group())


def _count(word: str) -> int:
    """'1,400' -> 1400, 'three' -> 3."""
    digits = word.replace(',', '')
    return int(digits) if digits.isdigit() else _NUMBER_WORDS[word]


def _safe_date(year: int, month: int, day: int) -> Optional[datetime.date]:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _shift_month(year: int, month: int, months: int) -> Tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def _iso_week(day: datetime.date) -> str:
    year, week, _ = day.isocalendar()
    return f'{year}-W{week:02d}'


def _words_before(body: str, start: int) -> List[str]:
    """Lower-cased words before ``start``, nearest first, up to the clause's start."""
    words = []
    for token in reversed(_WORD.findall(body[max(0, start - 80):start])):
        if token in _CLAUSE_END or len(words) == _CUE_WINDOW_BEFORE:
            break
        words.append(token.casefold())
    return words


def _words_after(body: str, end: int) -> List[str]:
    words = []
    for token in _WORD.findall(body[end:end + 40]):
        if token in _CLAUSE_END or len(words) == _CUE_WINDOW_AFTER:
            break
        words.append(token.casefold())
    return words


def _tense(body: str, start: int, end: int) -> Optional[str]:
    """'future' or 'past' when the words around [start, end) say so, else None (see the module docstring)."""
    after = _words_after(body, end)
    # The expression as subject of a future verb: 'the rise on January 1 will have ...'.
    if after[:1] and after[0] in _FUTURE_AUXILIARIES:
        return 'future'
    before = _words_before(body, start)
    for index, word in enumerate(before):
        if word in _FUTURE_WORDS or word in _SCHEDULE_VERBS:
            return 'future'
        if word == 'to' and index + 1 < len(before) and before[index + 1] in _TO_AFTER_BE:
            return 'future'
        # 'set to', 'set for': a plan; 'set off', 'was set in motion': done.
        if word == 'set' and index and before[index - 1] in ('to', 'for'):
            return 'future'
        if word in _PAST_WORDS or (word.endswith('ed') and len(word) > 4):
            # 'will be turned off on Monday': a participle after 'be' takes its tense from before.
            if index + 1 < len(before) and before[index + 1] == 'be':
                continue
            return 'past'
    for word in after:
        if word in _FUTURE_AUXILIARIES:
            return 'future'
        if word in _PAST_WORDS:
            return 'past'
    return None


class _Context:
    """What a resolver may look at: the match, the anchor and the body around it."""
    __slots__ = ('match', 'anchor', 'body', '_tense')

    def __init__(self, match: re.Match, anchor: Optional[datetime.date], body: str):
        self.match = match
        self.anchor = anchor
        self.body = body
        self._tense = ''

    def group(self, name: str) -> Optional[str]:
        return self.match.group(name)

    @property
    def tense(self) -> Optional[str]:
        """'future', 'past' or None (no cue either way)."""
        if self._tense == '':
            self._tense = _tense(self.body, self.match.start(), self.match.end())
        return self._tense

    @property
    def future(self) -> bool:
        return self.tense == 'future'

    def before(self) -> str:
        start = self.match.start()
        return self.body[max(0, start - _LOOK_BEHIND_CHARS):start]


def _relative_year(anchor: datetime.date, rel: str) -> int:
    return anchor.year + {'this': 0, 'last': -1, 'next': 1}[rel.casefold()]


def _month_day_in_year(month: int, day: int, ctx: _Context) -> Optional[datetime.date]:
    """A month-day without a year: after the anchor in the future tense, else on or before it;
    when no word around it tells, a date in the next few weeks is the coming one ('the final
    match is at Auckland on December 26' filed on December 22)."""
    anchor = ctx.anchor
    after = _safe_date(anchor.year, month, day)
    if after is None or after <= anchor:
        after = _safe_date(anchor.year + 1, month, day)
    before = _safe_date(anchor.year, month, day)
    if before is None or before > anchor:
        before = _safe_date(anchor.year - 1, month, day)
    if ctx.tense == 'future' or before is None:
        return after
    if ctx.tense == 'past' or after is None:
        return before
    return after if after - anchor <= _UPCOMING_WITHOUT_TENSE else before


def _resolve_month_day(ctx: _Context) -> Optional[_Resolved]:
    month = month_number(ctx.group('month_day_month'))
    day = _day_number(ctx.group('month_day_day'))
    year, rel = ctx.group('month_day_year'), ctx.group('month_day_rel')
    if year:
        found = _safe_date(int(year), month, day)
    elif ctx.anchor is None:
        return None
    elif rel:
        found = _safe_date(_relative_year(ctx.anchor, rel), month, day)
    else:
        found = _month_day_in_year(month, day, ctx)
    return _Resolved(found.isoformat(), 'day') if found else None


def _resolve_day_month(ctx: _Context) -> Optional[_Resolved]:
    month = month_number(ctx.group('day_month_month'))
    day = _day_number(ctx.group('day_month_day'))
    year = ctx.group('day_month_year')
    if year:
        found = _safe_date(int(year), month, day)
    elif ctx.anchor is None:
        return None
    else:
        found = _month_day_in_year(month, day, ctx)
    return _Resolved(found.isoformat(), 'day') if found else None


def _resolve_rel_month(ctx: _Context) -> Optional[_Resolved]:
    anchor = ctx.anchor
    if anchor is None:
        return None
    rel = ctx.group('rel_month_rel').casefold()
    month = month_number(ctx.group('rel_month_month'))
    day = ctx.group('rel_month_day')
    if day:
        # 'last December 14' is the latest one before the anchor, 'next March 31' the first after.
        found = _safe_date(anchor.year, month, _day_number(day))
        if found is not None and rel == 'last' and found >= anchor:
            found = _safe_date(anchor.year - 1, month, found.day)
        elif found is not None and rel == 'next' and found <= anchor:
            found = _safe_date(anchor.year + 1, month, found.day)
        return _Resolved(found.isoformat(), 'day') if found else None
    if rel == 'this':
        year = anchor.year
    elif rel == 'last':
        # 'last January' in December is this year's January: the latest one that is over.
        year = anchor.year if month < anchor.month else anchor.year - 1
    else:
        year = anchor.year if month > anchor.month else anchor.year + 1
    return _Resolved(f'{year}-{month:02d}', 'month')


def _resolve_month_year(ctx: _Context) -> Optional[_Resolved]:
    month = month_number(ctx.group('month_year_month'))
    year, rel = ctx.group('month_year_year'), ctx.group('month_year_rel')
    if year:
        return _Resolved(f'{year}-{month:02d}', 'month')
    if ctx.anchor is None:
        return None
    return _Resolved(f'{_relative_year(ctx.anchor, rel)}-{month:02d}', 'month')


def _resolve_month(ctx: _Context) -> Optional[_Resolved]:
    anchor = ctx.anchor
    if anchor is None:
        return None
    name = ctx.group('month')
    if name == 'May' and not _MAY_BEFORE.search(ctx.before()) and not ctx.group('mod'):
        return None
    month = month_number(name)
    if month == anchor.month and ctx.tense is None:
        year = anchor.year  # 'December's toll', 'the three months to December'
    elif ctx.future:
        year = anchor.year if month > anchor.month else anchor.year + 1
    else:
        year = anchor.year if month < anchor.month else anchor.year - 1
    return _Resolved(f'{year}-{month:02d}', 'month')


def _resolve_iso(ctx: _Context) -> Optional[_Resolved]:
    found = _safe_date(*map(int, ctx.group('iso_date').split('-')))
    return _Resolved(found.isoformat(), 'day') if found else None


_PART_CODES = {'morning': 'MO', 'afternoon': 'AF', 'evening': 'EV', 'night': 'NI'}


def _on_day(day: datetime.date, part: Optional[str]) -> _Resolved:
    """The day, or its part ('2005-10-28TMO') when the expression names one."""
    if part:
        return _Resolved(f'{day.isoformat()}T{_PART_CODES[part.casefold()]}', 'part_of_day')
    return _Resolved(day.isoformat(), 'day')


def _resolve_weekday(ctx: _Context) -> Optional[_Resolved]:
    anchor = ctx.anchor
    if anchor is None:
        return None
    name = ctx.group('weekday_name')
    if _WEEKDAY_NAME_BEFORE.search(ctx.before()) or _WEEKDAY_NAME_AFTER.match(ctx.body, ctx.match.end()):
        return None
    rel = (ctx.group('weekday_rel') or '').casefold()
    back = (anchor.weekday() - weekday_number(name)) % 7
    if rel in ('next', 'coming'):
        found = anchor + datetime.timedelta(days=(7 - back) if back else 7)
    elif rel not in ('last', 'past') and ctx.future:
        # 'will meet Monday' filed on a Monday is today: a week on would be 'next Monday'.
        found = anchor + datetime.timedelta(days=(7 - back) % 7)
    elif rel in ('last', 'past'):
        found = anchor - datetime.timedelta(days=back or 7)
    else:
        found = anchor - datetime.timedelta(days=back)
    return _on_day(found, ctx.group('weekday_part'))


def _resolve_deictic(ctx: _Context) -> Optional[_Resolved]:
    if ctx.anchor is None:
        return None
    word = ctx.group('deictic_word')
    if word:
        word, part = word.casefold(), ctx.group('deictic_part')
        if word == 'tonight':
            word, part = 'today', 'night'
    else:
        # 'this morning' is today's; 'last night' (or 'last evening') the one before today.
        part = ctx.group('deictic_this_part') or ctx.group('deictic_last_part')
        word = 'today' if ctx.group('deictic_this_part') else 'yesterday'
    shift = {'today': 0, 'yesterday': -1, 'tomorrow': 1}[word]
    return _on_day(ctx.anchor + datetime.timedelta(days=shift), part)


def _resolve_same_day(ctx: _Context) -> Optional[_Resolved]:
    # News reports the day it is filed: 'earlier in the day' is the anchor's day.
    return _Resolved(ctx.anchor.isoformat(), 'day') if ctx.anchor else None


def _resolve_quarter(ctx: _Context) -> Optional[_Resolved]:
    ordinal = ctx.group('quarter_ord') or ctx.group('quarter_adj')
    quarter = int(ctx.group('quarter_q')) if ctx.group('quarter_q') else (
        _ORDINALS.get(ordinal.casefold()) or int(ordinal[0]))
    year = ctx.group('quarter_year') or ctx.group('quarter_year2') or ctx.group('quarter_qyear')
    if year:
        return _Resolved(f'{year}-Q{quarter}', 'quarter')
    anchor = ctx.anchor
    if anchor is None:
        return None
    if ctx.group('quarter_rel'):
        return _Resolved(f'{_relative_year(anchor, ctx.group("quarter_rel"))}-Q{quarter}', 'quarter')
    current = (anchor.month - 1) // 3 + 1
    # A quarter still to come is last year's unless the tense looks ahead.
    if ctx.future:
        year = anchor.year if quarter >= current else anchor.year + 1
    else:
        year = anchor.year if quarter <= current else anchor.year - 1
    return _Resolved(f'{year}-Q{quarter}', 'quarter')


def _weekend(anchor: datetime.date, weeks: int) -> str:
    return _iso_week(anchor + datetime.timedelta(weeks=weeks)) + '-WE'


def _resolve_unit(ctx: _Context) -> Optional[_Resolved]:
    anchor = ctx.anchor
    if anchor is None:
        return None
    if ctx.group('unit_weekend'):
        rel, unit = 'this', 'weekend'
    else:
        rel = ' '.join(ctx.group('unit_rel').casefold().split())
        unit = ctx.group('unit_name').casefold()
    shift = {'this': 0, 'the current': 0, 'last': -1, 'the past': -1, 'the previous': -1,
             'next': 1, 'the next': 1, 'the coming': 1}[rel]
    if unit == 'week':
        return _Resolved(_iso_week(anchor + datetime.timedelta(weeks=shift)), 'week')
    if unit == 'weekend':
        if shift == 0 and anchor.weekday() < 5 and not ctx.future:
            shift = -1  # 'the weekend' in past-tense copy on a weekday is the one just gone
        return _Resolved(_weekend(anchor, shift), 'week')
    if unit == 'month':
        year, month = _shift_month(anchor.year, anchor.month, shift)
        return _Resolved(f'{year}-{month:02d}', 'month')
    if unit == 'quarter':
        year, month = _shift_month(anchor.year, anchor.month, 3 * shift)
        return _Resolved(f'{year}-Q{(month - 1) // 3 + 1}', 'quarter')
    return _Resolved(str(anchor.year + shift), 'year')


def _resolve_ago(ctx: _Context) -> Optional[_Resolved]:
    anchor = ctx.anchor
    if anchor is None:
        return None
    count_word = ' '.join(ctx.group('ago_count').casefold().split())
    if count_word in ('a few', 'several', 'many'):
        return _Resolved('PAST_REF', 'past')
    count = _count(count_word)
    unit = ctx.group('ago_unit').casefold()
    if unit in ('day', 'week', 'fortnight'):
        days = count * {'day': 1, 'week': 7, 'fortnight': 14}[unit]
        if days > 36500:
            return None
        then = anchor - datetime.timedelta(days=days)
        return (_Resolved(then.isoformat(), 'day') if unit == 'day'
                else _Resolved(_iso_week(then), 'week'))
    if anchor.year - count * (10 if unit == 'decade' else 1) < 1 or (unit == 'month' and count > 12 * 2000):
        return None  # before the Common Era: not a calendar date TIMEX3 can write
    if unit == 'month':
        year, month = _shift_month(anchor.year, anchor.month, -count)
        return _Resolved(f'{year:04d}-{month:02d}', 'month')
    if unit == 'decade':
        return _Resolved(f'{(anchor.year - 10 * count) // 10:03d}', 'decade')
    return _Resolved(f'{anchor.year - count:04d}', 'year')


def _resolve_season(ctx: _Context) -> Optional[_Resolved]:
    name = ctx.group('season_name')
    code, first_month = _SEASONS[name.casefold()]
    rel = (ctx.group('season_rel') or '').casefold()
    year = ctx.group('season_year')
    if name.casefold() == 'fall' and rel not in ('this', 'last', 'next') and not year:
        return None  # 'the fall in prices', 'wells fall within'
    if name[0].isupper() and not rel and _CAPITALISED_WORD_BEFORE.search(ctx.before()):
        return None  # a name: 'Silver Spring', 'Arab Spring'
    if year:
        return _Resolved(f'{year}-{code}', 'season')
    anchor = ctx.anchor
    if anchor is None:
        return None
    if rel == 'the' and not ctx.group('mod') and _words_after(ctx.body, ctx.match.end())[:1] == ['of']:
        return None  # 'the spring of 2005' was not matched whole, and 'the fall of Rome' is no season
    if rel == 'next' or (rel != 'last' and ctx.future):
        season_year = anchor.year if first_month > anchor.month else anchor.year + 1
    elif rel == 'last':
        # The latest one that is over: winter starts in December and ends the next year.
        ends_next_year = first_month == 12
        season_year = anchor.year - 1 if ends_next_year or first_month + 3 > anchor.month else anchor.year
    else:
        season_year = anchor.year if first_month <= anchor.month else anchor.year - 1
    return _Resolved(f'{season_year}-{code}', 'season')


def _resolve_decade(ctx: _Context) -> Optional[_Resolved]:
    full = ctx.group('decade_full')
    if full:
        return _Resolved(full[:3], 'decade')
    short = ctx.group('decade_short')
    # "the '90s" is last century's; "the '10s" this century's only once they have begun.
    century = 19 if ctx.anchor is None or int(short) > ctx.anchor.year % 100 else ctx.anchor.year // 100
    return _Resolved(f'{century}{short[0]}', 'decade')


def _resolve_century(ctx: _Context) -> Optional[_Resolved]:
    ordinal = ctx.group('century_ord').casefold()
    number = int(ordinal[:-2]) if ordinal[0].isdigit() else _ORDINALS.get(ordinal)
    if not number or number > 21:
        return None
    # TIMEX3 names a century by its leading digits: the 19th century is the 1800s, '18'.
    return _Resolved(f'{number - 1:02d}', 'century')


def _resolve_year(ctx: _Context) -> Optional[_Resolved]:
    if not ctx.group('year_lead') and not ctx.group('mod'):
        before = ctx.before()
        if _NOT_A_YEAR_BEFORE.search(before):
            return None
        after = _AFTER_YEAR.match(ctx.body, ctx.match.end())
        if after and (after['clock'] or not _YEAR_BEFORE_NOUN.search(before)):
            return None
    return _Resolved(ctx.group('year_year'), 'year')


def _constant(value: str, granularity: str) -> Callable[[_Context], Optional[_Resolved]]:
    def resolve(ctx: _Context) -> Optional[_Resolved]:
        # Even 'now' needs an anchor to mean anything in an archive.
        return _Resolved(value, granularity) if ctx.anchor is not None else None
    return resolve


def _resolve_holiday(ctx: _Context) -> Optional[_Resolved]:
    if ctx.anchor is None:
        return None
    name = ctx.group('holiday_name')
    month, day = (12, 25 if name.endswith('Day') else 24) if name.startswith('Christmas') else (
        (1, 1) if name.endswith('Day') else (12, 31))
    found = _month_day_in_year(month, day, ctx)
    return _Resolved(found.isoformat(), 'day')


# TIMEX3 duration units: a decade is 'DE' and a century 'CE' ('P1DE', 'P2CE'), as in TIDES.
_DURATION_UNITS = {'day': 'D', 'week': 'W', 'fortnight': 'W', 'month': 'M', 'quarter': 'Q',
                   'year': 'Y', 'decade': 'DE', 'centur': 'CE'}


def _duration_unit(word: str) -> str:
    """'years' -> 'year', 'centuries' -> 'centur': the key of _DURATION_UNITS."""
    word = word.casefold()
    return 'centur' if word.startswith('centur') else word.rstrip('s')
_VAGUE_COUNTS = frozenset({'a few', 'few', 'several', 'many', 'some'})
# 'a year' after an amount or 'twice' is a rate ('$5 a year', 'twice a year'), not a duration.
_RATE_BEFORE = re.compile(
    r'(?i:(?:\d|%|\bpercent|\bmillion|\bbillion|\btimes|\bonce|\btwice|\bthrice|\bdollars|\beuros'
    r'|\bpounds|\byuan|\byen|\btonnes|\btons|\bbarrels|\bhead|\beach|\))\s+)$')


def _resolve_duration(ctx: _Context) -> Optional[_Resolved]:
    if ctx.group('mod'):
        return None  # 'early two years' is no duration, and 'the end of ...' none we can write
    vague = ctx.group('duration_vague')
    if vague:
        return _Resolved(f'PX{_DURATION_UNITS[_duration_unit(vague)]}', 'duration')
    count_word = ' '.join(ctx.group('duration_count').casefold().split())
    printed = ctx.group('duration_unit')
    unit = _duration_unit(printed)
    if count_word in ('a', 'an', 'one') and (
            printed.casefold().endswith('s') or _RATE_BEFORE.search(ctx.before())):
        return None  # 'a months-long standoff', 'twice a year'
    code = _DURATION_UNITS[unit]
    if count_word in _VAGUE_COUNTS:
        return _Resolved(f'PX{code}', 'duration')
    count = _count(count_word)
    if count == 0:
        return None
    if unit == 'fortnight':
        count *= 2
    return _Resolved(f'P{count}{code}', 'duration')


_RESOLVERS: Dict[str, Callable[[_Context], Optional[_Resolved]]] = {
    'month_day': _resolve_month_day, 'day_month': _resolve_day_month, 'rel_month': _resolve_rel_month,
    'month_year': _resolve_month_year, 'month': _resolve_month, 'iso': _resolve_iso,
    'weekday': _resolve_weekday, 'deictic': _resolve_deictic, 'quarter': _resolve_quarter,
    'unit': _resolve_unit, 'ago': _resolve_ago, 'season': _resolve_season, 'decade': _resolve_decade,
    'century': _resolve_century, 'year': _resolve_year, 'present': _constant('PRESENT_REF', 'present'),
    'past': _constant('PAST_REF', 'past'), 'future': _constant('FUTURE_REF', 'future'),
    'holiday': _resolve_holiday, 'duration': _resolve_duration, 'same_day': _resolve_same_day,
}


def _kind_of(match: re.Match) -> str:
    return next(kind for kind in _KINDS if match.group(kind) is not None)


def _parse_anchor(anchor: Optional[str]) -> Optional[datetime.date]:
    if not anchor:
        return None
    try:
        return datetime.date.fromisoformat(anchor[:10])
    except ValueError:
        return None


def find_time_expressions(body: str, anchor: Optional[str], article_id: str = '',
                          sentence_starts: Sequence[int] = (0,)) -> List[TimeExpression]:
    """The date expressions of ``body``, resolved against ``anchor``, in order of position.

    Args:
      body: the article body (dateline removed); offsets index it.
      anchor: ISO date ('YYYY-MM-DD') that relative expressions count from; None
        when unknown, and then only absolute expressions are returned.
      article_id: copied into each TimeExpression.
      sentence_starts: sorted character offsets of the sentences of ``body``.

    Returns:
      One TimeExpression per expression, with text, value, granularity, span and sentence.
    """
    anchor_date = _parse_anchor(anchor)
    found = []
    for match in _EXPRESSION.finditer(body or ''):
        resolved = _RESOLVERS[_kind_of(match)](_Context(match, anchor_date, body))
        if resolved is None:
            continue
        start, end = match.span()
        found.append(TimeExpression(
            article_id=article_id, text=match.group(), value=resolved.value,
            granularity=resolved.granularity, start_char=start, end_char=end,
            sentence_index=max(0, bisect_right(sentence_starts, start) - 1)))
    return found


def anchor_of(article: Article) -> Optional[str]:
    """The day an article reports on, which relative expressions count from: the dateline's date, else
    the publication date (ISO); None when it has neither."""
    return article.dateline_date or (article.published_at or '')[:10] or None
