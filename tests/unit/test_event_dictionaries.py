"""Unit tests for the rule classes derived from the field's dictionaries.

``scripts/derive_rules.py`` (CAMEO verbs and patterns through CAMEO2PLOVER, Phoenix actors and
agents), the CAMEO pattern matcher of ``trigger_index`` and the dated Phoenix codes of
``actors``.  The dictionaries here are small ones written for these tests, in the upstream
formats, so nothing needs ``../shared``; sentences are written for these tests too.
"""
import importlib.util
import json
import pathlib

import pytest

from tests.conftest import ROOT, SHARED
from transforms.core.actors import PhoenixDictionary, code_at, dictionary_key
from transforms.core.event_rules import DatedCode, PhoenixActor, load_cameo_verbs, load_phoenix_actors
from transforms.core.model import load_parser
from transforms.core.trigger_index import TriggerIndex

_SPEC = importlib.util.spec_from_file_location('derive_rules', ROOT / 'scripts' / 'derive_rules.py')
derive_rules = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(derive_rules)

CAMEO_TEXT = '''# a verb dictionary in PETRARCH2's format
####### SYNONYM SETS #######

&ARMY
+TROOPS
+SOLDIERS
+ARMED_FORCES

####### VERB PATTERNS #######

---  GRUMBLE   [111]  ---
GRUMBLE
GROUSE {GROUSES GROUSED GROUSING }
+GRUMBLE_AT [112]
- * (ABOUT WEATHER)                                   [---]         # GRUMBLE
- * (TO PRESS)                                        [010]         # GRUMBLE

---  TROT   [---]  ---
TROT
- &ARMY *                                             [154]         # TROT
- * (TO {PEACE TALKS})                                [046:046]     # TROT
- * (INTO VILLAGE)                                    [:190]        # TROT

---  PONDER   [---]  ---
PONDER
- * OPTIONS                                           [012]         # PONDER

---  HALT   [---]  ---
HALT
- * STRIKE                                            [082]         # HALT
- * WORK                                              [143]         # HALT

---  UNBAR   [---]  ---
OPEN
- * BORDER                                            [050]         # OPEN

---  UNLOCK   [---]  ---
OPEN
- * BORDER                                            [080]         # OPEN
- * GATE                                              [080]         # OPEN

---  INSTRUCT   [---]  ---
INSTRUCT
- * (TO LEAVE)                                        [174]         # INSTRUCT

---  PRY   [---]  ---
PRY
- * (INTO NETWORK)                                    [176]         # PRY

######## TRANSFORMATIONS ##########
'''

PLOVER_TABLE = '''# CAMEO to PLOVER conversion table
04: CONSULT
046: CONSULT,   , diplomatic    # Engage in negotiation
050: SUPPORT,   ,   diplomatic # Engage in diplomatic cooperation
08: CONCEDE
080: CONCEDE,   ,  # Yield
082: CONCEDE,   , democracy # Ease political dissent
08: RETREAT
09: ACCUSE
090: ACCUSE, investigate,  # Investigate
100: REQUEST,  ,  # REQUEST
111: ACCUSE, disapprove,    # Criticize or denounce
112: ACCUSE, disapprove,    # Accuse
143: PROTEST, boycott ,      # Conduct strike or boycott
154: MOBILIZE, troops, military # Mobilize or increase armed forces

17: COERCE
171: COERCE, seize, human_security    # Seize or damage property
174: COERCE, deport, legal            # Expel or deport individuals
'''

ACTORS_TEXT = '''# Phoenix-style actors
ZEMBLA_  [ZMB]
+ZEMBLAN_CAPITAL_
ODON_KRAVETZ_  # leader, then minister
+PRESIDENT_KRAVETZ
+MR._KRAVETZ
\t[ZMBELI 450101-950301]
\t[ZMBGOV 950301-031231]
\t[ZMBGOVLEG >20040101]
LEAGUE_OF_QUIET_NATIONS_ [IGOLQN]
ACME_ROCKETS_INC_ [MNCZMB]
'''

AGENTS_TEXT = '''!PERSON! = MAN, MEN
COAST_GUARD [~MIL]
RIOT_POLICE {} [~COP]
HILL!PERSON! [~REB]
TRUCE_MONITOR [IGO~]
'''


def _write(tmp_path: pathlib.Path, name: str, text: str) -> pathlib.Path:
    path = tmp_path / name
    path.write_text(text, encoding='utf-8')
    return path


@pytest.fixture(name='derived')
def fixture_derived(tmp_path):
    lexicons = tmp_path / 'lexicons'
    out = tmp_path / 'rules'
    lexicons.mkdir()
    out.mkdir()
    _write(lexicons, 'CAMEO.2.0.txt', CAMEO_TEXT)
    _write(lexicons, 'CAMEO2PLOVER-2021.txt', PLOVER_TABLE)
    for name in ('Phoenix.Countries.actors.txt', 'Phoenix.International.actors.txt', 'Phoenix.MilNonState.actors.txt'):
        _write(lexicons, name, ACTORS_TEXT if 'Countries' in name else '')
    _write(lexicons, 'Phoenix.agents.txt', AGENTS_TEXT)
    assert derive_rules.main(['--lexicons', str(lexicons), '--out', str(out)]) == 0
    return out


def _lines(path: pathlib.Path) -> list:
    return [json.loads(line) for line in path.read_text(encoding='utf-8').splitlines()]


def test_cameo2plover_translates_2021_names_to_the_projects_types(tmp_path):
    table = derive_rules.read_cameo2plover(_write(tmp_path, 't.txt', PLOVER_TABLE))
    assert table['090'] == ('INVESTIGATE', None)
    assert table['100'] == ('DEMAND', None)
    assert table['112'] == ('DISAPPROVE', None)
    assert table['154'] == ('MOBILIZE', 'troops')
    # A code the table lacks takes its 3-digit parent's translation; an unknown one none.
    assert derive_rules.plover_of('1541', table) == ('MOBILIZE', 'troops')
    assert derive_rules.plover_of('012', table) is None
    # A code whose parent the table lacks too takes its root's heading, when the headings name one type:
    # 176 is COERCE; 08 is headed CONCEDE and RETREAT, so 089 has none; ACCUSE at 09 is what its codes are.
    assert derive_rules.plover_of('176', table) == ('COERCE', None)
    assert derive_rules.plover_of('089', table) is None
    assert derive_rules.plover_of('099', table) == ('INVESTIGATE', None)


def test_derived_verbs_keep_provenance_codes_and_blocking_lines(derived):
    header, *rules = _lines(derived / 'cameo_verbs.jsonl')
    assert header['rules'] == 'newsbeam.cameo_verbs' and header['version'] == 1
    assert [(s['file'], s['repository'], s['commit']) for s in header['sources']] == [
        ('CAMEO.2.0.txt', 'openeventdata/petrarch2', '676801cd'),
        ('CAMEO2PLOVER-2021.txt', 'openeventdata/PLOVER', '5e0c24fb')]
    verbs = {(r['lemma'], tuple(r.get('phrase', ()))): r for r in rules if r['kind'] == 'verb'}
    assert verbs[('grumble', ())]['type'] == 'DISAPPROVE'
    assert verbs[('grumble', ('at',))]['cameo'] == '112'
    assert verbs[('grouse', ())]['forms'] == ['groused', 'grouses', 'grousing']
    patterns = [(r['block'], r.get('before'), r.get('after'), r['cameo'], r['type'])
                for r in rules if r['kind'] == 'pattern']
    assert ('GRUMBLE', None, ['(about', 'weather'], None, None) in patterns      # [---]: no event
    assert ('GRUMBLE', None, ['(to', 'press'], '010', None) in patterns          # a comment: not PLOVER
    assert ('TROT', ['&ARMY'], None, '154', 'MOBILIZE') in patterns
    assert ('TROT', None, ['(to', 'peace', 'talks'], '046', 'CONSULT') in patterns
    # '[:190]' names the target's event, not the subject's: no event for the subject.
    assert ('TROT', None, ['(into', 'village'], None, None) in patterns
    # A code the table lists under its root only: 'PRY * (INTO NETWORK)' [176] is COERCE.
    assert ('PRY', None, ['(into', 'network'], '176', 'COERCE') in patterns
    # A block none of whose lines maps to PLOVER is left out.
    assert 'ponder' not in {lemma for lemma, _ in verbs}
    assert {'kind': 'synset', 'name': 'ARMY', 'words': ['troops', 'soldiers', 'armed forces']} in rules


def test_derived_actors_have_dated_codes_and_no_companies(derived):
    header, *actors = _lines(derived / 'phoenix_actors.jsonl')
    assert header['rules'] == 'newsbeam.phoenix_actors' and header['sources'][0]['licence'].startswith('MIT')
    by_name = {a['names'][0]: a for a in actors}
    assert by_name['ZEMBLA'] == {'names': ['ZEMBLA', 'ZEMBLAN CAPITAL'], 'codes': [['ZMB', None, None]]}
    # YYMMDD years 00-30 are 20YY, others 19YY; '>' opens a range.  A code keeps what the resolver
    # reads: its country and first role ('ZMBGOVLEG' -> 'ZMBGOV').
    assert by_name['ODON KRAVETZ']['codes'] == [
        ['ZMBELI', '1945-01-01', '1995-03-01'], ['ZMBGOV', '1995-03-01', '2003-12-31'], ['ZMBGOV', '2004-01-01', None]]
    assert by_name['LEAGUE OF QUIET NATIONS']['codes'] == [['IGO', None, None]]
    assert 'ACME ROCKETS INC' not in by_name
    # Each upstream file's lines, as provenance (line 1 is the header).
    assert [(s['file'], s['lines']) for s in header['sources']] == [
        ('Phoenix.Countries.actors.txt', [2, 4]), ('Phoenix.International.actors.txt', [5, 4]),
        ('Phoenix.MilNonState.actors.txt', [5, 4])]
    header, *agents = _lines(derived / 'phoenix_agents.jsonl')
    assert {'agent': 'hillmen', 'role': 'REB'} in agents and {'agent': 'riot police', 'role': 'COP'} in agents
    assert {'agent': 'coast guards', 'role': 'MIL'} in agents
    assert {'agent': 'truce monitor', 'role': None, 'country': 'IGO'} in agents


@pytest.mark.parametrize('code, kept', [
    ('IRNGOVLEG', 'IRNGOV'), ('IGOUNOLABILO', 'IGOLAB'), ('IGOUNO', 'IGO'), ('ELI', 'ELI'), ('MEAREBSEP', 'MEAREB'),
    ('USA', 'USA'),
])
def test_actor_codes_keep_what_the_resolver_reads(code, kept):
    from transforms.core.actors import _ROLES, actor_code  # pylint: disable=import-outside-toplevel
    assert derive_rules.CAMEO_ROLES == _ROLES
    assert derive_rules.resolver_code(code) == kept
    full, short = actor_code(code), actor_code(kept)
    assert (full.country, full.role) == (short.country, short.role)


@pytest.mark.parametrize('date, code, country, role', [
    ('1990-06-01', 'ZMBELI', 'ZMB', 'ELI'),
    ('2000-06-01', 'ZMBGOV', 'ZMB', 'GOV'),
    ('2010-06-01', 'ZMBGOVLEG', 'ZMB', 'GOV'),
    # Before any range and with no undated code: the country its codes share, no role.
    ('1900-01-01', 'ZMB', 'ZMB', None),
])
def test_phoenix_code_at_the_articles_date(date, code, country, role):
    codes = (DatedCode('ZMBELI', '1945-01-01', '1995-03-01'), DatedCode('ZMBGOV', '1995-03-01', '2003-12-31'),
             DatedCode('ZMBGOVLEG', '2004-01-01', None))
    found = code_at(codes, date)
    assert (found.code, found.country, found.role) == (code, country, role)


def test_phoenix_names_match_printed_variants_and_agents_give_roles():
    phoenix = PhoenixDictionary(
        [PhoenixActor(('ODON KRAVETZ', 'PRESIDENT KRAVETZ'), (DatedCode('ZMBGOV', '1995-03-01', '2003-12-31'),)),
         PhoenixActor(('LEAGUE OF QUIET NATIONS', 'L.Q.N.'), (DatedCode('IGOLQN', None, None),)),
         PhoenixActor(('KRAVETZ',), (DatedCode('ZMB', None, None),)),
         PhoenixActor(('KRAVETZ',), (DatedCode('FRA', None, None),))],
        {'riot police': ('COP', None), 'truce monitors': (None, 'IGO')})
    assert dictionary_key('the L.Q.N.') == 'LQN'
    assert phoenix.actor('President Kravetz', '2001-05-05').role == 'GOV'
    assert phoenix.actor('The League of Quiet Nations').country == 'IGO'
    # A name two actors of different countries share is no answer.
    assert phoenix.actor('Kravetz') is None
    assert phoenix.agent('the armed riot police'.split()) == ('COP', None)
    assert phoenix.agent('two truce monitors'.split()) == (None, 'IGO')


def _cameo_index(tmp_path, derived) -> TriggerIndex:
    return TriggerIndex((), load_cameo_verbs(str(derived / 'cameo_verbs.jsonl')))


@pytest.mark.parametrize('text, word, expected', [
    # A pattern word before the verb must say what the subject is.
    ('The troops trotted along the ridge.', 'trotted', ('MOBILIZE', 'troops')),
    ('The chief of the armed forces trotted along the ridge.', 'trotted', None),
    # A prepositional pattern needs the preposition on the verb, with its words after it.
    ('The envoys trotted to peace talks in the capital.', 'trotted', ('CONSULT', None)),
    ('The envoys trotted home to prepare for peace talks.', 'trotted', None),
    # The bare verb's own code is not used alone; its phrase counts ('grumble at').
    ('The mayor grumbled at the council.', 'grumbled', ('DISAPPROVE', None)),
    ('The mayor grumbled.', 'grumbled', None),
    # A '(to' phrase of a verb is also its infinitive complement ('* (TO LEAVE)'), the one the pattern names.
    ('The governor instructed the envoys to leave the island.', 'instructed', ('COERCE', 'deport')),
    ('The governor instructed the envoys to stay.', 'instructed', None),
])
def test_cameo_patterns_on_the_parse(tmp_path, derived, text, word, expected):
    index = _cameo_index(tmp_path, derived)
    doc = load_parser()(text)
    token = next(t for t in doc if t.text == word)
    found = index.match(token)
    assert (found.event_type, found.mode) == expected if expected else found is None


@pytest.mark.parametrize('text, word, expected', [
    # Of equally long matches, the one whose word hangs closest to the verb: its object, not a phrase below it.
    ('The workers halted work on the first day of a strike.', 'halted', ('PROTEST', 'boycott')),
    ('The workers halted their strike.', 'halted', ('CONCEDE', None)),
    # Where the dictionary files the same match under two types, it codes nothing.
    ('Zembla opened the border.', 'opened', None),
    ('Zembla opened the gate.', 'opened', ('CONCEDE', None)),
])
def test_cameo_ties_go_to_the_closest_match_and_contradictions_code_nothing(tmp_path, derived, text, word, expected):
    index = _cameo_index(tmp_path, derived)
    doc = load_parser()(text)
    found = index.match(next(t for t in doc if t.text == word))
    assert (found.event_type, found.mode) == expected if expected else found is None


def test_a_cameo_pattern_naming_the_object_beats_a_bare_hand_word_of_another_type(tmp_path, derived):
    from transforms.core.event_rules import Trigger  # pylint: disable=import-outside-toplevel
    hand = (Trigger('halt', 'SANCTION', None, ('VERB',), None, ()),)
    index = TriggerIndex(hand, load_cameo_verbs(str(derived / 'cameo_verbs.jsonl')))
    found = index.match(load_parser()('The workers halted work.')[2])
    assert (found.event_type, found.source) == ('PROTEST', 'cameo')
    found = index.match(load_parser()('The ministers halted the talks.')[2])
    assert (found.event_type, found.source) == ('SANCTION', 'hand')


def test_cameo_blocking_pattern_overrides_a_hand_line(tmp_path, derived):
    from transforms.core.event_rules import Trigger  # pylint: disable=import-outside-toplevel
    hand = (Trigger('grumble', 'DISAPPROVE', None, ('VERB',), None, ()),)
    index = TriggerIndex(hand, load_cameo_verbs(str(derived / 'cameo_verbs.jsonl')))
    doc = load_parser()('The farmers grumbled about the weather.')
    assert index.match(doc[2]) is None           # CAMEO [---]: no event at all
    doc = load_parser()('The farmers grumbled to the press.')
    assert index.match(doc[2]).source == 'hand'  # CAMEO 010: a comment PLOVER drops, the hand line stands


def test_cameo_verb_needs_a_pattern_word_to_make_its_sentence_a_candidate(tmp_path, derived):
    index = _cameo_index(tmp_path, derived)
    assert index.hits('The troops trotted on.') == [11]
    assert index.hits('The pony trotted on.') == []


def test_shipped_rule_files_are_derived_with_provenance():
    for name, rules in (('cameo_verbs.jsonl', 'newsbeam.cameo_verbs'), ('phoenix_actors.jsonl', 'newsbeam.phoenix_actors'),
                        ('phoenix_agents.jsonl', 'newsbeam.phoenix_agents')):
        with (ROOT / 'seeds' / 'rules' / name).open(encoding='utf-8') as handle:
            header = json.loads(handle.readline())
        assert header['rules'] == rules and 'scripts/derive_rules.py' in header['doc']
        assert all(source['repository'] and source['commit'] and source['licence'] for source in header['sources'])
    assert load_phoenix_actors()[0].codes


@pytest.mark.skipif(not (SHARED / 'lexicons' / 'CAMEO.2.0.txt').is_file(), reason='needs ../shared/lexicons')
def test_shipped_files_are_what_the_script_derives(tmp_path):
    assert derive_rules.main(['--out', str(tmp_path)]) == 0
    for name in ('cameo_verbs.jsonl', 'phoenix_actors.jsonl', 'phoenix_agents.jsonl'):
        assert (tmp_path / name).read_bytes() == (ROOT / 'seeds' / 'rules' / name).read_bytes(), name
