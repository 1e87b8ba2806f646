"""What README.md shows a newcomer is what the code does: the seeds summary and every SQL example."""
import datetime
import re

import pytest

from pipeline.main import format_summary, run
from pipeline.query import connect
from tests.conftest import ROOT, SEEDS
from transforms.core.warehouse import CatalogConfig, Warehouse

README = (ROOT / 'README.md').read_text(encoding='utf-8')


@pytest.fixture(scope='module', name='seeded')
def fixture_seeded(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('readme'))
    return root, run(['--input', str(SEEDS / 'articles'), '--output', root])


def test_the_seeds_summary_is_the_one_make_run_prints(seeded):
    _, summary = seeded
    shown = README.split('`make run` on the seeds', 1)[1].split('```')[1].strip().splitlines()
    printed = format_summary(summary).splitlines()
    # Everything but the run id and the seconds.
    assert [line for line in shown if not line.startswith(('newsbeam run', '  elapsed'))] == [
        line for line in printed if not line.startswith(('newsbeam run', '  elapsed'))]


def test_every_sql_example_runs_and_the_first_returns_the_row_shown(seeded):
    root, _ = seeded
    queries = re.findall(r'```sql\n(.*?)```', README, flags=re.S)
    assert len(queries) >= 2
    connection = connect(Warehouse(CatalogConfig(root)))
    results = [connection.sql(query).fetchall() for query in queries]
    assert all(results)
    shown = README.split('On the seeds the first query returns, among others,', 1)[1].split('`')[1]
    cells = [cell.strip() for cell in shown.split('|')]

    def as_shown(value):
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, list):
            return '[' + ', '.join(value) + ']'
        return str(value)

    assert cells in [[as_shown(value) for value in row] for row in results[0]]
