"""Entity keys (transforms.core.entity_keys) and the Phoenix name index (transforms.core.names), on a
hand-made dictionary of invented actors (the shipped one is only used for places)."""
import pytest

from schemas.records import EntityMention
from transforms.core.entity_keys import KeyMaker, entity_keys, keys_by_name, normalised_name
from transforms.core.event_rules import DatedCode, PhoenixActor
from transforms.core.names import ORG, PERSON, PLACE, PhoenixNames, actor_kind

ACTORS = (
    PhoenixActor(('RUDOLF RASSENDYLL', 'RUDOLF VON RASSENDYLL'),
                 (DatedCode('RURGOV', '2013-08-15', None), DatedCode('RURGOV', '2003-01-01', '2007-07-31'))),
    PhoenixActor(('MARTA RASSENDYLL',), (DatedCode('RURGOVLEG', '1990-01-01', '1999-12-31'),)),
    PhoenixActor(('OLGA STREL',), (DatedCode('RURGOV', '2015-01-01', None),)),
    PhoenixActor(('IVAN STREL',), (DatedCode('RURMIL', '2015-01-01', None),)),
    PhoenixActor(('PIOTR BROM',), (DatedCode('RURGOV', '2015-01-01', None),)),
    PhoenixActor(('RURITANIA', 'STRELSAU'), (DatedCode('RUR', None, None),)),
    PhoenixActor(('ZENDA ARMY',), (DatedCode('RURMIL', None, None),)),
    PhoenixActor(('INTERNATIONAL OLIVE AGENCY',), (DatedCode('IGOAGRIOA', None, None),)),
    PhoenixActor(('IOA',), (DatedCode('IGOAGRIOA', None, None),)),
    # The dictionaries file people under organisations and organisations under people.
    PhoenixActor(('ZENDA BROTHERHOOD', 'SHEIKH OSRA VALK', 'ZB'), (DatedCode('RURREB', None, None),)),
    PhoenixActor(('MICHAEL ELPHBERG', 'ELPHBERG', 'ELPHBERG REGIME'), (DatedCode('RURGOV', None, None),)),
    PhoenixActor(('ANNA HEATH',), (DatedCode('RURGOV', '2015-01-01', None),)),
)
COMMON = {'bromide': 'noun', 'heath': 'noun'}


@pytest.fixture(name='maker', scope='module')
def fixture_maker():
    return KeyMaker(PhoenixNames(ACTORS), is_common_word=COMMON.get)


@pytest.mark.parametrize('actor, kind', [
    (ACTORS[0], PERSON), (ACTORS[5], PLACE), (ACTORS[6], ORG), (ACTORS[7], ORG),
])
def test_actor_kinds_come_from_codes_and_names(actor, kind):
    assert actor_kind(actor) == kind


@pytest.mark.parametrize('name, label', [
    ('Zenda Brotherhood', 'ORG'), ('ZB', 'ORG'), ('Sheikh Osra Valk', None), ('Elphberg', None),
    ('Elphberg Regime', 'ORG'), ('Rudolf Rassendyll', 'PERSON'), ('Rassendyll', None), ('Strelsau', None),
])
def test_what_a_dictionary_name_is_for_the_ner(name, label):
    assert PhoenixNames(ACTORS).label_of(name) == label


def test_a_person_filed_under_an_organisation_gets_no_key_of_it(maker):
    assert maker.key('Sheikh Osra Valk', 'PERSON', '2016-01-01') == 'name:osra valk'
    assert maker.key('Michael Elphberg', 'PERSON', '2016-01-01') == 'phoenix:MICHAEL_ELPHBERG'
    assert maker.key('Zenda Brotherhood', 'ORG', None) == maker.key('ZB', 'ORG', None) == 'phoenix:ZENDA_BROTHERHOOD'


def test_an_acronym_listed_apart_takes_the_organisation_id():
    names = PhoenixNames(ACTORS)
    assert {a.actor_id for a in names.by_name('IOA')} == {'INTERNATIONAL_OLIVE_AGENCY'}


@pytest.mark.parametrize('name, label, date, key', [
    # The full name, in any spelling of case and accents, with or without a title.
    ('Rudolf Rassendyll', 'PERSON', '2016-05-01', 'phoenix:RUDOLF_RASSENDYLL'),
    ('President Rudolf von Rassendyll', 'PERSON', None, 'phoenix:RUDOLF_RASSENDYLL'),
    # The surname alone, or with a first name, fits one person in office at the date.
    ('Rassendyll', 'PERSON', '2016-05-01', 'phoenix:RUDOLF_RASSENDYLL'),
    ('Rassendyll', 'PERSON', '1995-05-01', 'phoenix:MARTA_RASSENDYLL'),
    ('Rudolf Rassendyll', 'PERSON', '1995-05-01', 'phoenix:RUDOLF_RASSENDYLL'),
    # Nobody of that name in office then, or no date to tell between two of that surname: the name itself.
    ('Rassendyll', 'PERSON', '2010-05-01', 'name:rassendyll'),
    ('Rassendyll', 'PERSON', None, 'name:rassendyll'),
    # Without a date, a surname only one dictionary person has is that person, unless it is a word.
    ('Brom', 'PERSON', None, 'phoenix:PIOTR_BROM'),
    ('Piotr Brom', 'PERSON', None, 'phoenix:PIOTR_BROM'),
    ('Bromm', 'PERSON', None, 'name:bromm'),
    ('Heath', 'PERSON', None, 'name:heath'),
    ('Heath', 'PERSON', '2016-05-01', 'phoenix:ANNA_HEATH'),
    # Two people of that surname in office: ambiguous.
    ('Strel', 'PERSON', '2016-01-01', 'name:strel'),
    ('Olga Strel', 'PERSON', '2016-01-01', 'phoenix:OLGA_STREL'),
    # Typing slips: a letter doubled, dropped or two swapped; a changed letter is another name.
    ('Rassendyl', 'PERSON', '2016-05-01', 'phoenix:RUDOLF_RASSENDYLL'),
    ('Rassendylll', 'PERSON', '2016-05-01', 'phoenix:RUDOLF_RASSENDYLL'),
    ('Rassnedyll', 'PERSON', '2016-05-01', 'phoenix:RUDOLF_RASSENDYLL'),
    ('Rassendull', 'PERSON', '2016-05-01', 'name:rassendull'),
    ('Brum', 'PERSON', '2016-05-01', 'name:brum'),          # too short for a slip
    ('Bromide', 'PERSON', '2016-05-01', 'name:bromide'),    # a word, not a slip
    # Organisations by name or acronym; places by the gazetteer.
    ('the International Olive Agency', 'ORG', None, 'phoenix:INTERNATIONAL_OLIVE_AGENCY'),
    ('IOA', 'ORG', None, 'phoenix:INTERNATIONAL_OLIVE_AGENCY'),
    ('Tehran', 'GPE', None, 'geonames:112931'),
    ('U.S.', 'GPE', None, 'geonames:6252001'),
    ('the Ruritanian Harbour Board', 'ORG', None, 'name:ruritanian harbour board'),
    ('Wednesday', 'DATE', None, None),
])
def test_keys(maker, name, label, date, key):
    assert maker.key(name, label, date) == key


@pytest.mark.parametrize('name, label, normalised', [
    ('Mohammad-Javad Zárif', 'PERSON', 'mohammad javad zarif'),
    ('Dr. Olga Strel', 'PERSON', 'olga strel'),
    ('President', 'PERSON', 'president'),
    ("the People’s Bank", 'ORG', 'peoples bank'),
    ('General Motors', 'ORG', 'general motors'),
])
def test_normalised_names(name, label, normalised):
    assert normalised_name(name, label) == normalised


def _mention(text, label, canonical):
    return EntityMention('a', text, text, label, canonical, 0, len(text), 0)


def test_mentions_of_one_entity_share_the_key_and_events_find_it_by_name(maker):
    mentions = [_mention('Rudolf Rassendyll', 'PERSON', 'Rudolf Rassendyll'),
                _mention('Rassendyll', 'PERSON', 'Rudolf Rassendyll'),
                _mention('Zenda Army', 'ORG', 'Zenda Army'), _mention('two', 'CARDINAL', 'two')]
    keys = entity_keys(mentions, '2016-05-01', maker)
    assert keys == ['phoenix:RUDOLF_RASSENDYLL', 'phoenix:RUDOLF_RASSENDYLL', 'phoenix:ZENDA_ARMY', None]
    by_name = keys_by_name([m._replace(entity_key=k) for m, k in zip(mentions, keys)])
    assert by_name['Rudolf Rassendyll'] == by_name['Rassendyll'] == 'phoenix:RUDOLF_RASSENDYLL'
    assert 'two' not in by_name


def test_the_dictionary_finds_countries_actors_and_places_after_in():
    import spacy  # pylint: disable=import-outside-toplevel
    from transforms.core.names import EntityDictionary  # pylint: disable=import-outside-toplevel
    nlp = spacy.blank('en')
    doc = nlp('Reading said the Zenda Army entered Iran , and talks began in Tehran ; Tehran denied it .')
    common = {'reading': 'noun', 'said': 'verb', 'entered': 'verb', 'talks': 'verb', 'began': 'verb'}
    found = EntityDictionary(PhoenixNames(ACTORS), common.get).matches(doc)
    assert [(doc[m.start:m.end].text, m.label, m.strength, m.locative) for m in found] == [
        ('Zenda Army', 'ORG', 'ACTOR', False), ('Iran', 'GPE', 'COUNTRY', False),
        ('Tehran', 'GPE', 'PLACE', True), ('Tehran', 'GPE', 'PLACE', False)]
