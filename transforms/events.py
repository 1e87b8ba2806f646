"""``ExtractEvents``: PLOVER events, the dependency parser run through Beam's RunInference.

PCollection[AnnotatedArticle] (entities, sentence starts and time expressions filled) ->
StageResult(outputs: PCollection[AnnotatedArticle] with events filled, dead_letters).  Articles
go in batches of 8 to 32 whose candidate sentences are parsed together
(``transforms.core.events.extract_events_batch``); an article that fails alone becomes a dead
letter of stage 'events'.
"""
from typing import List, Sequence, Union

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import PCollection
from spacy.language import Language

from schemas.records import AnnotatedArticle
from transforms.core.actors import default_resolver
from transforms.core.events import extract_events_batch
from transforms.core.model import DEFAULT_MODEL, load_parser
from transforms.core.trigger_index import default_index
from transforms.dead_letter import METRICS_NAMESPACE, StageResult
from transforms.inference import RunSpacy, SpacyModelHandler

STAGE = 'events'
# Articles per batch: enough candidate sentences for one efficient parser call.
MIN_BATCH, MAX_BATCH = 8, 32


class SpacyParserHandler(SpacyModelHandler[AnnotatedArticle, AnnotatedArticle]):
    """The tagger and parser (``load_parser``) over the candidate sentences of AnnotatedArticles, for RunInference.

    Args:
      model: name of an installed spaCy pipeline package with a parser.
    """

    def __init__(self, model: str = DEFAULT_MODEL):
        super().__init__(model, STAGE, {'min_batch_size': MIN_BATCH, 'max_batch_size': MAX_BATCH})
        self._events = Metrics.counter(METRICS_NAMESPACE, 'events')
        self._parsed = Metrics.counter(METRICS_NAMESPACE, 'event_sentences_parsed')
        self._sentences = Metrics.counter(METRICS_NAMESPACE, 'event_sentences_total')

    def load_model(self) -> Language:
        nlp = load_parser(self.model)
        # The lexicon's regex and the country tables, paid for with the model rather than by the first article.
        default_index()
        default_resolver()
        return nlp

    def annotate(self, nlp: Language, batch: Sequence[AnnotatedArticle]) -> List[Union[AnnotatedArticle, Exception]]:
        results: List[Union[AnnotatedArticle, Exception]] = []
        for annotated, found in zip(batch, extract_events_batch(batch, nlp)):
            if isinstance(found, Exception):
                results.append(found)
                continue
            self._events.inc(len(found.events))
            self._parsed.inc(found.sentences_parsed)
            self._sentences.inc(found.sentences_total)
            results.append(annotated._replace(events=found.events))
        return results


class ExtractEvents(beam.PTransform[PCollection[AnnotatedArticle], StageResult]):
    """PCollection[AnnotatedArticle] -> StageResult(outputs: PCollection[AnnotatedArticle], dead_letters).

    Args:
      model: name of an installed spaCy pipeline package with a parser.
    """

    def __init__(self, model: str = DEFAULT_MODEL):
        super().__init__()
        self._model = model

    def expand(self, annotated: PCollection[AnnotatedArticle]):
        return annotated | 'RunParser' >> RunSpacy(SpacyParserHandler(self._model))
