"""Entity rules after the NER (transforms.core.entity_rules) on hand-made Docs: no model, no dictionaries."""
import pytest
import spacy
from spacy.tokens import Doc, Span

from transforms.core.entity_rules import (COUNTRY_MATCH, ACTOR_MATCH, PLACE_MATCH, DictionaryMatch, EntityRules)

NLP = spacy.blank('en')
COMMON = {'the': 'function', 'in': 'function', 'of': 'function', 'said': 'verb', 'met': 'verb', 'golf': 'noun',
          'men': 'inflected', 'reading': 'noun', 'cup': 'noun', 'beat': 'verb'}


def _doc(text, ents):
    """A Doc of whitespace-separated ``text`` (a newline is a token of its own) with (first word, words, label) ents."""
    words, spaces = [], []
    for line_number, line in enumerate(text.split('\n')):
        if line_number:
            spaces[-1] = False
            words.append('\n')
            spaces.append(False)
        for word in line.split(' '):
            words.append(word)
            spaces.append(True)
    spaces[-1] = False
    doc = Doc(NLP.vocab, words=words, spaces=spaces)
    doc.ents = [Span(doc, start, start + size, label=label) for start, size, label in ents]
    return doc


def _rules(matches=(), steps=('split', 'dictionary', 'consistency')):
    return EntityRules(lambda doc: list(matches), lambda word: COMMON.get(word), steps, case_restoration=False,
                       is_place_word=lambda word: word in {'ruritanian'})


def _ents(doc):
    return [(e.text, e.label_) for e in doc.ents]


def test_a_headline_kicker_and_a_versus_split_the_entity():
    # 'GOLF - Ashbury Rovers v Port Yorick' tagged as one ORG.
    doc = _doc('Golf - Ashbury Rovers v Port Yorick', [(0, 7, 'ORG')])
    assert _ents(_rules(steps=('split',))(doc)) == [('Ashbury Rovers', 'ORG'), ('Port Yorick', 'ORG')]


def test_figures_in_a_table_row_split_the_entity_and_trailing_figures_go():
    doc = _doc('Ashbury 2 Port Yorick 1\nZenda 0 Strelsau 3-1', [(0, 5, 'PERSON'), (6, 4, 'ORG')])
    assert _ents(_rules(steps=('split',))(doc)) == [
        ('Ashbury', 'PERSON'), ('Port Yorick', 'PERSON'), ('Zenda', 'ORG'), ('Strelsau', 'ORG')]


def test_a_number_that_is_part_of_a_name_stays():
    doc = _doc('Rescue workers closed Highway 61 on Monday .', [(3, 2, 'FAC')])
    assert _ents(_rules(steps=('split',))(doc)) == [('Highway 61', 'FAC')]


def test_a_line_break_ends_a_name_but_a_wrap_of_running_text_does_not():
    short = _doc('Ashbury Rovers\nZenda Athletic', [(0, 5, 'ORG')])
    assert _ents(_rules(steps=('split',))(short)) == [('Ashbury Rovers', 'ORG'), ('Zenda Athletic', 'ORG')]
    wrapped = _doc('The delegation of the ministry was received yesterday by the Ashbury\nHarbour Board .',
                   [(10, 4, 'ORG')])
    assert _ents(_rules(steps=('split',))(wrapped)) == [('Ashbury\nHarbour Board', 'ORG')]


def test_a_company_legal_form_makes_an_organisation():
    doc = _doc('Shares of Quorvex Holdings rose .', [(2, 2, 'PERSON')])
    assert _ents(_rules(steps=('split',))(doc)) == [('Quorvex Holdings', 'ORG')]


def test_a_country_is_a_place_whatever_the_model_said_and_a_missed_one_is_added():
    doc = _doc('Freedonia beat Sylvania in the final .', [(0, 1, 'PERSON')])
    matches = [DictionaryMatch(0, 1, 'GPE', COUNTRY_MATCH), DictionaryMatch(2, 3, 'GPE', COUNTRY_MATCH)]
    assert _ents(_rules(matches, steps=('dictionary',))(doc)) == [('Freedonia', 'GPE'), ('Sylvania', 'GPE')]


def test_a_city_does_not_overrule_the_model_and_is_added_only_after_in_or_at():
    doc = _doc('Ashbury thrashed Zenda ; the ministers met in Strelsau .', [(0, 1, 'ORG')])
    matches = [DictionaryMatch(0, 1, 'GPE', PLACE_MATCH), DictionaryMatch(2, 3, 'GPE', PLACE_MATCH),
               DictionaryMatch(8, 9, 'GPE', PLACE_MATCH, locative=True)]
    assert _ents(_rules(matches, steps=('dictionary',))(doc)) == [('Ashbury', 'ORG'), ('Strelsau', 'GPE')]


def test_a_dictionary_actor_replaces_a_weak_label():
    doc = _doc('The Quorvex Liberation Front said nothing .', [(1, 3, 'WORK_OF_ART')])
    matches = [DictionaryMatch(1, 4, 'ORG', ACTOR_MATCH)]
    assert _ents(_rules(matches, steps=('dictionary',))(doc)) == [('Quorvex Liberation Front', 'ORG')]


def test_a_surname_after_the_full_name_is_that_person_and_untagged_repeats_are_tagged():
    doc = _doc('Olga Brezhova won . Brezhova said Brezhova would rest .', [(0, 2, 'PERSON'), (4, 1, 'ORG')])
    assert _ents(_rules(steps=('consistency',))(doc)) == [
        ('Olga Brezhova', 'PERSON'), ('Brezhova', 'PERSON'), ('Brezhova', 'PERSON')]


def test_each_name_takes_its_majority_label():
    doc = _doc('Quorvex grew . Quorvex hired . Quorvex sold .', [(0, 1, 'ORG'), (3, 1, 'ORG'), (6, 1, 'GPE')])
    assert [label for _, label in _ents(_rules(steps=('consistency',))(doc))] == ['ORG', 'ORG', 'ORG']


def test_common_words_and_demonyms_do_not_spread():
    # 'Men' tagged once in a table is not tagged elsewhere; 'Ruritanian' is no part of a person's name.
    doc = _doc('Men 100 metres . The Men finished . Ruritanian Piotr Sadek spoke .', [(0, 1, 'ORG'), (8, 3, 'PERSON')])
    assert _ents(_rules(steps=('consistency',))(doc)) == [('Men', 'ORG'), ('Ruritanian Piotr Sadek', 'PERSON')]


def test_a_name_glued_to_another_capitalised_word_is_someone_else():
    doc = _doc('Ivan Sadek met Olga . Later Marta Sadek arrived .', [(0, 2, 'PERSON')])
    assert _ents(_rules(steps=('consistency',))(doc)) == [('Ivan Sadek', 'PERSON')]


@pytest.mark.parametrize('steps', [(), ('split',), ('split', 'dictionary', 'consistency')])
def test_entities_never_overlap_and_offsets_stay(steps):
    doc = _doc('Golf - Ashbury 2 Zenda 1', [(0, 6, 'ORG')])
    text = doc.text
    out = _rules([DictionaryMatch(2, 3, 'GPE', PLACE_MATCH)], steps)(doc)
    assert out.text == text
    ends = [(e.start, e.end) for e in out.ents]
    assert all(a[1] <= b[0] for a, b in zip(ends, ends[1:]))


def test_a_person_title_outweighs_the_models_labels():
    doc = _doc('Quorvex spoke . President Quorvex left . Quorvex agreed .', [(0, 1, 'ORG'), (4, 1, 'PERSON'),
                                                                           (7, 1, 'ORG')])
    assert [label for _, label in _ents(_rules(steps=('consistency',))(doc))] == ['PERSON'] * 3
