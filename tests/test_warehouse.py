"""The Iceberg warehouse contract: the catalog and its tables, one snapshot per run, readers that see whole
runs, damage that is reported (never silently re-ingested or lost), maintenance, schema evolution, migration."""
import datetime
import json
import os
import shutil
import subprocess
import sys
import threading

import pyarrow as pa
import pytest
from pyiceberg.catalog.sql import SqlCatalog

from pipeline.main import run
from pipeline.query import connect, consistent_snapshots
from schemas.fields import TABLES
from schemas.iceberg import partition_spec, to_iceberg_schema
from tests.conftest import ROOT, SEEDS, warehouse_rows
from transforms.core import maintenance, publication
from transforms.core.migration import migrate
from transforms.core.table_files import TableFileWriter
from transforms.core.warehouse import COMMIT_ID, RUN_ID, CatalogConfig, Warehouse, file_stem

FIXTURE_V1 = ROOT / 'tests' / 'fixtures' / 'warehouse_v1'
SAMPLE = SEEDS / 'articles' / '000_ca39e523ff7368f4.txt'


def _catalog(root):
    """The catalog as any reader opens it: the SQLite file alone."""
    return SqlCatalog('newsbeam', uri=f'sqlite:///{os.path.abspath(root)}/catalog.db')


def _cli(*args):
    done = subprocess.run([sys.executable, '-m', 'pipeline.cli', *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)
    return done.returncode, done.stdout, done.stderr.splitlines()


@pytest.fixture(scope='module', name='seeded')
def fixture_seeded(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('seeded'))
    summary = run(['--input', str(SEEDS / 'articles' / '*'), '--output', root, '--run-id', 'seed-run'])
    return root, summary


def test_every_table_exists_after_the_first_run_even_empty(tmp_path):
    (tmp_path / 'in').mkdir()
    (tmp_path / 'in' / 'scan.pdf').write_bytes(b'%PDF-1.4')
    run(['--input', str(tmp_path / 'in'), '--output', str(tmp_path / 'w')])
    catalog = _catalog(tmp_path / 'w')
    assert sorted(catalog.list_tables('news')) == sorted(('news', name) for name in TABLES)
    assert catalog.load_table(('news', 'articles')).scan().to_arrow().num_rows == 0
    assert [row['error'] for row in warehouse_rows(str(tmp_path / 'w'), 'dead_letters')] == [
        "unsupported file type '.pdf'"]
    # Monitoring queries work on an empty table too.
    assert connect(Warehouse(CatalogConfig(str(tmp_path / 'w')))).sql(
        'SELECT count(*) FROM events').fetchall() == [(0,)]


def test_tables_are_typed_and_documented(seeded):
    root, _ = seeded
    catalog = _catalog(root)
    for name, table in TABLES.items():
        schema = catalog.load_table(('news', name)).schema()
        for field in table.fields:
            assert schema.find_field(field.name).doc == field.doc, (name, field.name)
        assert str(schema.find_field(table.partition_column).field_type) == 'date'
    events = catalog.load_table(('news', 'events')).schema()
    assert [str(events.find_field(c).field_type) for c in ('event_date', 'event_date_value', 'ingested_at')] == [
        'date', 'string', 'timestamptz']
    assert {row['article_date_source'] for row in warehouse_rows(root, 'articles')} == {
        'dateline', 'published', 'ingested'}


def test_each_run_is_one_snapshot_per_table_holding_its_run_id(seeded, tmp_path):
    root, _ = seeded
    catalog = _catalog(root)
    for name in TABLES:
        [snapshot] = catalog.load_table(('news', name)).snapshots()
        assert (snapshot.summary.get(RUN_ID), snapshot.summary.get(COMMIT_ID)) == ('seed-run', 'seed-run')


def test_committing_a_run_twice_is_a_no_op(tmp_path):
    warehouse = Warehouse(CatalogConfig(str(tmp_path)))
    targets = warehouse.targets(warehouse.ensure_tables())
    writer = TableFileWriter(targets['dead_letters'], 'ingest_date=2026-12-04', file_stem('r1'),
                             publication.staging_dir(str(tmp_path), 'r1'))
    writer.write({'source_uri': '/in/x', 'source_id': 'x', 'stage': 'read', 'error': 'e', 'raw_excerpt': '',
                  'ingested_at': datetime.datetime(2026, 12, 4, tzinfo=datetime.timezone.utc),
                  'ingest_date': datetime.date(2026, 12, 4)})
    entry = publication.journal('r1', 'r1', writer.close())
    for _ in range(2):
        publication.publish(warehouse, str(tmp_path), entry)
    assert [len(warehouse.load(name).snapshots()) for name in TABLES] == [1] * len(TABLES)
    assert len(warehouse_rows(str(tmp_path), 'dead_letters')) == 1


def test_a_reader_during_a_run_sees_whole_runs_only(tmp_path):
    inbox = tmp_path / 'inbox'
    shutil.copytree(SEEDS / 'articles', inbox)
    root = str(tmp_path / 'w')
    run(['--input', str(SAMPLE), '--output', root])
    seen, stop = [], threading.Event()

    def read_while_running():
        while not stop.is_set():
            rows = connect(Warehouse(CatalogConfig(root))).sql(
                "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM ingest_ledger WHERE kind = 'article'),"
                ' (SELECT count(DISTINCT article_id) FROM entities)').fetchall()[0]
            seen.append(rows)

    reader = threading.Thread(target=read_while_running)
    reader.start()
    try:
        run(['--input', str(inbox), '--output', root])
    finally:
        stop.set()
        reader.join()
    # Every read saw the articles, the ledger and the entities of the same whole runs: 1 article, or all 15.
    assert set(seen) <= {(1, 1, 1), (15, 15, 15)} and (1, 1, 1) in seen


def test_a_half_committed_run_stays_invisible_until_the_next_run_completes_it(seeded, tmp_path, monkeypatch):
    root = str(tmp_path / 'w')
    run(['--input', str(SAMPLE), '--output', root])
    inbox = tmp_path / 'inbox'
    shutil.copytree(SEEDS / 'articles', inbox)

    class Killed(BaseException):
        pass

    original, done = Warehouse.commit_files, []

    def dying(self, name, *args, **kwargs):
        if len(done) == 3:
            raise Killed()
        done.append(name)
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(Warehouse, 'commit_files', dying)
    with pytest.raises(Exception, match='Killed'):
        run(['--input', str(inbox), '--output', root])
    monkeypatch.setattr(Warehouse, 'commit_files', original)
    warehouse = Warehouse(CatalogConfig(root))
    # articles, entities and time_expressions hold the second run, the rest do not: readers see the first.
    assert len(warehouse_rows(root, 'articles')) == 15
    assert connect(warehouse).sql('SELECT count(*) FROM articles').fetchall() == [(1,)]
    assert list(consistent_snapshots(warehouse).values()) == [
        warehouse.load(name).snapshots()[0].snapshot_id for name in TABLES]

    summary = run(['--input', str(inbox), '--output', root])
    assert (summary['articles_written'], summary['skipped']) == (0, 24)
    assert connect(warehouse).sql('SELECT count(*), count(DISTINCT article_id) FROM articles').fetchall() == [(15, 15)]


def test_a_lost_ledger_stops_the_next_run_instead_of_ingesting_everything_again(seeded, tmp_path):
    root = str(tmp_path / 'w')
    shutil.copy(SAMPLE, tmp_path / 'a.txt')
    run(['--input', str(tmp_path / 'a.txt'), '--output', root])
    _catalog(root).drop_table(('news', 'ingest_ledger'))
    status, _, stderr = _cli('run', '--input', tmp_path / 'a.txt', '--output', root)
    assert status == 5
    assert stderr == ['newsbeam: error: news.articles holds 1 rows but the ingest ledger (news.ingest_ledger) '
                      'records 0: one of the two lost rows or was replaced; restore the warehouse from a backup, or '
                      'roll the damaged table back to its last good snapshot (time travel), before ingesting more: a '
                      'run now would ingest articles twice or skip ones that are not there']
    assert len(warehouse_rows(root, 'articles')) == 1


def test_a_truncated_data_file_is_named(tmp_path):
    root = str(tmp_path / 'w')
    run(['--input', str(SAMPLE), '--output', root])
    [path] = Warehouse(CatalogConfig(root)).current_files('articles')
    size = os.path.getsize(path)
    with open(path, 'r+b') as handle:
        handle.truncate(size // 2)
    status, _, stderr = _cli('run', '--input', SAMPLE, '--output', root)
    assert (status, stderr) == (5, [f'newsbeam: error: data file {path} of table news.articles is '
                                    f'{size // 2:,} bytes instead of {size:,}: restore it from a backup; until then '
                                    'newsbeam does not write to this warehouse, and readers of the table fail'])


def test_a_catalog_that_is_not_a_database_is_named(tmp_path):
    (tmp_path / 'w').mkdir()
    (tmp_path / 'w' / 'catalog.db').write_bytes(b'garbage, not SQLite' * 100)
    status, _, stderr = _cli('run', '--input', SAMPLE, '--output', tmp_path / 'w')
    catalog = tmp_path / 'w' / 'catalog.db'
    assert (status, stderr) == (5, [f'newsbeam: error: the warehouse catalog {catalog} is damaged (file is not a '
                                    'database): restore it from a backup; or, to start the warehouse again, move '
                                    f'{catalog} and the table folders under {tmp_path / "w"}/news away'])


def test_a_damaged_journal_is_named(tmp_path):
    root = tmp_path / 'w'
    run(['--input', str(SAMPLE), '--output', str(root)])
    (root / '_runs' / 'r9.json').write_text('{"run_id": "r9", "commit')
    status, _, stderr = _cli('run', '--input', SAMPLE, '--output', root)
    assert status == 5 and len(stderr) == 1
    assert stderr[0].startswith(f'newsbeam: error: the run journal {root}/_runs/r9.json is damaged (')
    assert stderr[0].endswith('if no table has a snapshot of that run (newsbeam sql "SELECT * FROM snapshots '
                              "WHERE run_id = 'r9'\"), delete the journal; otherwise restore it from a backup")


def test_a_run_whose_journaled_files_are_gone_is_discarded_and_read_again(tmp_path, monkeypatch):
    root = str(tmp_path / 'w')
    shutil.copytree(SEEDS / 'articles', tmp_path / 'inbox')

    class Killed(BaseException):
        pass

    original, done = Warehouse.commit_files, []

    def dying(self, name, *args, **kwargs):
        if len(done) == 2:
            raise Killed()
        done.append(name)
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(Warehouse, 'commit_files', dying)
    with pytest.raises(Exception, match='Killed'):
        run(['--input', str(tmp_path / 'inbox'), '--output', root])
    monkeypatch.setattr(Warehouse, 'commit_files', original)
    [journal] = [p for p in (tmp_path / 'w' / '_runs').iterdir() if p.suffix == '.json']
    for path in json.loads(journal.read_text())['files']['quotes']:
        os.remove(path)

    summary = run(['--input', str(tmp_path / 'inbox'), '--output', root])
    assert (summary['articles_written'], summary['dead_letters'], summary['skipped']) == (15, 9, 0)
    ids = [row['article_id'] for row in warehouse_rows(root, 'articles')]
    assert len(ids) == len(set(ids)) == 15
    assert len(warehouse_rows(root, 'entities')) == 121


def test_adding_a_column_is_a_schema_update_and_old_files_stay_readable(tmp_path):
    # A warehouse whose articles table predates a (nullable) column, duplicate_of, with a row in it.
    root = str(tmp_path / 'w')
    warehouse = Warehouse(CatalogConfig(root))
    warehouse.ensure_tables()
    catalog = warehouse.catalog
    catalog.drop_table(('news', 'articles'))
    newest = to_iceberg_schema('articles')
    older = newest.select(*[n for n in newest.column_names if '.' not in n and n != 'duplicate_of'])
    table = catalog.create_table(('news', 'articles'), schema=older, partition_spec=partition_spec('articles', older))
    row = {f.name: None for f in older.fields}
    row.update(article_id='old', source_id='old.txt', source_uri='/in/old.txt', body='Old.', word_count=1,
               content_sha256='0' * 64, decode_replaced=False, agencies=[], attributions=[], editor_initials=[],
               boilerplate=[], ingested_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc),
               pipeline_version='0', article_date=datetime.date(2020, 1, 1), article_date_source='ingested')
    table.append(pa.Table.from_pylist([row], schema=table.schema().as_arrow()))
    ledger = warehouse.load('ingest_ledger')
    ledger.append(pa.Table.from_pylist([{
        'key': 'old', 'kind': 'article', 'source_id': 'old.txt', 'source_uri': '/in/old.txt', 'content_sha256': None,
        'minhash': None, 'run_id': 'r0', 'ingested_at': row['ingested_at'], 'ingest_date': row['article_date']}],
        schema=ledger.schema().as_arrow()))

    # A copy of an article of this run, so that duplicate_of has a value in the new rows.
    (tmp_path / 'in').mkdir()
    shutil.copy(SAMPLE, tmp_path / 'in' / 'a.txt')
    (tmp_path / 'in' / 'b.txt').write_text('Reprinted.\n\n' + SAMPLE.read_text(encoding='utf-8'))
    run(['--input', str(tmp_path / 'in'), '--output', root])
    articles = {r['source_id']: r for r in warehouse_rows(root, 'articles')}
    assert articles['old.txt']['duplicate_of'] is None and articles['old.txt']['body'] == 'Old.'
    assert articles['b.txt']['duplicate_of'] == articles['a.txt']['article_id']
    doc = next(f.doc for f in TABLES['articles'].fields if f.name == 'duplicate_of')
    assert Warehouse(CatalogConfig(root)).load('articles').schema().find_field('duplicate_of').doc == doc


def test_compaction_rewrites_small_files_into_one_snapshot_and_expiry_drops_the_old_ones(tmp_path):
    root = str(tmp_path / 'w')
    # Undated articles in three runs: three files in the one partition of the day of ingestion.
    for number in range(3):
        (tmp_path / f'in{number}').mkdir()
        (tmp_path / f'in{number}' / f'story{number}.txt').write_text(f'Undated story number {number} about rain.')
        run(['--input', str(tmp_path / f'in{number}'), '--output', root])
    warehouse = Warehouse(CatalogConfig(root))
    before = {r['article_id'] for r in warehouse_rows(root, 'articles')}
    [files_before] = maintenance.files_per_partition(warehouse.load('articles')).values()
    assert len(files_before) == 3

    status, stdout, stderr = _cli('compact', '--output', root)
    assert status == 0, stderr
    assert 'articles: 3 -> 1 data files (1 partitions rewritten, 3 rows)' in stdout
    articles = warehouse.load('articles')
    [files_after] = maintenance.files_per_partition(articles).values()
    assert len(files_after) == 1 and {r['article_id'] for r in warehouse_rows(root, 'articles')} == before
    compaction = articles.current_snapshot()
    assert compaction.summary.get(maintenance.OPERATION) == 'compact'
    assert len(articles.snapshots()) == 4
    # Time travel: the snapshot before compaction reads the same rows from the three old files.
    old = articles.scan(snapshot_id=compaction.parent_snapshot_id).to_arrow()
    assert set(old.column('article_id').to_pylist()) == before

    status, stdout, _ = _cli('expire', '--output', root, '--older-than', '0m')
    assert status == 0 and 'articles: 3 snapshots dropped' in stdout
    articles = warehouse.load('articles')
    assert [s.snapshot_id for s in articles.snapshots()] == [compaction.snapshot_id]
    assert all(not os.path.exists(f.file_path) for f in files_before)
    assert {r['article_id'] for r in warehouse_rows(root, 'articles')} == before


def test_a_v1_warehouse_is_imported_once(tmp_path):
    root = str(tmp_path / 'w')
    status, stdout, _ = _cli('migrate', '--from', FIXTURE_V1, '--output', root)
    assert (status, stdout) == (0, 'migrated articles=3, entities=61, time_expressions=9, events=6, quotes=9, '
                                   'dead_letters=6, ingest_ledger=9\n')
    warehouse = Warehouse(CatalogConfig(root))
    assert sorted(s.summary.get(COMMIT_ID) for s in warehouse.load('articles').snapshots()) == [
        'v1-run-a', 'v1-run-b']
    articles = {r['source_id']: r for r in warehouse_rows(root, 'articles')}
    assert articles['000_ca39e523ff7368f4.txt']['article_date'] == datetime.date(2019, 9, 13)
    assert articles['000_ca39e523ff7368f4.txt']['article_date_source'] == 'dateline'
    events = warehouse_rows(root, 'events')
    assert {e['event_date'] for e in events} >= {datetime.date(2019, 9, 11)}
    assert all(e['event_date_value'] is None or isinstance(e['event_date_value'], str) for e in events)
    # The Avro copies hold the same rows.
    assert len(warehouse_rows(root, 'entities', 'avro')) == 61
    # Importing again adds nothing; a run over the same article skips it (the ledger came along).
    assert migrate(str(FIXTURE_V1), warehouse, root) == {name: 0 for name in TABLES}
    summary = run(['--input', str(SAMPLE), '--output', root])
    assert (summary['articles_written'], summary['skipped']) == (0, 1)


def test_pyarrow_polars_and_sql_read_the_tables(seeded):
    root, summary = seeded
    table = _catalog(root).load_table(('news', 'entities'))
    assert table.scan().to_arrow().num_rows == table.scan().to_polars().height == summary['rows']['entities']
    status, stdout, _ = _cli('sql', "SELECT count(*) AS n FROM news.articles WHERE article_date_source = 'dateline'",
                             '--output', root, '--format', 'csv')
    assert (status, stdout) == (0, 'n\n12\n')
    status, stdout, _ = _cli('schema', 'events')
    assert status == 0 and stdout.splitlines()[0].startswith('news.events: PLOVER events')
    assert any(line.split()[:2] == ['event_date', 'date'] for line in stdout.splitlines())


def test_commands_refuse_a_warehouse_that_is_not_there(tmp_path):
    status, _, stderr = _cli('sql', 'SELECT 1', '--output', tmp_path / 'nothing')
    assert (status, stderr) == (2, [f'newsbeam: error: {tmp_path / "nothing"} is not a newsbeam warehouse '
                                    f'(no {tmp_path / "nothing" / "catalog.db"})'])
