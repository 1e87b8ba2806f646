"""Keeping a warehouse in shape: compacting small files, expiring old snapshots, removing files no snapshot uses.

Every run adds a file per table partition and worker bundle, so a partition that many runs reach
collects small files; ``compact`` rewrites each such partition into one file, all of a table's
partitions in one snapshot, the rows unchanged.  Snapshots are kept for time travel until
``expire`` drops those older than a retention; the data and metadata files that only they used are
then deleted (``remove_unreferenced_files``).
"""
import datetime
import uuid
from collections import defaultdict
from typing import Dict, List, NamedTuple

from pyiceberg.expressions import EqualTo
from pyiceberg.table import Table

from schemas.fields import TABLES
from transforms.core import files
from transforms.core.table_files import TableFileWriter
from transforms.core.warehouse import COMMIT_ORDER, Warehouse, data_files, referenced_files

OPERATION = 'newsbeam.operation'


class Compaction(NamedTuple):
    table: str
    partitions: int          # partitions rewritten
    files_before: int        # data files of the table before
    files_after: int
    rows: int                # rows of the table (unchanged)


_EPOCH = datetime.date(1970, 1, 1)


def _as_date(value) -> datetime.date:
    """An identity-partition value of a DATE column (Iceberg keeps days since 1970) as a date."""
    return value if isinstance(value, datetime.date) else _EPOCH + datetime.timedelta(days=int(value))


def files_per_partition(table: Table) -> Dict[datetime.date, List]:
    """The current snapshot's data files, by partition date."""
    by_partition = defaultdict(list)
    for task in table.scan().plan_files():
        by_partition[_as_date(task.file.partition[0])].append(task.file)
    return dict(by_partition)


def compact_table(warehouse: Warehouse, name: str) -> Compaction:
    """Rewrites every partition of the table that has more than one data file into one file, in one snapshot."""
    table = warehouse.load(name)
    before = files_per_partition(table)
    rows = sum(f.record_count for group in before.values() for f in group)
    crowded = {value: group for value, group in before.items() if len(group) > 1}
    total_before = sum(len(group) for group in before.values())
    if not crowded:
        return Compaction(name, 0, total_before, total_before, rows)
    target = warehouse.targets({name: table})[name]
    column = TABLES[name].partition_column
    new_paths = []
    stem = f'compacted-{uuid.uuid4().hex[:16]}'
    for value in sorted(crowded):
        partition_rows = table.scan(row_filter=EqualTo(column, value.isoformat())).to_arrow()
        writer = TableFileWriter(target, f'{column}={value}', stem, avro_root=None)
        writer.write_table(partition_rows)
        new_paths.append(writer.close()[0].path)
    with table.transaction() as transaction:
        with transaction.update_snapshot(snapshot_properties={OPERATION: 'compact'}).overwrite() as overwrite:
            for group in crowded.values():
                for data_file in group:
                    overwrite.delete_data_file(data_file)
            for data_file in data_files(table, new_paths):
                overwrite.append_data_file(data_file)
    after = sum(len(group) for group in files_per_partition(warehouse.load(name)).values())
    return Compaction(name, len(crowded), total_before, after, rows)


def compact(warehouse: Warehouse) -> List[Compaction]:
    return [compact_table(warehouse, name) for name in COMMIT_ORDER]


def expire(warehouse: Warehouse, older_than: datetime.datetime) -> Dict[str, int]:
    """Drops each table's snapshots committed before ``older_than`` (never the current one), then deletes the
    files no remaining snapshot uses.

    Returns:
      Snapshots dropped per table.
    """
    dropped = {}
    cutoff_ms = int(older_than.timestamp() * 1000)
    for name in COMMIT_ORDER:
        table = warehouse.load(name)
        current = table.current_snapshot()
        old = [s.snapshot_id for s in table.snapshots()
               if s.timestamp_ms < cutoff_ms and (current is None or s.snapshot_id != current.snapshot_id)]
        if old:
            table.maintenance.expire_snapshots().by_ids(old).commit()
        dropped[name] = len(old)
        remove_unreferenced_files(warehouse.load(name))
    return dropped


def remove_unreferenced_files(table: Table) -> int:
    """Deletes the table's data files, manifests and manifest lists that no snapshot refers to.

    Only safe while nothing writes to the table (the run lock is held): a run's files are
    unreferenced until it commits.
    """
    referenced = referenced_files(table)
    io = table.io  # the catalog's storage properties, not the table's own
    deleted = 0
    for path in files.find(files.join(table.location(), 'data'), '*.parquet'):
        if path not in referenced:
            io.delete(path)
            deleted += 1
    for path in files.find(files.join(table.location(), 'metadata'), '*.avro'):
        if path not in referenced:
            io.delete(path)
            deleted += 1
    return deleted
