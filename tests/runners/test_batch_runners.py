"""The batch CLI on portable runners writes exactly the rows of the local FnApiRunner run.

(a) Flink: Beam's Flink job server on an embedded cluster (tests/services.py), and
(b) Beam's Python portable job service, both with --environment_type LOOPBACK, against the
default FnApiRunner, on seeds/articles/*.  Every table is compared in Iceberg and in Avro as a
multiset of rows, without the columns that name the run (ingested_at, run_id).
"""
import collections
import datetime

import pytest

from pipeline.main import run
from schemas.fields import TABLES
from tests.conftest import SEEDS, warehouse_rows

RUN_COLUMNS = frozenset({'ingested_at', 'run_id'})


def _hashable(value):
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        # fastavro gives timestamps in UTC with a zone, pyarrow without one.
        return value.replace(tzinfo=datetime.timezone.utc)
    return value


def _table(root, fmt, table):
    return collections.Counter(tuple(sorted((k, _hashable(v)) for k, v in row.items() if k not in RUN_COLUMNS))
                               for row in warehouse_rows(root, table, fmt))


def _warehouse(root):
    return {(fmt, table): _table(root, fmt, table) for fmt in ('iceberg', 'avro') for table in TABLES}


def _run(root, *runner_args):
    return run(['--input', str(SEEDS / 'articles' / '*'), '--output', str(root), *runner_args])


@pytest.fixture(scope='module', name='expected')
def fixture_expected(reference):
    root, summary = reference
    return _warehouse(root), summary


@pytest.mark.parametrize('runner', ['flink', 'beam_job_service'])
def test_same_rows_as_fnapi_runner(runner, expected, request, tmp_path):
    endpoint = request.getfixturevalue('flink_endpoint' if runner == 'flink' else 'beam_job_endpoint')
    # Both passes on the runner: the near-duplicate pass of an input this small would run in process.
    summary = _run(tmp_path, '--runner', 'PortableRunner', '--job_endpoint', endpoint,
                   '--environment_type', 'LOOPBACK', '--in_process_first_pass_bytes=0')
    rows_expected, expected_summary = expected
    got = _warehouse(tmp_path)
    assert sum(rows_expected[('iceberg', 'articles')].values()) > 0
    for key, rows in rows_expected.items():
        assert got[key] == rows, f'{runner}: {key} differs from the FnApiRunner run'
    for field in ('articles_written', 'dead_letters', 'rows'):
        assert summary[field] == expected_summary[field], field
