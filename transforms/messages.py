"""Articles from a message stream: Kafka (any runner with Beam's Java IO) or Pub/Sub (Dataflow).

A message is one JSON article, the same object as a JSONL line: ``text``
(required), ``id``, ``title``, ``published``, ``url``, ``source``.  Messages
become ``Message(payload, source_uri)`` elements timestamped with the message
time; ``ParseMessages`` turns them into RawArticles, and bad ones into dead
letters, exactly as ``transforms/read.py`` does for files.
"""
from typing import NamedTuple, Optional

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics
from apache_beam.pvalue import PBegin, PCollection

from schemas.records import DeadLetter
from transforms.dead_letter import DEAD_LETTER, METRICS_NAMESPACE, StageResult
from transforms.core.reading import DEFAULT_MAX_ARTICLE_CHARS, json_article


class Message(NamedTuple):
    payload: bytes
    source_uri: str     # kafka://topic/partition/offset, pubsub://subscription/message_id


class _ParseMessageFn(beam.DoFn):
    def __init__(self, max_article_chars: int):
        self._max_chars = max_article_chars
        self._read = Metrics.counter(METRICS_NAMESPACE, 'articles_read')
        self._bad = Metrics.counter(METRICS_NAMESPACE, 'dead_letter_read')

    def process(self, message: Message):
        self._read.inc()
        result = json_article(message.payload, message.source_uri, message.source_uri, 'message', self._max_chars)
        if isinstance(result, DeadLetter):
            self._bad.inc()
            yield pvalue.TaggedOutput(DEAD_LETTER, result)
        else:
            yield result


class ParseMessages(beam.PTransform[PCollection[Message], StageResult]):
    """PCollection[Message] -> StageResult(outputs: PCollection[RawArticle], dead_letters)."""

    def __init__(self, max_article_chars: int = DEFAULT_MAX_ARTICLE_CHARS):
        super().__init__()
        self._max_chars = max_article_chars

    def expand(self, messages):
        results = messages | 'ParseJson' >> beam.ParDo(_ParseMessageFn(self._max_chars)).with_outputs(
            DEAD_LETTER, main='articles')
        return StageResult(results.articles, results[DEAD_LETTER])


def _kafka_message(record) -> Message:
    return Message(record.value or b'', f'kafka://{record.topic}/{record.partition}/{record.offset}')


class ReadKafkaMessages(beam.PTransform[PBegin, PCollection[Message]]):
    """PBegin -> PCollection[Message] from a Kafka topic, timestamped with each record's CreateTime.

    Args:
      bootstrap: broker list, ``host:port[,host:port]``.
      topic: the topic of JSON articles.
      expansion_service: address of a running Kafka IO expansion service (Beam's Java IO).
      group_id: consumer group; offsets are committed as the pipeline reads.
      offset_reset: where a new group starts: 'earliest' or 'latest'.
      max_records: stop after this many records (a bounded read, for backfills and tests).
    """

    def __init__(self, bootstrap: str, topic: str, expansion_service: str, group_id: str,
                 offset_reset: str = 'earliest', max_records: Optional[int] = None):
        super().__init__()
        self._bootstrap = bootstrap
        self._topic = topic
        self._expansion_service = expansion_service
        self._group_id = group_id
        self._offset_reset = offset_reset
        self._max_records = max_records

    def expand(self, pbegin):
        from apache_beam.io.kafka import ReadFromKafka  # pylint: disable=import-outside-toplevel
        config = {'bootstrap.servers': self._bootstrap, 'group.id': self._group_id,
                  'auto.offset.reset': self._offset_reset, 'enable.auto.commit': 'true'}
        return (pbegin
                | 'ReadKafka' >> ReadFromKafka(
                    consumer_config=config, topics=[self._topic], with_metadata=True,
                    timestamp_policy=ReadFromKafka.create_time_policy, max_num_records=self._max_records,
                    expansion_service=self._expansion_service)
                | 'ToMessages' >> beam.Map(_kafka_message))


def _pubsub_message(subscription: str):
    def to_message(message) -> Message:
        return Message(message.data, f'pubsub://{subscription}/{message.message_id}')
    return to_message


class ReadPubSubMessages(beam.PTransform[PBegin, PCollection[Message]]):
    """PBegin -> PCollection[Message] from a Pub/Sub subscription (Dataflow), timestamped with publish time."""

    def __init__(self, subscription: str):
        super().__init__()
        self._subscription = subscription

    def expand(self, pbegin):
        return (pbegin
                | 'ReadPubSub' >> beam.io.ReadFromPubSub(subscription=self._subscription, with_attributes=True)
                | 'ToMessages' >> beam.Map(_pubsub_message(self._subscription)))
