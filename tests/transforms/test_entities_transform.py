"""ExtractEntities: mentions, canonical names, sentences, dead letters; long bodies in pieces."""
import pathlib

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

import transforms.core.entities
from tests.conftest import make_article
from transforms.core.entities import case_restorer, run_ner
from transforms.core.model import load_ner
from transforms.core.pieces import piece_ends
from transforms.dead_letter import METRICS_NAMESPACE
from transforms.entities import ExtractEntities

BODY = ('Iranian Armed Forces Chief of Staff Major General Mohammad Hossein Baqeri visited Beijing. '
        'General Baqeri met Li Zuocheng on Wednesday. MH said nothing.')
_real_annotate = transforms.core.entities.annotate


def _annotate_with_bug(article, doc, key_maker=None):
    if article.article_id == 'boom':
        raise RuntimeError('annotator bug')
    return _real_annotate(article, doc, key_maker)


def test_extract_entities(monkeypatch):
    monkeypatch.setattr(transforms.core.entities, 'annotate', _annotate_with_bug)
    articles = [make_article('seed', BODY), make_article('boom', 'Nothing to see.')]
    pipeline = TestPipeline()
    stage = pipeline | 'Create' >> beam.Create(articles) | 'ExtractEntities' >> ExtractEntities()
    mentions = stage.outputs | 'Mentions' >> beam.FlatMap(
        lambda a: [(m.text, m.label, m.canonical, m.start_char, m.end_char, m.sentence_index) for m in a.entities
                   if m.label in ('PERSON', 'GPE', 'ORG')])
    assert_that(mentions, equal_to([
        ('Iranian Armed Forces', 'ORG', 'Iranian Armed Forces', 0, 20, 0),
        ('Mohammad Hossein Baqeri', 'PERSON', 'Mohammad Hossein Baqeri', 50, 73, 0),
        ('Beijing', 'GPE', 'Beijing', 82, 89, 0),
        ('Baqeri', 'PERSON', 'Mohammad Hossein Baqeri', 99, 105, 1),
        ('Li Zuocheng', 'PERSON', 'Li Zuocheng', 110, 121, 1),
        ('MH', 'ORG', 'MH', 136, 138, 2),
    ]), label='CheckMentions')
    assert_that(stage.outputs | 'Sentences' >> beam.Map(lambda a: tuple(a.sentence_starts)),
                equal_to([(0, 91, 136)]), label='CheckSentences')
    assert_that(stage.dead_letters | 'DeadLetterWhere' >> beam.Map(lambda d: (d.source_id, d.stage, d.error)),
                equal_to([('boom.txt', 'entities', "RuntimeError: RuntimeError('annotator bug')")]), label='CheckDeadLetters')
    result = pipeline.run()
    result.wait_until_finish()

    def counter(name):
        found = result.metrics().query(MetricsFilter().with_namespace(METRICS_NAMESPACE).with_name(name))['counters']
        return sum(c.committed for c in found)

    assert counter('entity_mentions') == len(_real_annotate(articles[0], load_ner()(BODY)).entities)
    assert counter('dead_letter_entities') == 1


SEED = pathlib.Path(__file__).resolve().parents[2] / 'seeds' / 'articles' / '000_ca39e523ff7368f4.txt'


def test_run_ner_in_pieces_matches_the_whole_text():
    nlp = load_ner()
    body = SEED.read_text(encoding='utf-8')
    # The NER reads the body with its capitals lines case-restored ('MH/PA' -> 'MH/Pa'): same length.
    restored = case_restorer(nlp)(body)
    assert len(restored) == len(body)
    whole = nlp(restored)
    [pieced] = run_ner(nlp, [body], max_piece_chars=500)
    assert len(piece_ends(body, 500)) == 6
    assert pieced.text == restored
    assert [(e.start_char, e.end_char, e.label_) for e in pieced.ents] == \
        [(e.start_char, e.end_char, e.label_) for e in whole.ents]
    assert [s.start_char for s in pieced.sents] == [s.start_char for s in whole.sents]
    assert len(whole.ents) == 54
