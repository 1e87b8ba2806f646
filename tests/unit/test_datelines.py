"""Unit tests for transforms.core.datelines.parse_dateline / remove_dateline (no Beam)."""
import pytest

from transforms.core.datelines import Dateline, parse_dateline, remove_dateline

# (text, published, expected (raw, city, region, country, timezone, date, credits), body after removal)
DATELINES = [
    pytest.param(
        ' date 2019-09-13 TEHRAN – Iranian Armed Forces met Chinese officers.', None,
        ('date 2019-09-13 TEHRAN –', 'Tehran', None, 'IRN', 'Asia/Tehran', '2019-09-13', ()),
        'Iranian Armed Forces met Chinese officers.', id='scraped-date-label'),
    pytest.param(
        'TEHRAN – The ministry said on Monday it would reply.', '2019-09-13',
        ('TEHRAN –', 'Tehran', None, 'IRN', 'Asia/Tehran', '2019-09-13', ()),
        'The ministry said on Monday it would reply.', id='en-dash'),
    pytest.param(
        'TEHRAN - The ministry replied.', '2019-09-13',
        ('TEHRAN -', 'Tehran', None, 'IRN', 'Asia/Tehran', '2019-09-13', ()),
        'The ministry replied.', id='hyphen'),
    pytest.param(
        'TEHRAN — The ministry replied.', '2019-09-13',
        ('TEHRAN —', 'Tehran', None, 'IRN', 'Asia/Tehran', '2019-09-13', ()),
        'The ministry replied.', id='em-dash'),
    pytest.param(
        'TEHRAN -- The ministry replied.', '2019-09-13',
        ('TEHRAN --', 'Tehran', None, 'IRN', 'Asia/Tehran', '2019-09-13', ()),
        'The ministry replied.', id='double-hyphen'),
    pytest.param(
        'TEHRAN ‒ The ministry replied.', '2019-09-13',
        ('TEHRAN ‒', 'Tehran', None, 'IRN', 'Asia/Tehran', '2019-09-13', ()),
        'The ministry replied.', id='figure-dash'),
    pytest.param(
        'TEHRAN − The ministry replied.', '2019-09-13',
        ('TEHRAN −', 'Tehran', None, 'IRN', 'Asia/Tehran', '2019-09-13', ()),
        'The ministry replied.', id='minus-sign'),
    pytest.param(
        'TEHRAN—The ministry replied.', '2019-09-13',
        ('TEHRAN—', 'Tehran', None, 'IRN', 'Asia/Tehran', '2019-09-13', ()),
        'The ministry replied.', id='glued-em-dash'),
    pytest.param(
        'TEHRAN- A wind farm will be built.', '2019-09-13',
        ('TEHRAN-', 'Tehran', None, 'IRN', 'Asia/Tehran', '2019-09-13', ()),
        'A wind farm will be built.', id='glued-hyphen'),
    pytest.param(
        'TEHRAN-Head of the tax office spoke.', '2019-09-13',
        ('TEHRAN-', 'Tehran', None, 'IRN', 'Asia/Tehran', '2019-09-13', ()),
        'Head of the tax office spoke.', id='hyphen-glued-both-sides'),
    pytest.param(
        'Tehran- During the forum, bankers met.', '2019-09-13',
        ('Tehran-', 'Tehran', None, 'IRN', 'Asia/Tehran', '2019-09-13', ()),
        'During the forum, bankers met.', id='title-case'),
    pytest.param(
        'TERHAN- A wind farm will be built.', '2019-09-13',
        ('TERHAN-', 'Tehran', None, 'IRN', 'Asia/Tehran', '2019-09-13', ()),
        'A wind farm will be built.', id='misspelt-swapped'),
    pytest.param(
        'TEHRNA - Kabul marked the day.', None,
        ('TEHRNA -', 'Tehran', None, 'IRN', 'Asia/Tehran', None, ()),
        'Kabul marked the day.', id='misspelt-no-published'),
    pytest.param(
        'THRAN – An academic says so.', '2022-03-01',
        ('THRAN –', 'Tehran', None, 'IRN', 'Asia/Tehran', '2022-03-01', ()),
        'An academic says so.', id='misspelt-dropped-letter'),
    pytest.param(
        'HOUSTON, Feb 26 - Oil prices rose.', '1987-02-26T15:01:01',
        ('HOUSTON, Feb 26 -', 'Houston', None, 'USA', 'America/Chicago', '1987-02-26', ()),
        'Oil prices rose.', id='reuters'),
    pytest.param(
        'NEW YORK, march 2 - Shares fell.', '1987-03-02T18:00:00',
        ('NEW YORK, march 2 -', 'New York', None, 'USA', 'America/New_York', '1987-03-02', ()),
        'Shares fell.', id='lower-case-month'),
    pytest.param(
        'PORTLAND, Ore., March 3 - A mill closed.', '1987-03-03T10:00:00',
        ('PORTLAND, Ore., March 3 -', 'Portland', 'Ore.', 'USA', 'America/Los_Angeles', '1987-03-03', ()),
        'A mill closed.', id='ap-state'),
    pytest.param(
        'PORTLAND, Maine, March 3 - A mill closed.', '1987-03-03T10:00:00',
        ('PORTLAND, Maine, March 3 -', 'Portland', 'Maine', 'USA', 'America/New_York', '1987-03-03', ()),
        'A mill closed.', id='state-name-beats-bigger-namesake'),
    pytest.param(
        'RYE, N.Y., March 3 - A firm merged.', '1987-03-03T10:00:00',
        ('RYE, N.Y., March 3 -', 'Rye', 'N.Y.', 'USA', 'America/New_York', '1987-03-03', ()),
        'A firm merged.', id='postal-state'),
    pytest.param(
        'HOUSTON, Texas, March 6 - A firm merged.', '1987-03-06T10:00:00',
        ('HOUSTON, Texas, March 6 -', 'Houston', 'Texas', 'USA', 'America/Chicago', '1987-03-06', ()),
        'A firm merged.', id='state-name'),
    pytest.param(
        'BAHIA BLANCA, Argentina, Feb 26 - Grain moved.', '1987-02-26T10:00:00',
        ('BAHIA BLANCA, Argentina, Feb 26 -', 'Bahia Blanca', 'Argentina', 'ARG',
         'America/Argentina/Buenos_Aires', '1987-02-26', ()),
        'Grain moved.', id='country-region'),
    pytest.param(
        'KILLINGTON, Vt., March 2 - Net rose.', '1987-03-02T10:00:00',
        ('KILLINGTON, Vt., March 2 -', 'Killington', 'Vt.', 'USA', 'America/New_York', '1987-03-02', ()),
        'Net rose.', id='town-unknown-to-gazetteer'),
    pytest.param(
        'Richmond, Va. Feb 26 - Dividend paid.', '1987-02-26T10:00:00',
        ('Richmond, Va. Feb 26 -', 'Richmond', 'Va.', 'USA', 'America/New_York', '1987-02-26', ()),
        'Dividend paid.', id='no-comma-after-abbreviation'),
    pytest.param(
        'AMSTERDAM, 2 March - The bank bid.', '1987-03-02T04:25:39',
        ('AMSTERDAM, 2 March -', 'Amsterdam', None, 'NLD', 'Europe/Amsterdam', '1987-03-02', ()),
        'The bank bid.', id='day-before-month'),
    pytest.param(
        '****SANTO DOMINGO, March 4 - Sugar sold.', '1987-03-04T11:03:42',
        ('SANTO DOMINGO, March 4 -', 'Santo Domingo', None, 'DOM', 'America/Santo_Domingo', '1987-03-04', ()),
        'Sugar sold.', id='asterisks'),
    pytest.param(
        'BAHRAIN, March 1 - Rates held.', '1987-03-01T10:00:00',
        ('BAHRAIN, March 1 -', 'Bahrain', None, 'BHR', 'Asia/Bahrain', '1987-03-01', ()),
        'Rates held.', id='country-as-place'),
    pytest.param(
        'KUALA LUMPUR, April 1 , 1997 (AFP) -- Tin rose.', None,
        ('KUALA LUMPUR, April 1 , 1997 (AFP) --', 'Kuala Lumpur', None, 'MYS', 'Asia/Kuala_Lumpur',
         '1997-04-01', ('AFP',)),
        'Tin rose.', id='afp'),
    pytest.param(
        'KATHMANDU, Dec 12 , 2006, 2006 -- Nepal asked for help.', None,
        ('KATHMANDU, Dec 12 , 2006, 2006 --', 'Kathmandu', None, 'NPL', 'Asia/Kathmandu', '2006-12-12', ()),
        'Nepal asked for help.', id='doubled-year'),
    pytest.param(
        'NEW YORK, Nov. 1 , 2005 (Xinhua) -- US shares edged down.', None,
        ('NEW YORK, Nov. 1 , 2005 (Xinhua) --', 'New York', None, 'USA', 'America/New_York',
         '2005-11-01', ('Xinhua',)),
        'US shares edged down.', id='xinhua'),
    pytest.param(
        'CANBERRA, Australia (AP)– The policy softened.', '2010-10-18',
        ('CANBERRA, Australia (AP)–', 'Canberra', 'Australia', 'AUS', 'Australia/Sydney', '2010-10-18',
         ('AP',)),
        'The policy softened.', id='credit-glued-dash'),
    pytest.param(
        'SEOUL (Reuters) – A united Korea could grow.', None,
        ('SEOUL (Reuters) –', 'Seoul', None, 'KOR', 'Asia/Seoul', None, ('Reuters',)),
        'A united Korea could grow.', id='reuters-credit'),
    pytest.param(
        'BEIRUT (AP) — Talks resumed.', None,
        ('BEIRUT (AP) —', 'Beirut', None, 'LBN', 'Asia/Beirut', None, ('AP',)),
        'Talks resumed.', id='ap-em-dash'),
    pytest.param(
        'WASHINGTON (AP) – The president spoke.', None,
        ('WASHINGTON (AP) –', 'Washington', None, 'USA', 'America/New_York', None, ('AP',)),
        'The president spoke.', id='washington'),
    pytest.param(
        'UNITED NATIONS (AP) - The council met.', None,
        ('UNITED NATIONS (AP) -', 'United Nations', None, None, None, None, ('AP',)),
        'The council met.', id='united-nations'),
    pytest.param(
        'YUZHNO-SAKHALINSK, Russia (AP) – Gas flowed.', None,
        ('YUZHNO-SAKHALINSK, Russia (AP) –', 'Yuzhno-Sakhalinsk', 'Russia', 'RUS', 'Asia/Sakhalin', None,
         ('AP',)),
        'Gas flowed.', id='hyphenated-city'),
    pytest.param(
        'PARIS (AFP/Reuters) -- Talks ended.', None,
        ('PARIS (AFP/Reuters) --', 'Paris', None, 'FRA', 'Europe/Paris', None, ('AFP', 'Reuters')),
        'Talks ended.', id='two-credits'),
    pytest.param(
        'NORTH CAROLINA - It is a stretch.', None,
        ('NORTH CAROLINA -', 'North Carolina', None, 'USA', 'America/New_York', None, ()),
        'It is a stretch.', id='us-state-as-place'),
    pytest.param(
        'CRICKET - LEICESTERSHIRE TAKE OVER AT TOP AFTER INNINGS VICTORY .\nLONDON 1996-08-30\n'
        'West Indian all-rounder Phil Simmons took four wickets .', None,
        ('LONDON 1996-08-30', 'London', None, 'GBR', 'Europe/London', '1996-08-30', ()),
        'CRICKET - LEICESTERSHIRE TAKE OVER AT TOP AFTER INNINGS VICTORY .\n'
        'West Indian all-rounder Phil Simmons took four wickets .', id='conll-line'),
    pytest.param(
        'Tripoli decks out for celebrations .\nMona Eltahawy\nTRIPOLI 1996-08-30\nLibyans are ready .', None,
        ('TRIPOLI 1996-08-30', 'Tripoli', None, 'LBY', 'Africa/Tripoli', '1996-08-30', ()),
        'Tripoli decks out for celebrations .\nMona Eltahawy\nLibyans are ready .', id='conll-after-byline'),
    pytest.param(
        'Shares rise on merger .\nFARMINGTON HILLS , Mich .\n1996-08-30\nShares rose .', None,
        ('FARMINGTON HILLS , Mich .\n1996-08-30', 'Farmington Hills', 'Mich .', 'USA', 'America/Detroit',
         '1996-08-30', ()),
        'Shares rise on merger .\nShares rose .', id='conll-two-lines'),
    pytest.param(
        'SOCCER - BARATELLI TO COACH NICE .\nNICE , France 1996-08-30\nHe signed .', None,
        ('NICE , France 1996-08-30', 'Nice', 'France', 'FRA', 'Europe/Paris', '1996-08-30', ()),
        'SOCCER - BARATELLI TO COACH NICE .\nHe signed .', id='conll-region'),
]


@pytest.mark.parametrize('text, published, expected, body', DATELINES)
def test_parse_dateline(text, published, expected, body):
    dateline = parse_dateline(text, published)
    assert dateline is not None
    raw, city, region, country, timezone, date, credits = expected
    assert (dateline.raw, dateline.city, dateline.region, dateline.country, dateline.timezone,
            dateline.date, dateline.credits) == (raw, city, region, country, timezone, date, credits)
    assert text[dateline.start:dateline.end].strip() == raw
    assert remove_dateline(text, dateline) == body


@pytest.mark.parametrize('text', [
    pytest.param('', id='empty'),
    pytest.param('   \n\t  ', id='whitespace-only'),
    pytest.param('Exclusive – Tolerance has long been practised here.', id='exclusive-kicker'),
    pytest.param('ANALYSIS – The deal is fragile.', id='analysis-kicker'),
    pytest.param('Op-Ed – The deal is fragile.', id='op-ed-kicker'),
    pytest.param('INTERVIEW - The minister explains.', id='interview-kicker'),
    pytest.param('UPDATE 2-Oil prices climb on supply fears.', id='update-kicker'),
    pytest.param('CRICKET - LEICESTERSHIRE TAKE OVER AT TOP AFTER INNINGS VICTORY .\n'
                 'Leicestershire beat Somerset by an innings .', id='headline-with-dash'),
    pytest.param('Oil Minister Kazem Vaziri Hamaneh said on Monday that output rose.', id='sentence-start'),
    pytest.param('Tehran-based firms signed the deal on Monday.', id='hyphenated-adjective'),
    pytest.param('Egypt -- the most populous Arab state -- voted.', id='parenthetical-dash'),
    pytest.param('The envoy said talks would go on.\n\nTEHRAN – The ministry replied on Monday.',
                 id='dateline-like-mid-article'),
    pytest.param('Officials met in the capital. KABUL, March 3 - was the dateline of the memo.',
                 id='dateline-like-mid-sentence'),
    pytest.param('Major – a short word for a big idea.', id='small-town-word'),
])
def test_no_dateline(text):
    assert parse_dateline(text, '2019-09-13') is None


@pytest.mark.parametrize('text, published, date', [
    pytest.param('WASHINGTON, Dec 31 - Markets closed.', '2020-01-01', '2019-12-31', id='dec-published-jan'),
    pytest.param('WASHINGTON, Jan 1 - Markets opened.', '2019-12-31', '2020-01-01', id='jan-published-dec'),
    pytest.param('WASHINGTON, Dec 31 - Markets closed.', '2020-01-01T03:00:00+00:00', '2019-12-31',
                 id='aware-published'),
    pytest.param('HOUSTON, Feb 26 - Oil rose.', None, None, id='no-year-no-published'),
    pytest.param('TEHRAN – The ministry replied.', None, None, id='undated-no-published'),
    pytest.param('HOUSTON, Feb 26 - Oil rose.', 'not a date', None, id='unreadable-published'),
    pytest.param('HOUSTON, Feb 30 , 1987 - Oil rose.', None, None, id='impossible-date'),
    pytest.param('HOUSTON, Feb 29 - Oil rose.', '2021-03-01', '2020-02-29', id='leap-day-from-year-before'),
    pytest.param('NEW YORK, Narch 2 - Shares fell.', '1987-03-02', '1987-03-02', id='month-typo'),
    pytest.param('TEHRAN – The ministry replied.', '2019-09-13T22:00:00+00:00', '2019-09-14',
                 id='undated-in-local-time'),
    pytest.param(' date 2019-09-13 TEHRAN – The ministry replied.', '2019-09-20', '2019-09-13',
                 id='label-beats-published'),
])
def test_dateline_date(text, published, date):
    dateline = parse_dateline(text, published)
    assert dateline is not None
    assert dateline.date == date


def test_only_the_head_is_read():
    text = 'x' * 400 + '\nTEHRAN – The ministry replied.'
    assert parse_dateline(text) is None


def test_remove_dateline_keeps_text_after_span():
    text = 'SEOUL (Reuters) – A united Korea could grow.'
    dateline = parse_dateline(text)
    assert isinstance(dateline, Dateline)
    assert text[dateline.end:] == 'A united Korea could grow.'
    assert remove_dateline(text, dateline) == text[dateline.end:]
