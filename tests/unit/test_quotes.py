"""Unit tests for transforms.core.quotes.find_quotes over texts written for them (NER from the real model)."""
import pytest

from tests.conftest import make_article
from transforms.core.entities import annotate
from transforms.core.model import load_ner
from transforms.core.quotes import find_quotes


def _quotes(text: str):
    return find_quotes(annotate(make_article('q1', text), load_ner()(text)))


def _fields(quote):
    return quote.speaker, quote.speaker_canonical, quote.verb, quote.quote


@pytest.mark.parametrize('text, expected', [
    # direct, curly, attribution after, speaker first
    ('“Iran attaches great significance to its ties with China,” Baqeri said.',
     ('Baqeri', 'Baqeri', 'said', 'Iran attaches great significance to its ties with China')),
    # direct, straight, verb first, title before the name
    ('"We will not give up," said Foreign Minister Wang Yi.',
     ('Wang Yi', 'Wang Yi', 'said', 'We will not give up')),
    # direct, attribution before with a colon
    ('Angela Merkel said: "The talks were useful and we will meet again."',
     ('Angela Merkel', 'Angela Merkel', 'said', 'The talks were useful and we will meet again.')),
    # indirect with 'that' and a listener
    ('Baqeri told reporters that relations with China have turned strategic.',
     ('Baqeri', 'Baqeri', 'told', 'relations with China have turned strategic.')),
    # indirect without 'that'
    ('Mohammad Hossein Baqeri says Iran attaches great significance to its ties.',
     ('Mohammad Hossein Baqeri', 'Mohammad Hossein Baqeri', 'says', 'Iran attaches great significance to its ties.')),
    # according to, at the end and at the start
    ('The ceasefire collapsed overnight, according to Reuters.',
     ('Reuters', 'Reuters', 'according to', 'The ceasefire collapsed overnight')),
    ('According to the World Health Organization, the outbreak is over.',
     ('World Health Organization', 'World Health Organization', 'According to', 'the outbreak is over.')),
    # an unnamed speaker is kept as written
    ('The top general said Iran and China are developing their cooperation.',
     ('The top general', None, 'said', 'Iran and China are developing their cooperation.')),
])
def test_quote_forms(text, expected):
    quotes = _quotes(text)
    assert [_fields(q) for q in quotes] == [expected]
    quote = quotes[0]
    assert text[quote.start_char:quote.end_char] == quote.quote
    assert quote.sentence_index == 0 and len(quote.quote_id) == 32


def test_multi_sentence_quote_and_pronoun_speaker():
    text = ('Mohammad Hossein Baqeri arrived in Beijing on Wednesday. '
            '“We have long-standing ties. We hope this visit is a turning point,” he said.')
    quotes = _quotes(text)
    assert [_fields(q) for q in quotes] == [(
        'Mohammad Hossein Baqeri', 'Mohammad Hossein Baqeri', 'said',
        'We have long-standing ties. We hope this visit is a turning point')]
    assert quotes[0].sentence_index == 1


def test_pronoun_takes_the_latest_person_speaker():
    text = ('“The region needs calm,” Li Zuocheng said. Baqeri arrived later. '
            'Reporters waited outside. He said that the visit was a success.')
    assert [(q.speaker_canonical, q.quote) for q in _quotes(text)] == [
        ('Li Zuocheng', 'The region needs calm'), ('Baqeri', 'the visit was a success.')]


@pytest.mark.parametrize('text', [
    'Relations have turned “strategic” since 2016.',   # scare quotes
    'The army withdrew from the town on Monday.',       # no speech
    'He said.',                                          # nothing reported
    '',
])
def test_no_quote(text):
    assert _quotes(text) == ()
