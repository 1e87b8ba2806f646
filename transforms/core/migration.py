"""Importing a schema-v1 warehouse (Hive-partitioned Parquet files with run manifests) into Iceberg, once.

Each published v1 run (``_runs/<run>.json``, or ``_runs/<run>/<window>.json`` for a streaming pane)
becomes one commit of the same id, so an import that is interrupted or repeated adds every row
exactly once.  Rows gain what v2 has: the partition date as a column, ``articles.article_date_source``,
and ``events.event_date`` as a DATE beside its TIMEX3 value (``event_date_value``).
"""
import datetime
import json
import os
from typing import Dict, Iterator, List, Tuple

import pyarrow.parquet as pq

from schemas.fields import TABLES
from transforms.core import files
from transforms.core.errors import UsageError
from transforms.core.publication import STAGING_DIR, WrittenFile, journal, publish
from transforms.core.table_files import TableFileWriter
from transforms.core.timex import start_date
from transforms.core.warehouse import COMMIT_ORDER, Warehouse, file_stem, has_commit

V1_RUNS = '_runs'


def v1_manifests(source: str) -> Iterator[Tuple[str, dict]]:
    """(commit id, manifest) of every published run or window pane of a v1 warehouse, oldest first."""
    root = os.path.join(source, V1_RUNS)
    found = []
    for directory, _, names in os.walk(root):
        for name in names:
            if name.endswith('.json') and not name.endswith('.publishing.json'):
                path = os.path.join(directory, name)
                commit_id = os.path.relpath(path, root)[:-len('.json')]
                with open(path, encoding='utf-8') as handle:
                    found.append((commit_id, json.load(handle)))
    if not found:
        raise UsageError(f'{source} has no published v1 runs ({root}/*.json)')
    return iter(sorted(found))


def _v2_row(table: str, row: dict, partition: str) -> dict:
    column, value = partition.split('=', 1)
    row[column] = datetime.date.fromisoformat(value)
    if table == 'articles':
        row['article_date_source'] = ('dateline' if row.get('dateline_date') else
                                      'published' if row.get('published_at') else 'ingested')
    if table == 'events':
        row['event_date_value'] = row['event_date']
        row['event_date'] = start_date(row['event_date'])
    return {name: row.get(name) for name in TABLES[table].column_names}


def migrate(source: str, warehouse: Warehouse, output: str) -> Dict[str, int]:
    """Imports every v1 run of ``source`` into the warehouse; returns the rows imported per table."""
    if os.path.abspath(source) == os.path.abspath(output):
        raise UsageError('migrate into a new --output: the v1 warehouse keeps its files where they are')
    targets = warehouse.targets(warehouse.ensure_tables())
    imported = {name: 0 for name in COMMIT_ORDER}
    ledger = warehouse.load('ingest_ledger')
    for commit_id, manifest in v1_manifests(source):
        if has_commit(ledger, commit_id):
            continue
        run_id = manifest['run_id']
        avro_root = files.join(output, STAGING_DIR, run_id)
        written: List[WrittenFile] = []
        for item in manifest['files']:
            if item['fmt'] != 'parquet':
                continue
            table = item['table']
            partition = item['relative_path'].split('/')[2]
            rows = pq.ParquetFile(os.path.join(source, item['relative_path'])).read().to_pylist()
            with TableFileWriter(targets[table], partition, file_stem(run_id), avro_root) as writer:
                for row in rows:
                    writer.write(_v2_row(table, row, partition))
                written.extend(writer.close())
        entry = publish(warehouse, output, journal(run_id, commit_id, written))
        for name, count in entry['rows'].items():
            imported[name] += count
    return imported
