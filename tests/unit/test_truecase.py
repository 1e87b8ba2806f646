"""Case restoration of capitals lines (transforms.core.truecase), with a small hand-made lexicon."""
import pytest

from transforms.core.truecase import CaseLexicon, is_capitals_line, restore_case

COUNTRIES = {'freedonia', 'sylvania'}
PLACES = COUNTRIES | {'port yorick', 'ashbury'}
LEXICON = CaseLexicon(
    function_words={'the', 'in', 'at', 'of', 'a', 'to', 'after', 'over'},
    common_words={'talk': 'verb', 'stall': 'verb', 'new': 'verb', 'vote': 'noun', 'minister': 'noun',
                  'harbour': 'noun', 'win': 'verb', 'strike': 'verb', 'sylvania': 'noun', 'say': 'verb',
                  'fall': 'verb', 'end': 'verb'},
    lemma_rules=(('s', ''), ('ed', ''), ('es', '')),
    exceptions={'men': 'noun'},
    capitalised=lambda word: word in COUNTRIES or word in {'monday', 'freedonian'},
    is_name=lambda words: words in PLACES)


def test_a_capitals_headline_reads_like_ordinary_copy():
    text = 'FREEDONIA TALKS STALL AFTER SYLVANIA VOTE\nThe talks went on.'
    assert restore_case(text, LEXICON) == 'Freedonia talks stall after Sylvania vote\nThe talks went on.'


def test_length_and_other_lines_are_kept():
    text = 'Ministers met in Ashbury on Monday.\nPORT YORICK STRIKE ENDS\nMore later.'
    restored = restore_case(text, LEXICON)
    assert len(restored) == len(text)
    assert restored.split('\n')[0] == text.split('\n')[0]
    assert restored.split('\n')[1] == 'Port Yorick strike ends'


def test_the_article_says_how_a_word_is_printed():
    # 'Quorvex' is unknown to the lexicon; the article prints it capitalised, 'GDP' in capitals.
    text = 'QUORVEX SAYS GDP FELL\nThe figures from Quorvex show that GDP fell again.'
    assert restore_case(text, LEXICON).split('\n')[0] == 'Quorvex says GDP fell'


def test_kicker_and_dash_start_a_new_part_of_the_headline():
    assert restore_case('VOTE - FREEDONIAN MINISTER WINS', LEXICON) == 'Vote - Freedonian minister wins'


@pytest.mark.parametrize('line, expected', [
    ('W L PCT GB', True),              # a table's header
    ('ASHBURY 12 4 .750', True),       # a table's row
    ('The NATO summit opened.', False),
    ('UN', False),                     # too little to tell
    ('', False),
])
def test_capitals_lines(line, expected):
    assert is_capitals_line(line) == expected


def test_a_letter_whose_case_changes_its_length_stays_as_printed():
    text = 'İSTANBUL TALKS STALL'
    restored = restore_case(text, LEXICON)
    assert len(restored) == len(text)
    assert restored.endswith('talks stall')


def test_text_without_capitals_lines_is_returned_as_is():
    text = 'Nothing here is shouted. NATO met.'
    assert restore_case(text, LEXICON) is text
