"""Spark SQL reads the warehouse: pyspark 3.5 with Iceberg's Spark runtime, its JdbcCatalog on OUTPUT/catalog.db.

The command is the one docs/warehouse.md gives (tests/services.py spark_sql), run once on a warehouse
of two runs: every table's row count, a column's doc through DESCRIBE, a join, and time travel to the
first run by snapshot id and by time must equal what pyiceberg reads.  One spark-sql process answers
every statement (a JVM start is most of its cost); it takes about 20 s on 2 cores.
"""
import collections
import pathlib

import pytest

from pipeline.main import run
from schemas.fields import TABLES
from tests import services
from tests.conftest import SEEDS, warehouse_rows
from transforms.core.warehouse import COMMIT_ORDER, NAMESPACE, RUN_ID, CatalogConfig, Warehouse

TABLE = f'{services.CATALOG_NAME}.{NAMESPACE}'
SEED_ROWS = {'articles': 15, 'dead_letters': 9, 'ingest_ledger': 24}


@pytest.fixture(scope='module', name='warehouse')
def fixture_warehouse(tmp_path_factory):
    """Two runs: three articles, then the rest of the seeds.  (root, first run's articles snapshot)."""
    root = str(tmp_path_factory.mktemp('spark-warehouse'))
    run(['--input', str(SEEDS / 'articles' / '00*.txt'), '--output', root, '--run-id', 'spark-1'])
    run(['--input', str(SEEDS / 'articles' / '*'), '--output', root, '--run-id', 'spark-2'])
    articles = Warehouse(CatalogConfig(root)).load('articles')
    [first] = [s for s in articles.snapshots() if s.summary.get(RUN_ID) == 'spark-1']
    return root, first


@pytest.fixture(scope='module', name='answers')
def fixture_answers(warehouse):
    """Spark's rows, by the label each statement puts first."""
    root, first = warehouse
    statements = [f"SELECT 'rows', '{name}', count(*) FROM {TABLE}.{name}" for name in COMMIT_ORDER]
    statements += [
        f"SELECT 'join', a.article_id, count(*) FROM {TABLE}.entities e JOIN {TABLE}.articles a "
        'ON e.article_id = a.article_id GROUP BY a.article_id',
        f"SELECT 'version', count(*) FROM {TABLE}.articles VERSION AS OF {first.snapshot_id}",
        f"SELECT 'timestamp', count(*) FROM {TABLE}.articles TIMESTAMP AS OF timestamp_millis({first.timestamp_ms})",
        f"SELECT 'run', summary['{RUN_ID}'] FROM {TABLE}.ingest_ledger.snapshots ORDER BY committed_at",
        f'DESCRIBE TABLE {TABLE}.articles',
    ]
    try:
        rows = services.spark_sql(root, ';\n'.join(statements) + ';')
    except services.MissingTool as error:
        pytest.skip(f'Spark cannot run here: {error}')
    answers = collections.defaultdict(list)
    for row in rows:
        cells = [cell.strip() for cell in row]
        answers[cells[0]].append(cells[1:])
    return answers


def test_spark_counts_every_table_exactly(warehouse, answers):
    root, _ = warehouse
    expected = {name: len(warehouse_rows(root, name)) for name in COMMIT_ORDER}
    assert {name: int(count) for name, count in answers['rows']} == expected
    assert {name: expected[name] for name in SEED_ROWS} == SEED_ROWS


def test_spark_sees_the_column_docs(answers):
    # DESCRIBE's rows begin with the column's name, so they are filed under it.
    docs = {field.name: field.doc for field in TABLES['articles'].fields}
    assert answers['body'] == [['string', docs['body']]]
    assert answers['published_at'] == [['timestamp', docs['published_at']]]
    assert answers['agencies'] == [['array<string>', docs['agencies']]]


def test_spark_joins_entities_to_their_articles(warehouse, answers):
    root, _ = warehouse
    articles = {row['article_id'] for row in warehouse_rows(root, 'articles')}
    expected = collections.Counter(row['article_id'] for row in warehouse_rows(root, 'entities')
                                   if row['article_id'] in articles)
    assert {article_id: int(count) for article_id, count in answers['join']} == expected
    assert sum(expected.values()) > 0


def test_spark_travels_back_to_the_first_run(warehouse, answers):
    root, first = warehouse
    then = Warehouse(CatalogConfig(root)).load('articles').scan(snapshot_id=first.snapshot_id).count()
    assert then == 3
    assert answers['version'] == [[str(then)]]
    assert answers['timestamp'] == [[str(then)]]
    assert answers['run'] == [['spark-1'], ['spark-2']]


def test_the_documented_command_is_the_tested_one():
    doc = (pathlib.Path(__file__).resolve().parents[2] / 'docs' / 'warehouse.md').read_text(encoding='utf-8')
    for option in services.spark_catalog_conf('warehouse')[1::2]:
        key = option.split('=', 1)[0]
        assert f'--conf {key}=' in doc, key
