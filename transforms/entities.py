"""``ExtractEntities``: spaCy NER over article bodies, through Beam's RunInference.

PCollection[Article] -> StageResult(outputs: PCollection[AnnotatedArticle], dead_letters): each
article with its entity mentions and sentence starts (``transforms.core.entities``).  Batches
hold 1,000 to 4,000 words of bodies (``MIN_BATCH_WORDS``, ``MAX_BATCH_WORDS``); an article that
fails alone becomes a dead letter of stage 'entities'.
"""
from typing import List, Sequence, Union

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import PCollection
from spacy.language import Language

from schemas.records import AnnotatedArticle, Article
from transforms.core.entities import MAX_BATCH_WORDS, MIN_BATCH_WORDS, annotate_batch, article_words
from transforms.core.model import DEFAULT_MODEL, load_ner
from transforms.dead_letter import METRICS_NAMESPACE, StageResult
from transforms.inference import RunSpacy, SpacyModelHandler

STAGE = 'entities'


class SpacyNerHandler(SpacyModelHandler[Article, AnnotatedArticle]):
    """The NER (``load_ner``: no tagger, parser or lemmatizer) over Articles, for RunInference.

    Args:
      model: name of an installed spaCy pipeline package.
    """

    def __init__(self, model: str = DEFAULT_MODEL):
        super().__init__(model, STAGE, {'min_batch_size': MIN_BATCH_WORDS, 'max_batch_size': MAX_BATCH_WORDS,
                                        'element_size_fn': article_words})
        self._mentions = Metrics.counter(METRICS_NAMESPACE, 'entity_mentions')

    def load_model(self) -> Language:
        return load_ner(self.model)

    def annotate(self, nlp: Language, batch: Sequence[Article]) -> List[Union[AnnotatedArticle, Exception]]:
        results = annotate_batch(nlp, batch)
        self._mentions.inc(sum(len(result.entities) for result in results if not isinstance(result, Exception)))
        return results


class ExtractEntities(beam.PTransform[PCollection[Article], StageResult]):
    """PCollection[Article] -> StageResult(outputs: PCollection[AnnotatedArticle], dead_letters).

    Args:
      model: name of an installed spaCy pipeline package.
    """

    def __init__(self, model: str = DEFAULT_MODEL):
        super().__init__()
        self._model = model

    def expand(self, articles: PCollection[Article]):
        return articles | 'RunNer' >> RunSpacy(SpacyNerHandler(self._model))
