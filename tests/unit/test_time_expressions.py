"""Unit tests for transforms.core.time_expressions.find_time_expressions."""
import pytest

from schemas.records import TimeExpression
from transforms.core.time_expressions import find_time_expressions

# Anchors used below, with their weekdays, because most expectations count from them.
FRIDAY = '2019-09-13'      # ISO week 2019-W37, third quarter
THURSDAY = '2006-12-14'    # 2006-W50
SATURDAY = '2006-12-30'
TUESDAY = '2007-01-02'


def _found(body, anchor):
    return [(e.text, e.value, e.granularity) for e in find_time_expressions(body, anchor)]


@pytest.mark.parametrize('body, anchor, expected', [
    # A bare weekday reports the past: the latest such day on or before the anchor.
    ('The minister said on Wednesday that talks had failed.', FRIDAY,
     [('Wednesday', '2019-09-11', 'day')]),
    ('Exports rose Friday, officials said.', FRIDAY, [('Friday', '2019-09-13', 'day')]),
    ('He said Tuesday it will appeal.', THURSDAY, [('Tuesday', '2006-12-12', 'day')]),
    # Future tense, from the words before or just after it: the first such day from the anchor.
    ('The ministers will meet on Wednesday in Geneva.', FRIDAY, [('Wednesday', '2019-09-18', 'day')]),
    ('Talks are scheduled for Tuesday.', FRIDAY, [('Tuesday', '2019-09-17', 'day')]),
    ('The union plans to strike on Thursday.', FRIDAY, [('Thursday', '2019-09-19', 'day')]),
    ('The envoy is expected to arrive in the capital on Monday.', FRIDAY, [('Monday', '2019-09-16', 'day')]),
    ('Monday will see the first vote.', FRIDAY, [('Monday', '2019-09-16', 'day')]),
    # 'will meet Friday' filed on a Friday means that day; a week on would be 'next Friday'.
    ('The board will meet Friday.', FRIDAY, [('Friday', '2019-09-13', 'day')]),
    ('The board meets next Friday.', FRIDAY, [('next Friday', '2019-09-20', 'day')]),
    ('The board met last Friday.', FRIDAY, [('last Friday', '2019-09-06', 'day')]),
    ('The vote will be held next Tuesday.', SATURDAY, [('next Tuesday', '2007-01-02', 'day')]),
    # A present-tense verb of a fixture or a timetable looks ahead.
    ('Liverpool host Watford at Anfield on Saturday.', THURSDAY, [('Saturday', '2006-12-16', 'day')]),
    ('Mugabe opens the conference on Friday.', THURSDAY, [('Friday', '2006-12-15', 'day')]),
    ('The pilgrimage, which ends on Monday, draws millions.', THURSDAY, [('Monday', '2006-12-18', 'day')]),
    # A participle after 'be' takes its tense from the words before it; irregular pasts are past.
    ('Gas supplies will be turned off at 10:00 am on Monday.', THURSDAY, [('Monday', '2006-12-18', 'day')]),
    ('Rangers will play Motherwell, who drew at home on Saturday.', THURSDAY,
     [('Saturday', '2006-12-09', 'day')]),
    ('The team set off on Monday.', THURSDAY, [('Monday', '2006-12-11', 'day')]),
    ('The team is set to leave on Monday.', THURSDAY, [('Monday', '2006-12-18', 'day')]),
    # 'last' in front of a noun is no past tense.
    ('Hong Kong is to compete with its last rival on Monday.', THURSDAY, [('Monday', '2006-12-18', 'day')]),
    # Modifiers stay in the text; 'Sunday Times' and 'Good Friday' are no weekdays.
    ('Fighting resumed late Saturday.', THURSDAY, [('late Saturday', '2006-12-09', 'day')]),
    ('The Sunday Times reported it on Good Friday.', THURSDAY, []),
])
def test_weekdays_by_tense(body, anchor, expected):
    assert _found(body, anchor) == expected


@pytest.mark.parametrize('body, anchor, expected', [
    ('He arrived yesterday, rests today and leaves tomorrow.', FRIDAY,
     [('yesterday', '2019-09-12', 'day'), ('today', '2019-09-13', 'day'), ('tomorrow', '2019-09-14', 'day')]),
    ('Today the market opened late.', SATURDAY, [('Today', '2006-12-30', 'day')]),
    ('The results come out tomorrow.', SATURDAY, [('tomorrow', '2006-12-31', 'day')]),
])
def test_yesterday_today_tomorrow(body, anchor, expected):
    assert _found(body, anchor) == expected


@pytest.mark.parametrize('body, anchor, expected', [
    # A named part of the day goes with its day, as TIMEX3 writes it: TMO, TAF, TEV, TNI.
    ('Police raided the camp on Friday morning.', THURSDAY, [('Friday morning', '2006-12-08TMO', 'part_of_day')]),
    ('Rebels attacked Tuesday night.', THURSDAY, [('Tuesday night', '2006-12-12TNI', 'part_of_day')]),
    ('Talks ended Wednesday evening.', THURSDAY, [('Wednesday evening', '2006-12-13TEV', 'part_of_day')]),
    ('The minister arrived yesterday afternoon.', THURSDAY,
     [('yesterday afternoon', '2006-12-13TAF', 'part_of_day')]),
    ('He spoke this morning and flies out tonight.', THURSDAY,
     [('this morning', '2006-12-14TMO', 'part_of_day'), ('tonight', '2006-12-14TNI', 'part_of_day')]),
    ('Shells fell last night.', THURSDAY, [('last night', '2006-12-13TNI', 'part_of_day')]),
    ('The envoy will arrive tomorrow morning.', THURSDAY, [('tomorrow morning', '2006-12-15TMO', 'part_of_day')]),
    ('The board will meet on Monday afternoon.', THURSDAY, [('Monday afternoon', '2006-12-18TAF', 'part_of_day')]),
    # Modifiers stay in the text; without a part of the day it is a day.
    ('Fighting resumed early Saturday morning.', THURSDAY,
     [('early Saturday morning', '2006-12-09TMO', 'part_of_day')]),
    ('Fighting resumed late Saturday.', THURSDAY, [('late Saturday', '2006-12-09', 'day')]),
    # Other mornings and nights are no dates.
    ('He works at night and rests in the morning; last morning counts not.', THURSDAY, []),
])
def test_part_of_day(body, anchor, expected):
    assert _found(body, anchor) == expected


@pytest.mark.parametrize('body, anchor, expected', [
    # A month-day without a year crosses back into last year, or on into the next.
    ('The deal was signed on December 28.', TUESDAY, [('December 28', '2006-12-28', 'day')]),
    ('A memorial will take place on August 31.', THURSDAY, [('August 31', '2007-08-31', 'day')]),
    ('Polls opened on Dec. 12.', THURSDAY, [('Dec. 12', '2006-12-12', 'day')]),
    ('The talks will resume on January 9.', THURSDAY, [('January 9', '2007-01-09', 'day')]),
    # No tense either way: the coming one within 31 days, else the past one.
    ('The final match is at Auckland on December 26.', '2006-12-22', [('December 26', '2006-12-26', 'day')]),
    ('Germany takes over the EU presidency on January 1.', THURSDAY, [('January 1', '2007-01-01', 'day')]),
    ('A medic is accused of executing a civilian on April 26.', '2006-12-21', [('April 26', '2006-04-26', 'day')]),
    ('A medic is accused of executing a civilian on January 20.', THURSDAY, [('January 20', '2006-01-20', 'day')]),
    # A bare month: the latest before the anchor's month, or the next in future tense.
    ('In October, the plan was shelved.', THURSDAY, [('October', '2006-10', 'month')]),
    ('Inflation rose in December.', THURSDAY, [('December', '2005-12', 'month')]),
    ('In December alone, at least 61 soldiers have died.', THURSDAY, [('December', '2006-12', 'month')]),
    ('The plant will reopen in December.', THURSDAY, [('December', '2007-12', 'month')]),
    # The reported day.
    ('Gunmen opened fire earlier in the day.', THURSDAY, [('the day', '2006-12-14', 'day')]),
    ('Talks resumed later that day.', THURSDAY, [('later that day', '2006-12-14', 'day')]),
    ('It was the day before the vote.', THURSDAY, []),
    ('Letters will be sent in January.', THURSDAY, [('January', '2007-01', 'month')]),
    ('Talks were planned for November this year.', THURSDAY, [('November this year', '2006-11', 'month')]),
    ('Sales fell in November last year.', THURSDAY, [('November last year', '2005-11', 'month')]),
    ('Registration ended last December 14.', '2006-12-20', [('last December 14', '2006-12-14', 'day')]),
    ('It ran until last January.', '2006-12-31', [('last January', '2006-01', 'month')]),
    ('It opens next February.', THURSDAY, [('next February', '2007-02', 'month')]),
    # A bare 'May' is a month only where a month is expected.
    ('May said so in May.', THURSDAY, [('May', '2006-05', 'month')]),
])
def test_months_and_year_turns(body, anchor, expected):
    assert _found(body, anchor) == expected


@pytest.mark.parametrize('body, anchor, expected', [
    ('Sales fell last week but this week looks better, and next week too.', FRIDAY,
     [('last week', '2019-W36', 'week'), ('this week', '2019-W37', 'week'), ('next week', '2019-W38', 'week')]),
    ('Prices rose last month and this month; next month is unclear.', '2019-01-15',
     [('last month', '2018-12', 'month'), ('this month', '2019-01', 'month'), ('next month', '2019-02', 'month')]),
    ('Profit rose last year; this year is flat and next year will be better.', FRIDAY,
     [('last year', '2018', 'year'), ('this year', '2019', 'year'), ('next year', '2020', 'year')]),
    ('The week before, in the past week and earlier this month.', THURSDAY,
     [('the past week', '2006-W49', 'week'), ('earlier this month', '2006-12', 'month')]),
    ('Growth will pick up early next year.', THURSDAY, [('early next year', '2007', 'year')]),
    ('Last week the index fell.', '2006-12-18', [('Last week', '2006-W50', 'week')]),
    ('Fans flocked to the ground over the weekend.', '2006-12-19', [('the weekend', '2006-W50-WE', 'week')]),
])
def test_last_this_next(body, anchor, expected):
    assert _found(body, anchor) == expected


@pytest.mark.parametrize('body, anchor, expected', [
    ('The plant closed two years ago and reopened three days ago.', FRIDAY,
     [('two years ago', '2017', 'year'), ('three days ago', '2019-09-10', 'day')]),
    ('It began nearly four years ago.', THURSDAY, [('nearly four years ago', '2002', 'year')]),
    # Thousands separators belong to the number; TIMEX3 years have four digits.
    ('The shrine was built more than 1,400 years ago.', THURSDAY,
     [('more than 1,400 years ago', '0606', 'year')]),
    ('It sold 2,006 tonnes.', THURSDAY, []),
    ('Sales were flat a year earlier.', THURSDAY, [('a year earlier', '2005', 'year')]),
    ('The law passed 12 months ago.', '2006-12-29', [('12 months ago', '2005-12', 'month')]),
    ('They met two weeks ago.', '2006-12-27', [('two weeks ago', '2006-W50', 'week')]),
    ('It happened a few years ago.', THURSDAY, [('a few years ago', 'PAST_REF', 'past')]),
])
def test_ago(body, anchor, expected):
    assert _found(body, anchor) == expected


@pytest.mark.parametrize('body, anchor, expected', [
    ('The band was big in the 1990s and the early 1980s.', FRIDAY,
     [('the 1990s', '199', 'decade'), ('early 1980s', '198', 'decade')]),
    ("Prices last hit that level in the '70s.", FRIDAY, [("the '70s", '197', 'decade')]),
    ('The city grew in the 19th century.', FRIDAY, [('the 19th century', '18', 'century')]),
    ('Output fell in the third quarter and rose in the summer.', FRIDAY,
     [('the third quarter', '2019-Q3', 'quarter'), ('the summer', '2019-SU', 'season')]),
    ('Fourth-quarter profit fell.', '2007-01-20', [('Fourth-quarter', '2006-Q4', 'quarter')]),
    ('Output fell in the fourth quarter of 2018.', FRIDAY,
     [('the fourth quarter of 2018', '2018-Q4', 'quarter')]),
    ('Snow fell last winter; the spring of 2005 was dry.', THURSDAY,
     [('last winter', '2005-WI', 'season'), ('the spring of 2005', '2005-SP', 'season')]),
    # Names and nouns that look like seasons.
    ('The fall in prices hit Silver Spring hardest.', THURSDAY, []),
])
def test_decades_centuries_quarters_seasons(body, anchor, expected):
    assert _found(body, anchor) == expected


@pytest.mark.parametrize('body, anchor, expected', [
    ('He was born in July 1981 and died on 12 December 2006.', THURSDAY,
     [('July 1981', '1981-07', 'month'), ('12 December 2006', '2006-12-12', 'day')]),
    ('Signed on Friday, January 5, 2007 and on September 11, 2001.', THURSDAY,
     [('Friday, January 5, 2007', '2007-01-05', 'day'), ('September 11, 2001', '2001-09-11', 'day')]),
    ('Refugees left Bhutan in 1990 and fiscal 2007 looks weak.', THURSDAY,
     [('1990', '1990', 'year'), ('fiscal 2007', '2007', 'year')]),
    ('It will be ready by late 2008 or the end of 2009.', THURSDAY,
     [('late 2008', '2008', 'year'), ('the end of 2009', '2009', 'year')]),
    ('Prices are currently high and have recently risen; in the future they may fall.', THURSDAY,
     [('currently', 'PRESENT_REF', 'present'), ('recently', 'PAST_REF', 'past'),
      ('the future', 'FUTURE_REF', 'future')]),
    ('Now the rules apply; they will be reviewed in coming months.', THURSDAY,
     [('Now', 'PRESENT_REF', 'present'), ('coming months', 'FUTURE_REF', 'future')]),
])
def test_absolute_dates_and_references(body, anchor, expected):
    assert _found(body, anchor) == expected


@pytest.mark.parametrize('body, expected', [
    ('He served three years in prison and two months in exile.', [('three years', 'P3Y'), ('two months', 'P2M')]),
    ('The truce held for 10 days.', [('10 days', 'P10D')]),
    ('It took a decade, then two centuries passed.', [('a decade', 'P1DE'), ('two centuries', 'P2CE')]),
    ('Output fell for two quarters and recovered within a fortnight.', [('two quarters', 'P2Q'), ('a fortnight', 'P2W')]),
    ('Talks lasted several years, a few weeks and many months.',
     [('several years', 'PXY'), ('a few weeks', 'PXW'), ('many months', 'PXM')]),
    ('The country has been at war for years.', [('years', 'PXY')]),
    ('Prices doubled over the past four decades and will rise in the next five years.',
     [('the past four decades', 'P4DE'), ('the next five years', 'P5Y')]),
    ('It is the highest level in more than four years, after nearly six months of gains.',
     [('more than four years', 'P4Y'), ('nearly six months', 'P6M')]),
    ('A six-month study followed a three-day visit and a 13 month break.',
     [('six-month', 'P6M'), ('three-day', 'P3D'), ('13 month', 'P13M')]),
    ('The appeal was filed for 15 years.', [('15 years', 'P15Y')]),
    # Dates, ages, rates, fractions and compounds are not durations.
    ('The plant closed two years ago.', [('two years ago', '2004')]),
    ('The 45-year-old, who is 45 years old and three months pregnant, earns $5 a year.', []),
    ('Players earn 3 million dollars a year and train twice a week.', []),
    ('A quarter of the seats went to the quarter-final winners after a year-long feud.', []),
    ('He returned three years later; a months-long standoff followed.', []),
])
def test_durations(body, expected):
    found = find_time_expressions(body, THURSDAY)
    assert [(e.text, e.value) for e in found] == expected
    assert all(e.granularity == ('year' if e.value == '2004' else 'duration') for e in found)
    assert all(body[e.start_char:e.end_char] == e.text for e in found)


def test_durations_need_no_anchor():
    assert _found('The war lasted six years.', None) == [('six years', 'P6Y', 'duration')]


@pytest.mark.parametrize('body', [
    'The party won 1990 votes and shipped 2,006 tonnes.',
    'The ship sailed at 0900 GMT and docked at 1830 GMT.',
    'Flight 2006 landed in room 1999 of page 2001.',
    'Shares rose 2006.5 points to $2000.',
    'Item No. 1995 costs 1,998 dollars.',
])
def test_numbers_that_are_not_years(body):
    assert _found(body, THURSDAY) == []


def test_no_anchor_keeps_absolute_expressions_only():
    body = 'Last week, on Tuesday, officials recalled July 1981, the 1990s and 12 December 2006.'
    assert _found(body, None) == [
        ('July 1981', '1981-07', 'month'), ('the 1990s', '199', 'decade'),
        ('12 December 2006', '2006-12-12', 'day')]


@pytest.mark.parametrize('anchor', [None, '', 'not a date'])
def test_unusable_anchor_is_no_anchor(anchor):
    assert _found('It rained yesterday and in 1990.', anchor) == [('1990', '1990', 'year')]


@pytest.mark.parametrize('body', ['', '   ', '¡Nada!'])
def test_empty_body(body):
    assert find_time_expressions(body, THURSDAY) == []


def test_offsets_sentences_and_article_id():
    body = 'Talks ended on Tuesday. They resume in January.\nEarlier this week, rain fell.'
    found = find_time_expressions(body, THURSDAY, 'a1', sentence_starts=(0, 24, 48))
    assert found == [
        TimeExpression('a1', 'Tuesday', '2006-12-12', 'day', 15, 22, 0),
        TimeExpression('a1', 'January', '2006-01', 'month', 39, 46, 1),
        TimeExpression('a1', 'Earlier this week', '2006-W50', 'week', 48, 65, 2),
    ]
    assert all(body[e.start_char:e.end_char] == e.text for e in found)

