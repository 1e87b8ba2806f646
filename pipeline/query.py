"""``newsbeam sql`` and ``newsbeam schema``: the warehouse for people and scripts, offline.

DuckDB's own Iceberg extension is downloaded from DuckDB's site, which offline machines cannot
reach, so ``newsbeam sql`` gives DuckDB the tables itself: each table is a view over the Parquet
files of one snapshot (listed by pyiceberg, with its partition pruning left to DuckDB's own),
columns matched by Iceberg field id, so files written before a column was added read as NULL there.
The snapshots are those of the newest run that every table has: a run commits its tables one after
the other, and a query during a run must not see its articles without their entities.
"""
import datetime
from typing import Dict, List, Optional

from schemas.fields import TABLES
from transforms.core.warehouse import COMMIT_ORDER, LEDGER_TABLE, NAMESPACE, RUN_ID, Warehouse, history

_DUCKDB_TYPES = {'string': 'VARCHAR', 'int': 'INTEGER', 'long': 'BIGINT', 'double': 'DOUBLE', 'boolean': 'BOOLEAN',
                 'date': 'DATE',
                 'timestamptz': 'TIMESTAMPTZ', 'binary': 'BLOB', 'list<string>': 'VARCHAR[]'}


def consistent_snapshots(warehouse: Warehouse) -> Dict[str, Optional[int]]:
    """Per table, the snapshot to read: the newest one committed no later than the ledger's current snapshot.

    A run commits the ledger last, so a data table's snapshot from after it belongs to a run still
    committing (or killed while committing, which the next run completes); maintenance snapshots
    (compaction: no run id) change no rows and are always read.  The data tables are loaded before the
    ledger, so a run that finishes in between is read whole.
    """
    tables = {name: warehouse.load(name) for name in COMMIT_ORDER if name != LEDGER_TABLE}
    tables[LEDGER_TABLE] = warehouse.load(LEDGER_TABLE)
    ledger_now = tables[LEDGER_TABLE].current_snapshot()
    limit = ledger_now.timestamp_ms if ledger_now else -1
    return {name: next((s.snapshot_id for s in history(table)
                        if s.summary.get(RUN_ID) is None or s.timestamp_ms <= limit), None)
            for name, table in tables.items()}


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _view_sql(table, snapshot_id: Optional[int]) -> str:
    """A SELECT of the table at the snapshot: read_parquet over its files by field id, or no rows."""
    schema = table.schema()
    columns = [(f.field_id, f.name, _DUCKDB_TYPES[str(f.field_type)]) for f in schema.fields]
    paths = [task.file.file_path for task in table.scan(snapshot_id=snapshot_id).plan_files()] if snapshot_id else []
    if not paths:
        return 'SELECT ' + ', '.join(f'CAST(NULL AS {kind}) AS "{name}"' for _, name, kind in columns) + ' WHERE false'
    by_id = ', '.join(f"{field_id}: {{name: {_sql_string(name)}, type: '{kind}', default_value: NULL}}"
                      for field_id, name, kind in columns)
    file_list = '[' + ', '.join(_sql_string(path) for path in paths) + ']'
    return f'SELECT * FROM read_parquet({file_list}, schema=MAP {{{by_id}}}, hive_partitioning=false)'


def snapshot_rows(warehouse: Warehouse) -> List[tuple]:
    """(table, snapshot_id, committed_at, operation, run_id, added_records, total_records) of every snapshot."""
    rows = []
    for name in COMMIT_ORDER:
        for snapshot in warehouse.load(name).snapshots():
            summary = snapshot.summary
            rows.append((name, snapshot.snapshot_id,
                         datetime.datetime.fromtimestamp(snapshot.timestamp_ms / 1000, datetime.timezone.utc),
                         summary.operation.value if summary else None, summary.get(RUN_ID) if summary else None,
                         int(summary.get('added-records') or 0) if summary else 0,
                         int(summary.get('total-records') or 0) if summary else 0))
    return rows


def connect(warehouse: Warehouse):
    """A DuckDB connection with a view per table (``articles``, ... and ``news.articles``, ...) and ``snapshots``."""
    import duckdb  # pylint: disable=import-outside-toplevel
    connection = duckdb.connect()
    connection.execute(f'CREATE SCHEMA {NAMESPACE}')
    for name, snapshot_id in consistent_snapshots(warehouse).items():
        select = _view_sql(warehouse.load(name), snapshot_id)
        connection.execute(f'CREATE VIEW {NAMESPACE}.{name} AS {select}')
        connection.execute(f'CREATE VIEW {name} AS SELECT * FROM {NAMESPACE}.{name}')
    connection.execute('CREATE TABLE snapshots ("table" VARCHAR, snapshot_id BIGINT, committed_at TIMESTAMPTZ, '
                       'operation VARCHAR, run_id VARCHAR, added_records BIGINT, total_records BIGINT)')
    rows = snapshot_rows(warehouse)
    if rows:
        connection.executemany('INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?)', rows)
    return connection


def describe(table_name: Optional[str] = None) -> str:
    """The tables (or one), their columns, types and meanings, from the one field list (``schemas/fields.py``)."""
    names = [table_name] if table_name else list(COMMIT_ORDER)
    blocks = []
    for name in names:
        table = TABLES[name]
        width = max(len(f.name) for f in table.fields)
        lines = [f'{NAMESPACE}.{name}: {table.doc} Partitioned by {table.partition_column}.']
        for field in table.fields:
            kind = field.type.value + ('' if field.nullable else ', required')
            lines.append(f'  {field.name:<{width}}  {kind:<20}  {field.doc}')
        blocks.append('\n'.join(lines))
    return '\n\n'.join(blocks)
