"""Unit tests for the PLOVER event rules (transforms/core/, transforms/events.py).

Texts are written for these tests.  Roles come from the real parser, as in the pipeline:
the entity stage's NER and sentence starts, the time-expression stage's dates, then
``extract_events_batch``.
"""
import json

import pytest

from schemas.records import AnnotatedArticle
from tests.conftest import make_article
from transforms.core.entities import annotate
from transforms.core.events import extract_events_batch
from transforms.core.event_rules import QUAD_CLASSES, load_plover_lexicon
from transforms.core.actors import default_resolver, division_country
from transforms.core.sentences import candidates
from transforms.core.trigger_index import TriggerIndex, default_index, inflections
from transforms.core.model import DEFAULT_MODEL, load_ner, load_parser
from transforms.core.time_expressions import find_time_expressions


def _annotated(text: str, dateline_date: str = None) -> AnnotatedArticle:
    article = make_article('a1', text, dateline_date=dateline_date)
    annotated = annotate(article, load_ner()(text))
    times = find_time_expressions(text, dateline_date, 'a1', annotated.sentence_starts)
    return annotated._replace(time_expressions=tuple(times))


def extract_events(annotated: AnnotatedArticle, nlp, index=None):
    """One article's ArticleEvents, through the batch function the pipeline runs."""
    [found] = extract_events_batch([annotated], nlp, index)
    if isinstance(found, Exception):
        raise found
    return found


def _events(text: str, dateline_date: str = None):
    return extract_events(_annotated(text, dateline_date), load_parser()).events


def _coded(text: str):
    """(type, trigger) of each event of a text."""
    return [(e.event_type, e.trigger) for e in _events(text)]


def _only(text: str, dateline_date: str = None):
    events = _events(text, dateline_date)
    assert len(events) == 1, events
    return events[0]


@pytest.mark.parametrize('text, event_type, mode, trigger', [
    ('Iran and China agreed to expand their military ties.', 'AGREE', None, 'agreed'),
    ('The two presidents held talks with the envoy.', 'CONSULT', 'meet', 'held talks'),
    ('Baqeri visited China last week.', 'CONSULT', 'visit', 'visited'),
    ('Russian troops shelled the town of Avdiivka.', 'ASSAULT', 'heavy-weapons', 'shelled'),
    ('Thousands of students protested against the government.', 'PROTEST', 'demo', 'protested'),
    ('The European Union imposed sanctions on Russia.', 'SANCTION', None, 'imposed sanctions'),
    ('Germany condemned the attack on the embassy.', 'DISAPPROVE', None, 'condemned'),
    ('Police arrested three journalists.', 'COERCE', 'arrest', 'arrested'),
    ('Japan donated medical supplies to Nepal.', 'AID', 'economic', 'donated'),
    ('Israel rejected the proposal.', 'REJECT', None, 'rejected'),
    ('North Korea threatened to attack South Korea.', 'THREATEN', None, 'threatened'),
    ('The opposition called on the president to resign.', 'DEMAND', None, 'called on'),
    ('Prosecutors investigated the minister.', 'INVESTIGATE', None, 'investigated'),
    # PLOVER: a cooperative act announced for the future is an AGREE, a conflictual one a THREATEN.
    ('Syria will withdraw its troops from Lebanon.', 'AGREE', None, 'withdraw'),
    ('The farmers said they would blockade Paris.', 'THREATEN', 'restrict', 'blockade'),
])
def test_trigger_type_mode(text, event_type, mode, trigger):
    event = _only(text)
    assert (event.event_type, event.event_mode, event.trigger) == (event_type, mode, trigger)
    assert event.quad_class == QUAD_CLASSES[event_type]


@pytest.mark.parametrize('text, event_type, mode, trigger', [
    # PLOVER's RETREAT is 'retreat or surrender militarily' (CAMEO2PLOVER 0874).
    ('About two hundred guerrillas surrendered near the border.', 'RETREAT', 'disarm', 'surrendered'),
    # A verb trigger's nominalisation codes as the verb does, here under a light verb.
    ('Italy announced the suspension of all flights to Belgrade.', 'SANCTION', 'sever', 'suspension'),
    ('The army began the evacuation of its bases in the south.', 'RETREAT', 'withdraw', 'evacuation'),
])
def test_surrender_and_nominalised_triggers(text, event_type, mode, trigger):
    event = _only(text)
    assert (event.event_type, event.event_mode, event.trigger) == (event_type, mode, trigger)


@pytest.mark.parametrize('text', [
    'The spokesman said nothing new.',            # a reporting verb is not an event
    'The minister told reporters about the weather.',
    'We hope this visit can be a turning point.',  # a trigger word with no participant
    '',
])
def test_no_event(text):
    assert _events(text) == ()


@pytest.mark.parametrize('text, actor, target', [
    ('Baqeri met with Li Zuocheng.', 'Baqeri', 'Li Zuocheng'),
    ('The embassy was attacked by protesters.', 'protesters', 'The embassy'),
    ('Iran and China agreed to cooperate.', 'Iran and China', None),
    ('Japan donated medical supplies to Nepal.', 'Japan', 'medical supplies'),
])
def test_roles(text, actor, target):
    event = _only(text)
    assert (event.actor, event.target) == (actor, target)


def test_conjoined_actor_keeps_the_text_and_the_head_entity():
    event = _only('Iran and China agreed to cooperate.')
    assert (event.actor, event.actor_canonical, event.actor_country) == ('Iran and China', 'Iran', 'IRN')


@pytest.mark.parametrize('text, negated', [
    ('The minister did not meet the envoy.', True),
    ('The army never attacked the village.', True),
    ('The minister met the envoy.', False),
])
def test_negation(text, negated):
    assert _only(text).negated is negated


@pytest.mark.parametrize('text, actor_country, target_country', [
    ('Hungarian officials met Romanian diplomats.', 'HUN', 'ROU'),
    ('The Chinese side rejected the plan.', 'CHN', None),
    ('Iranians protested against the United States.', 'IRN', 'USA'),
    ('The U.S. imposed sanctions on Iran.', 'USA', 'IRN'),
])
def test_countries_from_demonyms_and_names(text, actor_country, target_country):
    event = _only(text)
    assert (event.actor_country, event.target_country) == (actor_country, target_country)


def test_person_country_from_title_and_appositive_and_canonical_name():
    text = ('Iranian Armed Forces Chief of Staff Major General Mohammad Hossein Baqeri arrived on Tuesday. '
            'Baqeri met Li Zuocheng, the chief of China’s Joint Staff, in Beijing on Wednesday.')
    event = _only(text, '2019-09-13')
    assert (event.actor, event.actor_canonical, event.actor_country) == (
        'Baqeri', 'Mohammad Hossein Baqeri', 'IRN')
    assert (event.target, event.target_canonical, event.target_country) == ('Li Zuocheng', 'Li Zuocheng', 'CHN')
    assert (event.location, event.location_country) == ('Beijing', 'CHN')
    assert (event.event_date, event.date_text, event.date_granularity) == ('2019-09-11', 'Wednesday', 'day')
    assert (event.sentence_index, event.evidence) == (1, text[text.index('Baqeri met'):])
    assert text[event.start_char:event.end_char] == 'met'


def test_no_date_without_a_time_expression():
    event = _only('Baqeri met Li Zuocheng in Beijing.', '2019-09-13')
    assert (event.event_date, event.date_text, event.date_granularity) == (None, None, None)


def test_pronoun_actor_is_the_last_person_subject():
    event = _only('Mohammad Hossein Baqeri arrived in Beijing. He met Li Zuocheng.')
    assert (event.actor, event.actor_canonical) == ('Mohammad Hossein Baqeri', 'Mohammad Hossein Baqeri')


def test_pronoun_in_a_reported_clause_is_the_reporting_subject():
    event = _only('Norway says it will not accept the new quotas.')
    assert (event.event_type, event.actor, event.actor_country, event.negated) == ('REJECT', 'Norway', 'NOR', False)


@pytest.mark.parametrize('text, event_type, trigger, negated', [
    # A negated announcement of cooperation is a refusal (PLOVER REJECT), and so is a failure to cooperate ...
    ('Zembla will not accept the proposal.', 'REJECT', 'accept', False),
    ("The king won't pardon the rebels.", 'REJECT', 'pardon', False),
    ('The two envoys failed to reach an agreement.', 'REJECT', 'reach an agreement', False),
    # ... a past act that did not happen is no refusal; a conflictual one stays what it is, negated.
    ('The minister did not meet the envoy.', 'CONSULT', 'meet', True),
    ('The army did not attack the village.', 'ASSAULT', 'attack', True),
])
def test_negated_cooperation_announced_or_failed_is_a_refusal(text, event_type, trigger, negated):
    event = _only(text)
    assert (event.event_type, event.trigger, event.negated) == (event_type, trigger, negated)


@pytest.mark.parametrize('text', [
    # The to-infinitive of an intent verb is an intention, whether the parser calls it xcomp or advcl.
    'The rebels have sworn to fight until they win.',
    'The rebels vowed to fight until they win.',
])
def test_intended_conflict_is_a_threat(text):
    event = _only(text)
    assert (event.event_type, event.trigger, event.actor) == ('THREATEN', 'fight', 'The rebels')


@pytest.mark.parametrize('text, expected', [
    # An adverbial clause of time, cause or condition sets the scene: no event of its own.
    ('Officials were counting the damage after rebels attacked the convoy.', []),
    ('If the rebels attack the town, the army will respond.', []),
    ('The ministers left the hall as the police arrested the protesters.', []),
    # The main clause keeps its event.
    ('Zembla recalled its ambassador after rebels attacked the embassy.', [('SANCTION', 'recalled')]),
])
def test_scene_setting_clauses_hold_no_event(text, expected):
    assert _coded(text) == expected


@pytest.mark.parametrize('text, expected', [
    # Of coordinated clauses, the first with an event carries the sentence's event.
    ('The government praised the agreement and urged the rebels to disarm.', [('SUPPORT', 'praised')]),
    ('The mayor opened the fair and then the police arrested two men.', [('COERCE', 'arrested')]),
    # Coordinated triggers of the same event stay one event.
    ('The rebels attacked and shelled the town.', [('ASSAULT', 'attacked')]),
])
def test_one_event_per_coordination(text, expected):
    assert _coded(text) == expected


@pytest.mark.parametrize('text, expected', [
    # A demand verb that states a fact demands nothing; the mandative subjunctive or 'should' does.
    ('The minister insisted that the economy was growing.', []),
    ('The minister insisted that the rebels disarm.', [('DEMAND', 'insisted')]),
    ('The minister insisted that the rebels should disarm.', [('DEMAND', 'insisted')]),
])
def test_demand_verbs_that_state_a_fact_are_no_demand(text, expected):
    assert _coded(text) == expected


@pytest.mark.parametrize('text, expected', [
    # PLOVER manual: to sign an agreement is SUPPORT, to promise to sign one AGREE; the agreement
    # signed is the object of that event, not a second one.
    ('Norway and Sweden signed an agreement.', [('SUPPORT', 'signed')]),
    ('Norway and Sweden will sign an agreement.', [('AGREE', 'sign')]),
    # An offer of aid is the offer (AGREE), not aid given.
    ('Japan offered aid to Nepal.', [('AGREE', 'offered')]),
])
def test_a_noun_under_a_trigger_verb_is_its_object(text, expected):
    assert _coded(text) == expected


def test_reported_obligation_is_a_demand_on_the_clause_subject():
    event = _only('Russia said that Sudan must return the helicopter.')
    assert (event.event_type, event.trigger, event.actor, event.target, event.target_country) == (
        'DEMAND', 'must', 'Russia', 'Sudan', 'SDN')


def test_one_event_per_main_clause():
    events = _events('Iran refused to hold talks with the United States.')
    assert [(e.event_type, e.trigger) for e in events] == [('REJECT', 'refused')]


def test_event_id_is_stable():
    first, second = _only('Baqeri met Li Zuocheng.'), _only('Baqeri met Li Zuocheng.')
    assert first.event_id == second.event_id and len(first.event_id) == 32


def test_only_sentences_with_trigger_forms_are_parsed():
    text = 'The weather was fine. Baqeri met Li Zuocheng. Prices rose. Police detained two men.'
    annotated = _annotated(text)
    spans = [candidate.span for candidate in candidates(text, annotated.sentence_starts, default_index())]
    assert [text[s.start:s.end] for s in spans] == ['Baqeri met Li Zuocheng.', 'Police detained two men.']
    found = extract_events(annotated, load_parser())
    assert (found.sentences_parsed, found.sentences_total) == (2, 4)


@pytest.mark.parametrize('word, country', [
    ('Iranian', 'IRN'), ('Iranians', 'IRN'), ('Chinese', 'CHN'), ('U.S.', 'USA'), ('Kremlin', 'RUS'),
    ('Hungarian', 'HUN'), ('Tuesday', None),
])
def test_country_of_word(word, country):
    assert default_resolver().of_word(word) == country


def test_lexicon_is_versioned_data(tmp_path):
    triggers = load_plover_lexicon()
    assert {t.event_type for t in triggers} == set(QUAD_CLASSES)
    path = tmp_path / 'lexicon.jsonl'
    path.write_text(json.dumps({'rules': 'newsbeam.plover_lexicon', 'version': 2}) + '\n', encoding='utf-8')
    with pytest.raises(ValueError, match='expected header'):
        load_plover_lexicon(str(path))


def test_user_lexicon_line_adds_a_trigger(tmp_path):
    path = tmp_path / 'lexicon.jsonl'
    path.write_text('\n'.join(json.dumps(line) for line in (
        {'rules': 'newsbeam.plover_lexicon', 'version': 1},
        {'lemma': 'snub', 'type': 'REJECT'})) + '\n', encoding='utf-8')
    index = TriggerIndex(load_plover_lexicon(str(path)))
    annotated = _annotated('France snubbed the summit.')
    events = extract_events(annotated, load_parser(), index).events
    assert [(e.event_type, e.trigger, e.actor) for e in events] == [('REJECT', 'snubbed', 'France')]


# An unnamed group's country: where it acts, else the sentence's country (not the target's).
@pytest.mark.parametrize('text, actor, actor_country', [
    # 'the town of X' names a place even where NER calls X a nationality (Samarra: NORP).
    ('A roadside bomb near the town of Samarra killed two soldiers.', 'A roadside bomb near the town of Samarra', 'IRQ'),
    # A pronoun subject stands for the reporting clause's group, which gets the group's default.
    ('Gunmen said they attacked a police station in Mosul.', 'Gunmen', 'IRQ'),
])
def test_unnamed_group_country_from_the_sentence(text, actor, actor_country):
    event = _only(text)
    assert (event.actor, event.actor_country) == (actor, actor_country)


# A person introduced by a bare state title, whose country the article never states, holds the
# office in the country the sentence is about, never in the other party's.
@pytest.mark.parametrize('text, actor, actor_country', [
    ("Lt. Gen. Avril resigned to allow Haiti's first free elections.", 'Avril', 'HTI'),
    ('President Kagame threatened to impose a curfew in Kigali.', 'Kagame', 'RWA'),
    ('President Clinton imposed sanctions on Cuba, the White House said.', 'Clinton', 'USA'),
    # The other party's country is not the official's: target, 'against X', embedded objects.
    ('President Kostelnik threatened further action against Russia.', 'Kostelnik', None),
    ('President Kagame threatened to expel Ugandan diplomats.', 'Kagame', None),
    # A meeting's place says nothing of who met there.
    ('President Kostelnik met Putin in Moscow.', 'Kostelnik', None),
    # Without a title, or with one an organisation qualifies, nothing is guessed (names the
    # Phoenix dictionary does not know).
    ('Arvid Kostelnik imposed sanctions on Cuba, the White House said.', 'Arvid Kostelnik', None),
    # ... the organisation is the actor's side (CAMEO's IGO).
    ('U.N. Secretary-General Arvid Kostelnik threatened to withdraw inspectors from Iraq.', 'Arvid Kostelnik', 'IGO'),
])
def test_titled_official_country_from_the_sentence(text, actor, actor_country):
    event = _only(text)
    assert (event.actor, event.actor_country) == (actor, actor_country)


@pytest.mark.parametrize('text, actor, actor_country', [
    # 'ethnic X' names a people: it acts at home, where the sentence puts it ...
    ('Ethnic Albanians protested in Serbia.', 'Albanians', 'SRB'),
    ('Ethnic Russians in eastern Ukraine attacked a police station.', 'Russians', 'UKR'),
    # ... and keeps its people's country when the sentence names no other.
    ('Ethnic Albanians attacked a police station.', 'Albanians', 'ALB'),
])
def test_ethnic_group_country_is_where_it_lives(text, actor, actor_country):
    event = _only(text)
    assert (event.actor, event.actor_country) == (actor, actor_country)


# A province or state named in an actor's words gives its country (the gazetteer's divisions),
# when only one country has a division of that name.
@pytest.mark.parametrize('text, actor, actor_country', [
    ('The government of Balochistan province has ordered patrols by police along the highway.',
     'The government of Balochistan province', 'PAK'),
    ('Officials in Aceh accused the logging firms of burning the forest.', 'Officials in Aceh', 'IDN'),
])
def test_actor_country_from_a_division_in_its_words(text, actor, actor_country):
    event = _only(text)
    assert (event.actor, event.actor_country) == (actor, actor_country)


# A name the text calls a province or state is that division, not a town of the same name
# abroad (there is a Borno in Germany), and a group acting there is of its country.
@pytest.mark.parametrize('text, actor_country, target_country', [
    ('Soldiers killed 30 insurgents in Borno state.', None, 'NGA'),
    ('Gunmen ambushed a convoy in Kandahar province on Friday.', 'AFG', 'AFG'),
    ('Gunmen killed three policemen in Kandahar province on Friday.', 'AFG', None),
])
def test_place_printed_as_a_division(text, actor_country, target_country):
    event = _only(text)
    assert (event.actor_country, event.target_country) == (actor_country, target_country)


# An act done 'with' another party just before (or after) the clause's act is the clause
# subject's: 'after fighting with X', 'following talks with X'.
@pytest.mark.parametrize('text, event_type, actor, target', [
    ('Indian-backed troops recaptured the hill after heavy fighting with insurgents.',
     'ASSAULT', 'Indian-backed troops', 'insurgents'),
    ('Following talks with the Saudi king, the Egyptian president returned to Cairo.',
     'CONSULT', 'the Egyptian president', 'the Saudi king'),
])
def test_act_with_another_party_before_the_clause_is_the_subjects(text, event_type, actor, target):
    event = _only(text)
    assert (event.event_type, event.actor, event.target) == (event_type, actor, target)


def test_act_with_another_party_is_not_a_thing_subjects():
    # A budget cannot negotiate: the talks keep no actor.
    event = _only('The new budget comes after months of talks with the unions.')
    assert (event.event_type, event.actor, event.target) == ('CONSULT', None, 'the unions')


# A plural common noun opening a sentence is a group, not a title before the person its
# phrase names; the person still gives the group's country.
def test_sentence_initial_group_is_not_the_person_it_names():
    event = _only('Fighters loyal to the ousted Libyan leader Muammar Gaddafi shelled the port city overnight.')
    assert (event.actor, event.actor_country) == ('Fighters loyal to the ousted Libyan leader Muammar Gaddafi', 'LBY')


# A group's country from the complement of an adjective ('loyal to', printed or not) or from
# where it is 'based'.
@pytest.mark.parametrize('text, actor, actor_country', [
    ('Militants loyal to Somalia\'s al-Shabaab commander Ahmed Abdi Diriye and his deputy Omar Hassan said '
     'they attacked the base.', 'Militants', 'SOM'),
    ('A militant cell based in Jordan attacked a border post.', 'A militant cell', 'JOR'),
])
def test_group_country_from_its_complement(text, actor, actor_country):
    event = _only(text)
    assert (event.actor, event.actor_country) == (actor, actor_country)


# A movement's name before a group noun, in the plural the Phoenix dictionary files its members
# under ('TAMIL TIGERS', 'CONTRAS', 'SANDINISTAS'), gives the country; the noun keeps the role.
@pytest.mark.parametrize('text, actor, actor_country, actor_role', [
    ('Tamil Tiger rebels overran an army camp near the lagoon.', 'Tamil Tiger rebels', 'LKA', 'REB'),
    ('The Sandinista government freed forty jailed guards.', 'The Sandinista government', 'NIC', 'GOV'),
    # A capital that only opens the sentence is no name.
    ('Armed rebels overran an army camp near the lagoon.', 'Armed rebels', None, 'REB'),
    ('Maritime police seized a tanker near the lagoon.', 'Maritime police', None, 'COP'),
])
def test_group_country_from_a_movement_name(text, actor, actor_country, actor_role):
    event = _only(text)
    assert (event.actor, event.actor_country, event.actor_role) == (actor, actor_country, actor_role)


@pytest.mark.parametrize('name, country', [
    ('Sindh', 'PAK'), ('Quebec', 'CAN'),
    # Several countries have a Punjab; 'Georgia' is also a US state; 'Central' is a division in many.
    ('Punjab', None), ('Georgia', None), ('Central', None),
    # A compass point or a common word is no division's name in running text ('the West', 'west coast').
    ('West', None), ('South', None), ('west coast', None), ('Coast', None),
])
def test_division_country(name, country):
    assert division_country(name) == country


def test_staged_is_a_light_verb_despite_its_lemma():
    # The lemmatizer gives 'stag' for 'staged'; CAMEO's 'stage * protest' still finds it by its form.
    event = _only('Thousands of students staged protests in Paris to demand lower fees.')
    assert (event.event_type, event.trigger, event.actor, event.actor_country) == (
        'PROTEST', 'staged protests', 'Thousands of students', 'FRA')


@pytest.mark.parametrize('text, event_type, mode, trigger', [
    # A noun trigger's tense is its light verb's: announced cooperation is AGREE, conflict THREATEN.
    # (CAMEO's 'send * aid' and 'launch * attack' make the verb and noun one trigger.)
    ('Japan will send aid to Nepal.', 'AGREE', None, 'send aid'),
    ('Japan sent aid to Nepal.', 'AID', None, 'sent aid'),
    ('The rebels will launch an attack on the capital.', 'THREATEN', 'violence', 'launch an attack'),
    # A noun trigger under a light verb CAMEO has no pattern for.
    ('The ministers will hold talks with the envoy.', 'AGREE', None, 'hold talks'),
])
def test_noun_trigger_announced_by_its_light_verb(text, event_type, mode, trigger):
    event = _only(text)
    assert (event.event_type, event.event_mode, event.trigger) == (event_type, mode, trigger)


@pytest.mark.parametrize('text, event_type, trigger', [
    ('The government accepted the proposal.', 'AGREE', 'accepted'),
    ('The government lifted the ban.', 'CONCEDE', 'lifted'),
    # CAMEO's 'lift * curfew' (0813) is RETREAT in the CAMEO2PLOVER 2021 table: the pattern beats the bare word.
    ('The government lifted the curfew.', 'RETREAT', 'lifted the curfew'),
])
def test_lexicon_phrases(text, event_type, trigger):
    event = _only(text)
    assert (event.event_type, event.trigger) == (event_type, trigger)


@pytest.mark.parametrize('text, event_type', [
    # An announced cooperative act is an AGREE, an ultimatum when an 'unless' clause conditions it.
    ('Syria will withdraw its troops from Lebanon if Israel agrees.', 'AGREE'),
    ('Syria will withdraw its troops from Lebanon unless Israel attacks.', 'THREATEN'),
])
def test_announced_act_with_unless_is_a_threat(text, event_type):
    event = _only(text)
    assert (event.event_type, event.trigger, event.actor) == (event_type, 'withdraw', 'Syria')


@pytest.mark.parametrize('lemma, pos, forms', [
    ('agree', 'VERB', {'agree', 'agrees', 'agreed', 'agreeing'}),
    ('ban', 'VERB', {'bans', 'banned', 'banning'}),
    ('rally', 'VERB', {'rallies', 'rallied', 'rallying'}),
    ('traffic', 'VERB', {'trafficked', 'trafficking'}),
    ('talk', 'NOUN', {'talk', 'talks'}),
    ('accord', 'NOUN', {'accord', 'accords'}),
])
def test_inflections_are_what_the_lemmatizer_takes_back(lemma, pos, forms):
    assert forms <= inflections(lemma, pos)
    # A noun trigger's verb forms are not candidates: 'according to' is no accord.
    assert pos != 'NOUN' or not inflections(lemma, pos) & {lemma + 'ed', lemma + 'ing'}


def test_lexicon_forms_find_every_trigger_token():
    # Every form spaCy lemmatizes to a lexicon word is a regex hit, irregular ones included.
    index = default_index()
    text = ('Rebels overran the town. Police banned the rally. They rallied and met, then held talks. '
            'Troops withdrew; the army had fought.')
    hits = {text[h:].split()[0].strip('.;,').lower() for h in index.hits(text)}
    assert {'overran', 'banned', 'rally', 'rallied', 'met', 'held', 'talks', 'withdrew', 'fought'} <= hits
    assert index.hits('It is according to plan.') == []


def test_parser_token_attributes_are_the_models_own():
    # load_parser's newsbeam_token_attributes stands for the model's attribute_ruler + lemmatizer.
    import spacy  # pylint: disable=import-outside-toplevel
    texts = ['Baqeri met Li Zuocheng, the chief of China’s Joint Staff, in Beijing on Wednesday.',
             "There is no deal; they don't want it and I'm gonna say so. Let's see: y'all ain't done.",
             'Thousands of students staged protests in Paris.  Nothing happened to anyone who was there.']
    reference = spacy.load(DEFAULT_MODEL, exclude=['ner', 'senter'])
    parser = load_parser()
    assert 'attribute_ruler' not in parser.pipe_names and 'lemmatizer' not in parser.pipe_names
    for expected, got in zip(reference.pipe(texts), parser.pipe(texts)):
        assert [(t.tag_, t.pos_, t.dep_, str(t.morph), t.lemma_) for t in got] == [
            (t.tag_, t.pos_, t.dep_, str(t.morph), t.lemma_) for t in expected]


@pytest.mark.parametrize('text, parsed', [
    ('The two sides held talks.', True),
    ('The company held its shares.', False),      # 'hold' triggers only with 'talk'
    ('Russia said Sudan must return it.', True),
    ('Visitors must wear masks.', False),         # 'must' triggers only under a reporting verb
])
def test_phrase_only_forms_need_their_partner_word(text, parsed):
    assert bool(candidates(text, [0], default_index())) is parsed


@pytest.mark.parametrize('text, actor_role, target_role', [
    # Generic agents of the Phoenix dictionaries ('police' COP, 'journalists' MED, 'rebels' REB, 'army' MIL) ...
    ('Police arrested three journalists.', 'COP', 'MED'),
    ('Rebels attacked an army post.', 'REB', 'MIL'),
    # ... an international organisation whose code has no role is IGO; a country name has no role.
    ('The United Nations condemned Zembla.', 'IGO', None),
])
def test_actor_and_target_roles_from_the_dictionaries(text, actor_role, target_role):
    event = _only(text)
    assert (event.actor_role, event.target_role) == (actor_role, target_role)


def test_event_rows_carry_the_roles_in_the_tables_column_order():
    from schemas.fields import EVENTS  # pylint: disable=import-outside-toplevel
    from transforms.to_records import RunContext, annotated_rows  # pylint: disable=import-outside-toplevel
    annotated = _annotated('Police arrested three journalists.')
    annotated = annotated._replace(events=extract_events(annotated, load_parser()).events)
    rows = [r.row for r in annotated_rows(annotated, RunContext('run-1', '2026-11-27T10:00:00+00:00', '0.1.0'))
            if r.table == 'events']
    assert len(rows) == 1 and tuple(rows[0]) == EVENTS.column_names
    after_partition = EVENTS.column_names[EVENTS.column_names.index('article_date') + 1:]
    assert after_partition[:2] == ('actor_role', 'target_role')
    assert (rows[0]['actor_role'], rows[0]['target_role']) == ('COP', 'MED')


@pytest.mark.parametrize('text, expected', [
    # What ought to or may happen is no event: modals of obligation and possibility, 'whether', questions ...
    ('All efforts must be made to wipe out terrorism from the region.', []),
    ('Algeria is preparing a statement that could back Iran.', []),
    ('Reporters asked whether the two countries will reopen their embassies.', []),
    ('A U.S. invasion of Iran?', []),
    ('The army has to withdraw its troops.', []),
    ('Iran will have to use its capabilities in political negotiations.', []),
    # ... an act a noun offers or intends is an intention (PLOVER AGREE), not the act ...
    ('Pakistan underlined its willingness to establish friendly relations with India.',
     [('AGREE', 'establish friendly relations')]),
    ('Many Brazilian banks are eager to cooperate with Iranian banks.', [('AGREE', 'cooperate')]),
    # ... and a reported obligation stays the reporter's demand.
    ('Norway said that Zembla must return the trawler.', [('DEMAND', 'must')]),
])
def test_hypothetical_and_intended_acts(text, expected):
    assert _coded(text) == expected


@pytest.mark.parametrize('text', [
    # A month is a date, not the 'march' of CAMEO's 'hold * march'.
    'The workshop is being held from March 2 to 4 in Tehran.',
    # An inverted subject is the subject: its 'research director' is no research done.
    "Prices are falling, said Arvid Kostelnik, the bank's research director.",
    # 'the Tuesday meeting': a date before a noun trigger says when, not who.
    'The Tuesday meeting of the commission was tough.',
])
def test_dates_and_inverted_subjects_are_no_pattern_words_or_actors(text):
    assert _events(text) == ()


@pytest.mark.parametrize('text, expected', [
    # A CAMEO pattern is coded only between political actors (a name, a country word, a dictionary role) ...
    ('Shells kept crashing into the port.', []),
    ('The technicians are trying to resolve the issue.', []),
    ('Israeli shells kept crashing into the port.', [('ASSAULT', 'crashing', 'ISR')]),
    ('The government is trying to resolve the issue.', [('CONCEDE', 'resolve the issue', None)]),
    # ... and 'their forces' belong to whoever 'their' stands for.
    ('Syrian officials said their forces had completed their withdrawal from the city.',
     [('RETREAT', 'completed their withdrawal', 'SYR')]),
])
def test_cameo_patterns_need_a_political_actor(text, expected):
    assert [(e.event_type, e.trigger, e.actor_country) for e in _events(text)] == expected


@pytest.mark.parametrize('text, actor, actor_country', [
    # 'near X' says where an unnamed actor is, as 'in X' does, even when the target is of the same country.
    ('A car bomb near the town of Tikrit killed three Iraqi policemen.', 'A car bomb near the town of Tikrit', 'IRQ'),
    ('A blast near Kandahar killed three Afghan soldiers.', 'A blast near Kandahar', 'AFG'),
])
def test_a_place_near_an_unnamed_actor_is_its_country(text, actor, actor_country):
    event = _only(text)
    assert (event.actor, event.actor_country) == (actor, actor_country)
