"""The warehouse in a REST catalog: ``newsbeam run --catalog-uri http://...`` against Apache Iceberg's REST
catalog server (tests/services.py), read back through pyiceberg's RestCatalog as any other reader would.

The same seeds as the default (SQLite) catalog's run must give the same tables with the same rows,
one snapshot per table holding the run id; a second run adds no rows; and the warehouse commands
(sql, compact, expire) work through the same options.
"""
import subprocess
import sys

import pytest
from pyiceberg.catalog.rest import RestCatalog

from pipeline.main import run
from schemas.fields import TABLES
from tests.conftest import ROOT, SEEDS
from transforms.core.warehouse import COMMIT_ORDER, NAMESPACE, RUN_ID, CatalogConfig, Warehouse

# Rows of the seeds that do not depend on the NLP model's output.
SEED_ROWS = {'articles': 15, 'dead_letters': 9, 'ingest_ledger': 24}


def _rows(catalog, name: str) -> int:
    return catalog.load_table((NAMESPACE, name)).scan().count()


def _newsbeam(*args):
    done = subprocess.run([sys.executable, '-m', 'pipeline.cli', *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope='module', name='published')
def fixture_published(rest_catalog, tmp_path_factory):
    """One run of the seeds into the REST catalog: (output folder, run id, summary)."""
    output = str(tmp_path_factory.mktemp('rest-output'))
    run_id = 'rest-run-1'
    summary = run(['--input', str(SEEDS / 'articles' / '*'), '--output', output,
                   '--catalog-uri', rest_catalog.uri, '--run-id', run_id])
    return output, run_id, summary


def test_a_run_into_a_rest_catalog_makes_the_tables_of_the_default_catalog(published, rest_catalog, reference):
    output, run_id, summary = published
    catalog = RestCatalog('newsbeam', uri=rest_catalog.uri)
    default = Warehouse(CatalogConfig(str(reference[0]))).catalog

    assert sorted(catalog.list_tables(NAMESPACE)) == sorted((NAMESPACE, name) for name in TABLES)
    counts = {name: _rows(catalog, name) for name in COMMIT_ORDER}
    assert counts == {name: _rows(default, name) for name in COMMIT_ORDER}
    assert {name: counts[name] for name in SEED_ROWS} == SEED_ROWS
    assert summary['rows'] == counts
    for name in COMMIT_ORDER:
        table = catalog.load_table((NAMESPACE, name))
        [snapshot] = table.snapshots()
        assert snapshot.summary.get(RUN_ID) == run_id, name
        # The server placed the table; newsbeam wrote its data files there, not under --output.
        assert table.location().startswith(rest_catalog.warehouse), name
        assert all(task.file.file_path.startswith(table.location()) for task in table.scan().plan_files())
    assert table.schema().find_field('key').doc == TABLES['ingest_ledger'].fields[0].doc


def test_a_second_run_adds_nothing(published, rest_catalog):
    output, _, first = published
    again = run(['--input', str(SEEDS / 'articles' / '*'), '--output', output,
                 '--catalog-uri', rest_catalog.uri, '--run-id', 'rest-run-2'])

    assert (again['articles_written'], again['dead_letters'], again['skipped']) == (0, 0, first['articles_read'])
    assert set(again['rows'].values()) == {0}
    catalog = RestCatalog('newsbeam', uri=rest_catalog.uri)
    assert {name: _rows(catalog, name) for name in COMMIT_ORDER} == first['rows']


def test_the_warehouse_commands_take_the_catalog_options(published, rest_catalog):
    output, _, first = published
    options = ('--output', output, '--catalog-uri', rest_catalog.uri)

    assert _newsbeam('sql', 'SELECT count(*) AS n FROM articles', '--format', 'csv', *options) == (
        f"n\n{first['rows']['articles']}\n")
    joined = _newsbeam('sql', 'SELECT count(*) AS n FROM entities JOIN articles USING (article_id)',
                       '--format', 'csv', *options)
    assert joined == f"n\n{first['rows']['entities']}\n"
    assert 'ingest_ledger:' in _newsbeam('compact', *options)
    assert 'ingest_ledger:' in _newsbeam('expire', '--older-than', '7d', *options)
    catalog = RestCatalog('newsbeam', uri=rest_catalog.uri)
    assert {name: _rows(catalog, name) for name in COMMIT_ORDER} == first['rows']
