"""WriteWarehouse: Iceberg data files and Avro copies per partition, committed once every bundle succeeded."""
import datetime
import glob
import os

import apache_beam as beam
import fastavro
import pyarrow.parquet as pq
import pytest
from apache_beam.testing.test_pipeline import TestPipeline

from schemas.records import DeadLetter
from tests.conftest import warehouse_rows
from transforms import write
from transforms.core import table_files
from transforms.core.publication import journal_path
from transforms.core.warehouse import CatalogConfig, Warehouse
from transforms.to_records import RunContext, TableRow, dead_letter_row
from transforms.write import WriteWarehouse

CONTEXT = RunContext('run-1', '2026-11-27T10:00:00+00:00', '0.1.0')
INGESTED = datetime.datetime(2026, 11, 27, 10, tzinfo=datetime.timezone.utc)


def _entity(article_id, text, day):
    return TableRow('entities', f'article_date={day}', {
        'entity_id': f'{article_id}-{text}', 'article_id': article_id, 'text': text, 'label': 'GPE',
        'canonical': text, 'start_char': 0, 'end_char': len(text), 'sentence_index': 0, 'ingested_at': INGESTED,
        'article_date': datetime.date.fromisoformat(day)})


@pytest.fixture(name='warehouse')
def fixture_warehouse(tmp_path):
    warehouse = Warehouse(CatalogConfig(str(tmp_path / 'warehouse')))
    return warehouse, warehouse.targets(warehouse.ensure_tables())


def _write(warehouse, targets, rows):
    with TestPipeline() as pipeline:
        _ = pipeline | beam.Create(rows) | WriteWarehouse(warehouse.config, targets, CONTEXT.run_id)


def test_write_warehouse_partitions_commits_and_copies_to_avro(warehouse):
    warehouse, targets = warehouse
    output = warehouse.config.output
    rows = [_entity('a1', 'Tehran', '2019-09-13'), _entity('a1', 'Beijing', '2019-09-13'),
            _entity('a2', 'Seoul', '2023-06-02'),
            dead_letter_row(DeadLetter('/in/x.jsonl#L2', None, 'read', 'line 2: not JSON', '{oops'), CONTEXT)]
    _write(warehouse, targets, rows)

    data = sorted(os.path.relpath(p, output) for p in glob.glob(f'{output}/news/entities/data/*/*.parquet'))
    assert [os.path.dirname(p) for p in data] == [
        'news/entities/data/article_date=2019-09-13', 'news/entities/data/article_date=2023-06-02']
    assert sorted(r['text'] for r in warehouse_rows(output, 'entities')) == ['Beijing', 'Seoul', 'Tehran']
    assert [r['error'] for r in warehouse_rows(output, 'dead_letters')] == ['line 2: not JSON']
    avro_rows = []
    for path in sorted(glob.glob(f'{output}/avro/entities/*/*.avro')):
        with open(path, 'rb') as handle:
            reader = fastavro.reader(handle)
            assert reader.metadata['schema_version'] == '2'
            assert reader.codec == 'deflate'
            avro_rows.extend(reader)
    assert sorted(r['text'] for r in avro_rows) == ['Beijing', 'Seoul', 'Tehran']
    assert {r['ingested_at'] for r in avro_rows} == {INGESTED}
    parquet_file = pq.ParquetFile(os.path.join(output, data[0]))
    assert parquet_file.metadata.row_group(0).column(0).compression == 'SNAPPY'
    assert parquet_file.schema_arrow.metadata[b'schema_version'] == b'2'

    # One snapshot per table, with the run id; the journal is gone once every table has it.
    assert warehouse.rows_of_run(CONTEXT.run_id) == {
        'articles': 0, 'entities': 3, 'time_expressions': 0, 'events': 0, 'quotes': 0, 'dead_letters': 1,
        'ingest_ledger': 0}
    for name in ('articles', 'entities', 'ingest_ledger'):
        [snapshot] = warehouse.load(name).snapshots()
        assert snapshot.summary.get('newsbeam.run-id') == CONTEXT.run_id
    assert not os.path.exists(journal_path(output, CONTEXT.run_id))


def test_write_warehouse_bounds_open_partitions_and_buffered_rows(warehouse, monkeypatch):
    # Ten dates interleaved through one bundle, two partitions open at a time, at most three rows'
    # values held: every row is committed once, in more files and row groups.
    warehouse, targets = warehouse
    monkeypatch.setattr(write, 'MAX_OPEN_WRITERS', 2)
    monkeypatch.setattr(write, 'MAX_BUFFERED_BYTES',
                        3 * table_files.approximate_bytes(_entity('a0', 'Place0', '2019-09-01').row))
    days = [f'2019-09-{day:02d}' for day in range(1, 11)]
    rows = [_entity(f'a{n}', f'Place{n}', days[n % len(days)]) for n in range(60)]
    _write(warehouse, targets, rows)

    output = warehouse.config.output
    data_files = sorted(glob.glob(f'{output}/news/entities/data/*/*.parquet'))
    expected = sorted((datetime.date.fromisoformat(days[n % len(days)]), f'a{n}') for n in range(60))
    assert sorted((r['article_date'], r['article_id']) for r in warehouse_rows(output, 'entities')) == expected
    avro_rows = []
    for path in sorted(glob.glob(f'{output}/avro/entities/*/*.avro')):
        with open(path, 'rb') as handle:
            avro_rows.extend((r['article_date'], r['article_id']) for r in fastavro.reader(handle))
    assert sorted(avro_rows) == expected
    assert len(data_files) > len(days)
    assert max(pq.ParquetFile(p).metadata.row_group(i).num_rows
               for p in data_files for i in range(pq.ParquetFile(p).num_row_groups)) <= 3
    assert sorted(warehouse.current_files('entities')) == data_files


def test_row_groups_end_at_a_byte_budget_as_well_as_a_row_count(warehouse, tmp_path, monkeypatch):
    # Five rows of equal size against a budget of two: groups of 2, 2 and 1 rows.
    _, targets = warehouse
    rows = [_entity(f'a{n}', 'x' * 1_000, '2019-09-01').row for n in range(5)]
    monkeypatch.setattr(table_files, 'ROW_GROUP_BYTES', table_files.approximate_bytes(rows[0]) * 2)
    writer = table_files.TableFileWriter(targets['entities'], 'article_date=2019-09-01', 'part-test',
                                         str(tmp_path / 'avro'))
    sizes = [writer.write(row) for row in rows]
    written = writer.close()

    assert sizes == [table_files.approximate_bytes(row) for row in rows] and min(sizes) > 3_000
    metadata = pq.ParquetFile(written[0].path).metadata
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [2, 2, 1]
    assert [r['article_id'] for r in pq.ParquetFile(written[0].path).read().to_pylist()] == [f'a{n}' for n in range(5)]
    assert [(w.fmt, w.rows) for w in written] == [('parquet', 5), ('avro', 5)]
