"""Publishing a run's files as one snapshot per table, and finishing or discarding a run that was killed.

Iceberg commits one table at a time, so a run (or a streaming window pane) is published under a
journal: ``OUTPUT/_runs/<commit>.json`` lists the run's data files per table before the first
commit and is deleted after the last.  The tables are committed in ``COMMIT_ORDER``, the ingest
ledger last, each commit a no-op when the table has it already; Avro copies move from
``OUTPUT/_staging/<run>/`` into ``OUTPUT/avro/`` after the commits.  A run killed at any point is
therefore completed by the next run (its journal is there) or discarded by it (no journal: its
data files were never committed and are deleted), and every article ends in exactly one row.

A marker ``OUTPUT/_runs/<run>.started``, written before the workers start and removed when the run
ends, tells the next run which runs may have left uncommitted files behind.
"""
import contextlib
import fcntl
import json
import logging
import os
import threading
import time
from typing import Dict, List, NamedTuple, Sequence

from transforms.core import files
from transforms.core.errors import WarehouseBusyError, WarehouseDamagedError
from transforms.core.warehouse import (COMMIT_ID, COMMIT_ORDER, LEDGER_TABLE, NAMESPACE, Warehouse, has_commit, history,
                                       referenced_files)

_LOG = logging.getLogger('newsbeam')
RUNS_DIR = '_runs'
STAGING_DIR = '_staging'
AVRO_DIR = 'avro'
_STARTED = '.started'
# Ledger snapshot properties: what the run added to the articles and dead_letters tables.
ARTICLES_ADDED = 'newsbeam.articles-added'
DEAD_LETTERS_ADDED = 'newsbeam.dead-letters-added'
# The snapshot property of a commit that removes a run that could not be completed.
DISCARDED = 'newsbeam.discarded-commit'


class WrittenFile(NamedTuple):
    """A file a worker wrote: a table's Parquet data file (absolute path) or an Avro copy (relative path)."""
    table: str
    fmt: str            # 'parquet' or 'avro'
    path: str
    rows: int


def runs_dir(output: str) -> str:
    return files.join(output, RUNS_DIR)


def staging_dir(output: str, run_id: str) -> str:
    return files.join(output, STAGING_DIR, run_id)


def journal_path(output: str, commit_id: str) -> str:
    """``_runs/<run>.json`` for a batch run, ``_runs/<run>/<pane>.json`` for a streaming window pane."""
    return files.join(runs_dir(output), f'{commit_id}.json')


def _marker(output: str, run_id: str) -> str:
    return files.join(runs_dir(output), run_id + _STARTED)


@contextlib.contextmanager
def run_lock(output: str):
    """Holds an exclusive lock on a local warehouse while a run or a maintenance command writes to it.

    Two runs into one warehouse would ingest the same articles twice and each would take the other's
    files for leftovers.  ``flock`` is released by the kernel when the process dies, even by
    ``kill -9``, so a crashed run never leaves a stale lock.  Object stores have no such lock:
    schedule one run at a time there.

    Raises:
      WarehouseBusyError: another process holds the lock.
    """
    if not files.is_local(output):
        yield
        return
    os.makedirs(runs_dir(output), exist_ok=True)
    with open(os.path.join(runs_dir(output), '.lock'), 'w', encoding='utf-8') as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise WarehouseBusyError(f'another newsbeam process is writing to {output}; '
                                     'run again when it has finished') from error
        yield


def begin_run(output: str, run_id: str) -> None:
    """Marks the run as started, before any worker writes a file."""
    files.write_bytes(_marker(output, run_id), b'')


def end_run(output: str, run_id: str) -> None:
    """Removes the run's marker and staging folder once its commits (if any) are complete."""
    files.delete(_marker(output, run_id))
    files.delete(staging_dir(output, run_id))


def journal(run_id: str, commit_id: str, written: Sequence[WrittenFile]) -> dict:
    """The journal of a commit: its files per table and the rows they hold."""
    files: Dict[str, List[str]] = {name: [] for name in COMMIT_ORDER}
    rows = {name: 0 for name in COMMIT_ORDER}
    avro = []
    for item in sorted(written):
        if item.fmt == 'parquet':
            files[item.table].append(item.path)
            rows[item.table] += item.rows
        else:
            avro.append(item.path)
    return {'run_id': run_id, 'commit_id': commit_id, 'files': files, 'avro': avro, 'rows': rows}


_COMMITTING = threading.Lock()


@contextlib.contextmanager
def _one_committer(output: str):
    """Lets one commit at a time into a local warehouse, from any thread or process of this machine.

    Concurrent Iceberg commits to one table are safe but make all but one retry, rewriting their
    metadata each time: window panes firing together would spend most of their time retrying.
    """
    with _COMMITTING:
        if not files.is_local(output):
            yield
            return
        os.makedirs(runs_dir(output), exist_ok=True)
        with open(os.path.join(runs_dir(output), '.commit-lock'), 'w', encoding='utf-8') as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield


def publish(warehouse: Warehouse, output: str, entry: dict) -> dict:
    """Journals, then commits a run's (or pane's) files to every table and moves its Avro copies into place.

    Returns:
      The journal entry, whose ``rows`` are the rows added per table.
    """
    path = journal_path(output, entry['commit_id'])
    started = time.monotonic()
    with _one_committer(output):
        files.write_bytes(path, json.dumps(entry, indent=1).encode())
        complete(warehouse, output, entry)
        files.delete(path)
    _LOG.info('committed %s: %d data files in %.2f s', entry['commit_id'],
              sum(len(paths) for paths in entry['files'].values()), time.monotonic() - started)
    return entry


def complete(warehouse: Warehouse, output: str, entry: dict) -> None:
    """Commits every table of a journal entry that does not have it yet, ledger last; then moves the Avro files.

    Raises:
      LostFiles: data files of a commit still to be made are gone; the run cannot be completed.
    """
    ledger = warehouse.load(LEDGER_TABLE)
    if not has_commit(ledger, entry['commit_id']):
        gone = [path for paths in entry['files'].values() for path in paths if files.size(path) < 0]
        if gone:
            raise LostFiles(gone)
    rows = entry['rows']
    for name in COMMIT_ORDER:
        extra = ({ARTICLES_ADDED: str(rows['articles']), DEAD_LETTERS_ADDED: str(rows['dead_letters'])}
                 if name == LEDGER_TABLE else None)
        warehouse.commit_files(name, entry['files'][name], entry['run_id'], entry['commit_id'], extra)
    staging = staging_dir(output, entry['run_id'])
    for relative in entry['avro']:
        source, destination = files.join(staging, relative), files.join(output, AVRO_DIR, relative)
        if files.exists(source):
            files.move(source, destination)
        elif not files.exists(destination):
            raise WarehouseDamagedError(
                f'{journal_path(output, entry["commit_id"])}: the Avro file {relative} of run {entry["run_id"]} is '
                'neither staged nor published; its Iceberg tables are complete: delete the journal to go on without '
                'that Avro copy')


class LostFiles(Exception):
    """A journal's data files are gone before all its commits were made."""

    def __init__(self, paths: List[str]):
        super().__init__(f'{len(paths)} data files are gone, e.g. {paths[0]}')
        self.paths = paths


def discard_commit(warehouse: Warehouse, table_name: str, commit_id: str) -> bool:
    """Removes the rows a commit added to the table, in a snapshot of its own; whether it had any.

    For a run that can no longer be completed: its articles are not in the ledger, so the next run
    ingests them again, and they must not be in the tables twice.
    """
    table = warehouse.load(table_name)
    snapshot = next((s for s in history(table) if s.summary.get(COMMIT_ID) == commit_id), None)
    if snapshot is None:
        return False
    added = [entry.data_file for manifest in snapshot.manifests(table.io)
             for entry in manifest.fetch_manifest_entry(table.io, discard_deleted=True)
             if entry.snapshot_id == snapshot.snapshot_id]
    with table.transaction() as transaction:
        with transaction.update_snapshot(snapshot_properties={DISCARDED: commit_id}).overwrite() as overwrite:
            for data_file in added:
                overwrite.delete_data_file(data_file)
    return True


def _read_journal(path: str) -> dict:
    try:
        entry = json.loads(files.read_bytes(path))
        if not isinstance(entry, dict) or not {'run_id', 'commit_id', 'files', 'avro', 'rows'} <= set(entry):
            raise ValueError('not a newsbeam run journal')
        return entry
    except (OSError, ValueError) as error:
        raise WarehouseDamagedError(
            f'the run journal {path} is damaged ({error}): if no table has a snapshot of that run '
            f"(newsbeam sql \"SELECT * FROM snapshots WHERE run_id = '{os.path.basename(path)[:-5]}'\"), delete "
            'the journal; otherwise restore it from a backup') from error


def recover(warehouse: Warehouse, output: str) -> List[str]:
    """Leaves the warehouse as if every earlier run had either published completely or never run.

    Call it only while no other run writes to the warehouse (the run lock is held).

    Returns:
      One line per repaired run, for the log.
    """
    repaired = []
    root = runs_dir(output)
    for path in files.find(root, '*.json'):
        entry = _read_journal(path)
        try:
            complete(warehouse, output, entry)
            repaired.append(f'completed the commits of run {entry["commit_id"]}')
        except LostFiles as lost:
            for name in COMMIT_ORDER:
                discard_commit(warehouse, name, entry['commit_id'])
            repaired.append(f'discarded run {entry["commit_id"]}, which cannot be completed: its journal {path} '
                            f'lists {lost}; its articles are read again')
        files.delete(path)
    for partial in files.find(root, '*.partial'):
        files.delete(partial)
    for marker in files.find(root, '*' + _STARTED):
        run_id = os.path.basename(marker)[:-len(_STARTED)]
        deleted = discard_uncommitted(warehouse, run_id)
        end_run(output, run_id)
        if deleted:
            repaired.append(f'discarded {deleted} uncommitted data files of run {run_id}')
    files.delete(files.join(output, STAGING_DIR))
    return repaired


def discard_uncommitted(warehouse: Warehouse, run_id: str) -> int:
    """Deletes the data files a run wrote that no snapshot of any table refers to; returns how many."""
    deleted = 0
    for name in COMMIT_ORDER:
        table = warehouse.load(name)
        written = set(files.find(files.join(table.location(), 'data'), f'*/part-{run_id}-*.parquet'))
        if not written:
            continue
        referenced = referenced_files(table)
        io = table.io  # the catalog's storage properties, not the table's own
        for path in written - referenced:
            io.delete(path)
            deleted += 1
    return deleted


def check_consistency(warehouse: Warehouse) -> None:
    """Cross-checks the ingest ledger against the tables it vouches for, and every table's files.

    The ledger is what makes later runs skip what was ingested: a lost or damaged ledger would make
    the next run ingest everything again, and a lost data file would lose articles that the ledger
    says are in.  Either stops the run with the table and the file named.

    Raises:
      WarehouseDamagedError: saying what is wrong, where, and what to do.
    """
    ledger = warehouse.load(LEDGER_TABLE)
    kinds = ledger.scan(selected_fields=('kind',)).to_arrow().column('kind').to_pylist() if history(ledger) else []
    for table_name, kind in (('articles', 'article'), ('dead_letters', 'dead_letter')):
        table = warehouse.load(table_name)
        current = table.current_snapshot()
        held = int(current.summary.get('total-records') or 0) if current else 0
        recorded = sum(1 for k in kinds if k == kind)
        if held != recorded:
            raise WarehouseDamagedError(
                f'{NAMESPACE}.{table_name} holds {held:,} rows but the ingest ledger ({NAMESPACE}.{LEDGER_TABLE}) '
                f'records {recorded:,}: one of the two lost rows or was replaced; restore the warehouse from a '
                'backup, or roll the damaged table back to its last good snapshot (time travel), before ingesting '
                'more: a run now would ingest articles twice or skip ones that are not there')
    for name in COMMIT_ORDER:
        check_files(warehouse.load(name))


def check_files(table) -> None:
    """Every data file of the table's current snapshot exists with the size the table recorded."""
    if not history(table):
        return
    for task in table.scan().plan_files():
        path, size = task.file.file_path, task.file.file_size_in_bytes
        actual = files.size(path)
        if actual != size:
            found = 'missing' if actual < 0 else f'{actual:,} bytes instead of {size:,}'
            raise WarehouseDamagedError(
                f'data file {path} of table {table.name()[-2]}.{table.name()[-1]} is {found}: restore it from a '
                'backup; until then newsbeam does not write to this warehouse, and readers of the table fail')
