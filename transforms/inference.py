"""spaCy pipelines through Beam's ``RunInference``, every failure a dead letter.

``RunInference`` (``apache_beam.ml.inference.base``) batches the elements (``BatchElements``
with the handler's ``batch_elements_kwargs``), loads the model once per worker process in
``setup`` (``shared.Shared``) and reports its metrics (batch sizes, latencies, model load time)
under ``newsbeam.<stage>``.  A ``SpacyModelHandler`` says how to load the pipeline and what a batch
of examples gives: one result per example, the output record or the exception that example
alone raised (``transforms.core`` does the retrying one by one), so that one bad article never
fails its batch-mates or the run.  ``RunSpacy`` turns those exceptions into dead letters, and
also whatever escapes the handler (RunInference's own failure output, a whole batch, becomes
one dead letter per example).  Docs never leave the handler: it returns plain records.
"""
from typing import Any, Dict, Generic, Iterable, List, Mapping, Optional, Sequence, TypeVar, Union

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics
from apache_beam.ml.inference.base import ModelHandler, RunInference
from apache_beam.pvalue import PCollection
from spacy.language import Language

from schemas.records import DeadLetter
from transforms.dead_letter import (DEAD_LETTER, METRICS_NAMESPACE, StageResult, article_source, failure_of,
                                    from_exception)

ExampleT = TypeVar('ExampleT')
OutputT = TypeVar('OutputT')


class SpacyModelHandler(ModelHandler[ExampleT, Union[OutputT, DeadLetter], Language], Generic[ExampleT, OutputT]):
    """A spaCy pipeline for ``RunInference``: each example becomes its output record or its DeadLetter.

    Subclasses load the pipeline (``load_model``, through ``transforms.core.model``, cached per
    process) and say what a batch gives (``annotate``).

    Args:
      model: the spaCy pipeline package (or 'blank:<lang>').
      stage: the stage name of dead letters and of the metrics namespace.
      batching: ``beam.BatchElements`` arguments.
    """

    def __init__(self, model: str, stage: str, batching: Mapping[str, Any]):
        super().__init__()
        self.model = model
        self.stage = stage
        self._batching = dict(batching)

    def annotate(self, nlp: Language, batch: Sequence[ExampleT]) -> List[Union[OutputT, Exception]]:
        """One result per example, in order: the output record, or the exception the example raised."""
        raise NotImplementedError(type(self))

    def run_inference(self, batch: Sequence[ExampleT], model: Language,
                      inference_args: Optional[Dict[str, Any]] = None) -> Iterable[Union[OutputT, DeadLetter]]:
        return [failure_of(self.stage, example, result) if isinstance(result, Exception) else result
                for example, result in zip(batch, self.annotate(model, batch))]

    def batch_elements_kwargs(self) -> Mapping[str, Any]:
        return self._batching

    def get_num_bytes(self, batch: Sequence[ExampleT]) -> int:
        # The characters of the texts (the default pickles the whole batch again just to measure it).
        return sum(len(article_source(example)[2]) for example in batch)

    def get_metrics_namespace(self) -> str:
        return f'{METRICS_NAMESPACE}.{self.stage}'

    def share_model_across_processes(self) -> bool:
        # One copy per worker process: the small sm model fits in each, and a model shared from
        # another process (multi_process_shared) would send every batch's texts, and the records
        # made from its Docs, through a proxy.
        return False


class _SplitDeadLettersFn(beam.DoFn):
    """The handler's results: output records on the main output, DeadLetters on DEAD_LETTER (counted)."""

    def __init__(self, stage: str):
        self._bad = Metrics.counter(METRICS_NAMESPACE, f'dead_letter_{stage}')

    def process(self, result):
        if isinstance(result, DeadLetter):
            self._bad.inc()
            yield pvalue.TaggedOutput(DEAD_LETTER, result)
        else:
            yield result


def _batch_failure(stage: str):
    """RunInference's failure ``(batch, (type, repr, traceback))`` -> one DeadLetter per example of the batch."""
    to_dead_letter = from_exception(stage)

    def dead_letters(failure) -> List[DeadLetter]:
        batch, error = failure
        return [to_dead_letter((example, error)) for example in batch]

    return dead_letters


class RunSpacy(beam.PTransform[PCollection[ExampleT], StageResult]):
    """PCollection[ExampleT] -> StageResult(outputs: PCollection[OutputT], dead_letters: PCollection[DeadLetter]).

    Args:
      handler: the stage's SpacyModelHandler.
    """

    def __init__(self, handler: SpacyModelHandler):
        super().__init__()
        self._handler = handler

    def expand(self, examples: PCollection[ExampleT]):
        stage = self._handler.stage
        results, failed = (
            examples
            | 'RunInference' >> RunInference(
                self._handler, model_identifier=f'newsbeam-{stage}:{self._handler.model}').with_exception_handling())
        split = results | 'SplitDeadLetters' >> beam.ParDo(_SplitDeadLettersFn(stage)).with_outputs(
            DEAD_LETTER, main='outputs')
        dead = [split[DEAD_LETTER],
                failed.failed_inferences | 'FailedBatchesToDeadLetters' >> beam.FlatMap(_batch_failure(stage))]
        # Pre- and postprocessing failures are single examples; the handlers add no such steps today.
        for index, failures in enumerate(list(failed.failed_preprocessing) + list(failed.failed_postprocessing)):
            dead.append(failures | f'FailedStep{index}ToDeadLetters' >> beam.Map(from_exception(stage)))
        return StageResult(split.outputs, dead | 'FlattenDeadLetters' >> beam.Flatten())
