"""WriteWarehouse: partitioned Parquet and Avro, published only once every bundle succeeded."""
import datetime
import glob
import json
import os

import apache_beam as beam
import fastavro
import pyarrow.parquet as pq
from apache_beam.testing.test_pipeline import TestPipeline

from transforms.to_records import RunContext, TableRow, dead_letter_row
from transforms import write
from transforms.write import WriteWarehouse, manifest_path
from schemas.records import DeadLetter

CONTEXT = RunContext('run-1', '2026-11-27T10:00:00+00:00', '0.1.0')
INGESTED = datetime.datetime(2026, 11, 27, 10, tzinfo=datetime.timezone.utc)


def _entity(article_id, text, day):
    return TableRow('entities', f'article_date={day}', {
        'entity_id': f'{article_id}-{text}', 'article_id': article_id, 'text': text, 'label': 'GPE',
        'canonical': text, 'start_char': 0, 'end_char': len(text), 'sentence_index': 0, 'ingested_at': INGESTED})


def test_write_warehouse_partitions_publishes_and_reports(tmp_path):
    rows = [_entity('a1', 'Tehran', '2019-09-13'), _entity('a1', 'Beijing', '2019-09-13'),
            _entity('a2', 'Seoul', '2023-06-02'),
            dead_letter_row(DeadLetter('/in/x.jsonl#L2', None, 'read', 'line 2: not JSON', '{oops'), CONTEXT)]
    output = str(tmp_path / 'warehouse')
    with TestPipeline() as pipeline:
        _ = pipeline | beam.Create(rows) | WriteWarehouse(output, CONTEXT.run_id)

    def files(fmt, table):
        return sorted(os.path.relpath(p, output) for p in glob.glob(f'{output}/{fmt}/{table}/*/*'))

    assert [os.path.dirname(p) for p in files('parquet', 'entities')] == [
        'parquet/entities/article_date=2019-09-13', 'parquet/entities/article_date=2023-06-02']
    assert [os.path.dirname(p) for p in files('avro', 'dead_letters')] == ['avro/dead_letters/ingest_date=2026-11-27']
    parquet_rows = sorted(r['text'] for p in files('parquet', 'entities')
                          for r in pq.read_table(os.path.join(output, p)).to_pylist())
    assert parquet_rows == ['Beijing', 'Seoul', 'Tehran']
    avro_rows = []
    for path in files('avro', 'entities'):
        with open(os.path.join(output, path), 'rb') as handle:
            reader = fastavro.reader(handle)
            assert reader.metadata['schema_version'] == '1'
            assert reader.codec == 'deflate'
            avro_rows.extend(reader)
    assert sorted(r['text'] for r in avro_rows) == parquet_rows
    assert {r['ingested_at'] for r in avro_rows} == {INGESTED}
    parquet_file = pq.ParquetFile(os.path.join(output, files('parquet', 'entities')[0]))
    assert parquet_file.metadata.row_group(0).column(0).compression == 'SNAPPY'
    assert parquet_file.schema_arrow.metadata[b'schema_version'] == b'1'

    with open(manifest_path(output, CONTEXT.run_id), encoding='utf-8') as handle:
        manifest = json.load(handle)
    assert manifest['rows'] == {'articles': 0, 'entities': 3, 'time_expressions': 0, 'events': 0, 'quotes': 0,
                                'dead_letters': 1, 'ingest_ledger': 0}
    assert len(manifest['files']) == 6
    # Nothing is left in staging once the run is published.
    assert glob.glob(f'{output}/_staging/**/*.*', recursive=True) == []


def test_write_warehouse_bounds_open_partitions_and_buffered_rows(tmp_path, monkeypatch):
    # Ten dates interleaved through one bundle, two partitions open at a time, at most three rows'
    # values held: every row is published once, in more files and row groups.
    monkeypatch.setattr(write, 'MAX_OPEN_WRITERS', 2)
    monkeypatch.setattr(write, 'MAX_BUFFERED_BYTES', 3 * write.approximate_bytes(_entity('a0', 'Place0', '2019-09-01').row))
    days = [f'2019-09-{day:02d}' for day in range(1, 11)]
    rows = [_entity(f'a{n}', f'Place{n}', days[n % len(days)]) for n in range(60)]
    output = str(tmp_path / 'warehouse')
    with TestPipeline() as pipeline:
        _ = pipeline | beam.Create(rows) | WriteWarehouse(output, CONTEXT.run_id)

    parquet_files = sorted(glob.glob(f'{output}/parquet/entities/*/*.parquet'))
    parquet_rows = [(os.path.basename(os.path.dirname(p)), r['article_id'])
                    for p in parquet_files for r in pq.read_table(p).to_pylist()]
    expected = sorted((f'article_date={days[n % len(days)]}', f'a{n}') for n in range(60))
    assert sorted(parquet_rows) == expected
    avro_rows = []
    for path in sorted(glob.glob(f'{output}/avro/entities/*/*.avro')):
        with open(path, 'rb') as handle:
            avro_rows.extend((os.path.basename(os.path.dirname(path)), r['article_id']) for r in fastavro.reader(handle))
    assert sorted(avro_rows) == expected
    assert len(parquet_files) > len(days)
    assert max(pq.ParquetFile(p).metadata.row_group(i).num_rows
               for p in parquet_files for i in range(pq.ParquetFile(p).num_row_groups)) <= 3
    with open(manifest_path(output, CONTEXT.run_id), encoding='utf-8') as handle:
        manifest = json.load(handle)
    assert manifest['rows']['entities'] == 60
    assert len(manifest['files']) == 2 * len(parquet_files)


def test_row_groups_end_at_a_byte_budget_as_well_as_a_row_count(tmp_path, monkeypatch):
    # Five rows of equal size against a budget of two: groups of 2, 2 and 1 rows.
    rows = [_entity(f'a{n}', 'x' * 1_000, '2019-09-01').row for n in range(5)]
    monkeypatch.setattr(write, 'ROW_GROUP_BYTES', write.approximate_bytes(rows[0]) * 2)
    writer = write.TableFileWriter(str(tmp_path), 'entities', 'article_date=2019-09-01', 'part-test')
    sizes = [writer.write(row) for row in rows]
    written = writer.close()

    assert sizes == [write.approximate_bytes(row) for row in rows] and min(sizes) > 3_000
    parquet_path = str(tmp_path / written[0].relative_path)
    metadata = pq.ParquetFile(parquet_path).metadata
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [2, 2, 1]
    assert [r['article_id'] for r in pq.read_table(parquet_path).to_pylist()] == [f'a{n}' for n in range(5)]
    assert [(w.fmt, w.rows) for w in written] == [('parquet', 5), ('avro', 5)]
