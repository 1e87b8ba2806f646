"""The warehouse: Apache Iceberg tables in a catalog, written through pyiceberg.

By default the catalog is an Iceberg SQL catalog on SQLite at ``OUTPUT/catalog.db`` (catalog
``newsbeam``, namespace ``news``) with the tables' files under ``OUTPUT/news/<table>/``; any
catalog pyiceberg supports (REST, Hive, Glue, a SQL database) is reached through a URI and
catalog properties instead.  Workers write Parquet data files into a table's ``data/`` folder
(``data_file_path``); nothing is visible until ``commit_files`` adds them to the table in one
snapshot, metadata only.  A commit carries the run id (and a commit id: the run, or a window
pane of a streaming run) in its snapshot summary, so committing the same files twice is a no-op.
"""
import concurrent.futures
import os
import sqlite3
import time
import uuid
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import pyarrow as pa
from pyiceberg.catalog import Catalog, load_catalog
from pyiceberg.exceptions import CommitFailedException, NoSuchTableError
from pyiceberg.io import load_file_io
from pyiceberg.io.pyarrow import parquet_file_to_data_file
from pyiceberg.table import Table
from pyiceberg.table.snapshots import ancestors_of
from sqlalchemy.exc import DatabaseError

from schemas.fields import TABLES
from schemas.iceberg import arrow_schema_for, partition_spec, to_iceberg_schema
from transforms.core.errors import OutputError, UsageError, WarehouseDamagedError

CATALOG_NAME = 'newsbeam'
NAMESPACE = 'news'
CATALOG_FILE = 'catalog.db'
# Snapshot summary properties of a newsbeam commit.
RUN_ID = 'newsbeam.run-id'
COMMIT_ID = 'newsbeam.commit-id'
# Data tables first, the ledger last: a ledger row means its run's rows are in every table.
COMMIT_ORDER = ('articles', 'entities', 'time_expressions', 'events', 'quotes', 'dead_letters', 'ingest_ledger')
LEDGER_TABLE = 'ingest_ledger'
_COMMIT_ATTEMPTS = 5
_FOOTER_THREADS = 8


class CatalogConfig(NamedTuple):
    """What opens the catalog, in a worker as in the launcher (picklable).

    Attributes:
      output: the warehouse root: the default catalog's folder, and where Avro files and run journals go.
      uri: the catalog's URI (``http://...`` REST, ``thrift://...`` Hive, ``postgresql+psycopg2://...`` SQL);
        None: the SQLite catalog at ``output/catalog.db``.
      properties: further catalog properties (``type``, ``warehouse``, credentials, ``s3.endpoint``, ...).
    """
    output: str
    uri: Optional[str] = None
    properties: Tuple[Tuple[str, str], ...] = ()

    @property
    def is_default(self) -> bool:
        return self.uri is None and 'type' not in dict(self.properties)


def _is_local(path: str) -> bool:
    return '://' not in path


def catalog_path(output: str) -> str:
    return os.path.join(os.path.abspath(output), CATALOG_FILE)


def _is_rest(properties: Dict[str, str]) -> bool:
    """Whether pyiceberg takes these properties for a REST catalog (its own inference: an http(s) URI)."""
    kind = properties.get('type')
    return kind == 'rest' if kind else str(properties.get('uri', '')).startswith('http')


def catalog_properties(config: CatalogConfig) -> Dict[str, str]:
    """pyiceberg's properties of the configured catalog.

    ``warehouse`` defaults to the output folder, where the tables' folders go, except for a REST
    catalog: there the server places the tables, and ``warehouse`` (when given) names one of the
    server's warehouses or catalogs (Polaris, Lakekeeper, Nessie), which a path would not.
    """
    properties = dict(config.properties)
    if config.uri:
        properties['uri'] = config.uri
    if config.is_default:
        properties['uri'] = f'sqlite:///{catalog_path(config.output)}'
        properties.setdefault('type', 'sql')
    if not _is_rest(properties):
        properties.setdefault('warehouse', os.path.abspath(config.output) if _is_local(config.output)
                              else config.output)
    return properties


def open_catalog(config: CatalogConfig) -> Catalog:
    """The warehouse's catalog.

    Raises:
      WarehouseDamagedError: the SQLite catalog file is not a database newsbeam can read.
      OutputError: the catalog cannot be reached.
    """
    try:
        if config.is_default:
            os.makedirs(config.output, exist_ok=True)
        return load_catalog(CATALOG_NAME, **catalog_properties(config))
    except (DatabaseError, sqlite3.DatabaseError) as error:
        raise _catalog_error(config, error) from error
    except (OSError, ValueError) as error:
        raise OutputError(f'cannot open the Iceberg catalog of {config.output}: {error}') from error


# SQLite's words for a file that is there but is not (or no longer) a database.
_DAMAGE = ('not a database', 'malformed', 'no such table', 'corrupt')


def _catalog_error(config: CatalogConfig, error: Exception):
    """The NewsbeamError of a catalog database error: damaged (exit 5) or unreachable (exit 3)."""
    where = catalog_path(config.output) if config.is_default else config.uri
    reason = str(getattr(error, 'orig', None) or error).splitlines()[0]
    if not any(word in reason for word in _DAMAGE):
        return OutputError(f'cannot open the warehouse catalog {where}: {reason}')
    return WarehouseDamagedError(
        f'the warehouse catalog {where} is damaged ({reason}): restore it from a backup; or, to start the '
        f'warehouse again, move {where} and the table folders under {config.output}/{NAMESPACE} away')


def identifier(table_name: str) -> Tuple[str, str]:
    return (NAMESPACE, table_name)


class TableTarget(NamedTuple):
    """What a worker needs to write data files of one table (picklable)."""
    name: str
    location: str              # the table's root; data files go under location/data/
    arrow_schema: pa.Schema    # our column types, with the table's field ids
    io_properties: Tuple[Tuple[str, str], ...]


def data_file_path(target: TableTarget, partition: str, stem: str) -> str:
    """Where a worker writes one data file: ``<table>/data/<column>=<date>/<stem>.parquet``."""
    return f'{target.location}/data/{partition}/{stem}.parquet'


def file_stem(run_id: str) -> str:
    """A data file name of this run that no other writer, or retried attempt, uses."""
    return f'part-{run_id}-{uuid.uuid4().hex[:16]}'


def file_io(target: TableTarget):
    """The table's file IO (pyiceberg's), as a worker opens it."""
    return load_file_io(dict(target.io_properties), target.location)


class Warehouse:
    """The catalog and the seven tables of one warehouse.

    Args:
      config: how to reach the catalog.
    """

    def __init__(self, config: CatalogConfig):
        self.config = config
        self.catalog = open_catalog(config)

    def _guard(self, action, *args):
        try:
            return action(*args)
        except (DatabaseError, sqlite3.DatabaseError) as error:
            raise _catalog_error(self.config, error) from error

    def load(self, table_name: str) -> Table:
        """The table as the catalog has it now.

        Raises:
          WarehouseDamagedError: the table's metadata file is missing or unreadable.
        """
        try:
            return self._guard(self.catalog.load_table, identifier(table_name))
        except NoSuchTableError:
            raise
        except (OSError, ValueError) as error:
            raise WarehouseDamagedError(
                f'the metadata of table {NAMESPACE}.{table_name} cannot be read ({error}): restore the file from a '
                'backup') from error

    def ensure_tables(self) -> Dict[str, Table]:
        """Creates the namespace and any missing table; adds columns that newer code defines.

        Every table exists (empty when new) after this, so queries over any of them work on a new warehouse.

        Raises:
          UsageError: a table has a column of another type than ours (a warehouse of schema v1: migrate it).
        """
        self._guard(self.catalog.create_namespace_if_not_exists, NAMESPACE)
        tables = {}
        for name in COMMIT_ORDER:
            schema = to_iceberg_schema(name)
            try:
                table = self.load(name)
            except NoSuchTableError:
                table = self._guard(self._create, name, schema)
            tables[name] = self._evolved(table, name, schema)
        return tables

    def _create(self, name: str, schema) -> Table:
        return self.catalog.create_table(
            identifier(name), schema=schema, partition_spec=partition_spec(name, schema),
            properties={'write.parquet.compression-codec': 'snappy', 'comment': TABLES[name].doc,
                        # Each commit writes a metadata file: keep the last 100, not one per run forever.
                        'write.metadata.delete-after-commit.enabled': 'true',
                        'write.metadata.previous-versions-max': '100'})

    def _evolved(self, table: Table, name: str, wanted) -> Table:
        """The table with every column of ours (added, nullable, with its doc), old files readable as before."""
        current = table.schema()
        for field in wanted.fields:
            have = current.find_field(field.name, case_sensitive=True) if field.name in current.column_names else None
            if have is not None and str(have.field_type) != str(field.field_type):
                raise UsageError(
                    f'table {NAMESPACE}.{name} has {field.name} as {have.field_type}, newsbeam writes '
                    f'{field.field_type}: a warehouse of an older schema; migrate it (newsbeam migrate)')
        if all(field.name in current.column_names for field in wanted.fields):
            return table
        try:
            with table.update_schema() as update:
                update.union_by_name(wanted)
        except ValueError as error:
            raise UsageError(f'table {NAMESPACE}.{name} cannot take the columns newsbeam writes ({error}): a '
                             'warehouse of an older schema; migrate it (newsbeam migrate)') from error
        return self.load(name)

    def targets(self, tables: Dict[str, Table]) -> Dict[str, TableTarget]:
        """Where and how workers write each table's data files.

        The file IO properties are the table's own: the catalog's, plus what the catalog returned with the
        table (a REST catalog may vend storage credentials or an endpoint there).
        """
        return {name: TableTarget(name, table.location(), arrow_schema_for(name, table.schema()),
                                  tuple(sorted(table.io.properties.items())))
                for name, table in tables.items()}

    def commit_files(self, table_name: str, paths: Sequence[str], run_id: str, commit_id: str,
                     extra: Optional[Dict[str, str]] = None) -> bool:
        """Adds the data files to the table in one snapshot, unless a snapshot of ``commit_id`` is there already.

        Only the files' footers are read (for the column statistics Iceberg keeps); no row passes through
        here.  A snapshot is made even without files, so that every run has one in every table.

        Returns:
          Whether this call committed (False: the commit was already in the table).
        """
        properties = {RUN_ID: run_id, COMMIT_ID: commit_id, **(extra or {})}
        for attempt in range(_COMMIT_ATTEMPTS):
            table = self.load(table_name)
            if has_commit(table, commit_id):
                return False
            try:
                with table.transaction() as transaction:
                    with transaction.update_snapshot(snapshot_properties=properties).fast_append() as append:
                        for data_file in data_files(table, paths):
                            append.append_data_file(data_file)
                return True
            except CommitFailedException:
                # Another writer committed first (pyiceberg has retried already): look again whether it was us.
                if attempt == _COMMIT_ATTEMPTS - 1:
                    raise
                time.sleep(0.1 * (attempt + 1))
        return False

    def rows_of_run(self, run_id: str) -> Dict[str, int]:
        """Rows a run added per table, over all its commits (from the snapshot summaries: no data is read)."""
        rows = {}
        for name in COMMIT_ORDER:
            table = self.load(name)
            rows[name] = sum(int(snapshot.summary.get('added-records') or 0)
                             for snapshot in history(table) if snapshot.summary.get(RUN_ID) == run_id)
        return rows

    def current_files(self, table_name: str) -> List[str]:
        """The data files of the table's current snapshot."""
        return [task.file.file_path for task in self.load(table_name).scan().plan_files()]


def history(table: Table) -> List:
    """The snapshots of the table's current state, newest first."""
    current = table.current_snapshot()
    return list(ancestors_of(current, table.metadata)) if current else []


def has_commit(table: Table, commit_id: str) -> bool:
    return any(snapshot.summary.get(COMMIT_ID) == commit_id for snapshot in history(table))


def referenced_files(table: Table) -> set:
    """Every data file, manifest and manifest list that a snapshot of the table still uses."""
    paths = set()
    for snapshot in table.snapshots():
        paths.add(snapshot.manifest_list)
        for manifest in snapshot.manifests(table.io):
            paths.add(manifest.manifest_path)
            paths.update(entry.data_file.file_path
                         for entry in manifest.fetch_manifest_entry(table.io, discard_deleted=True))
    return paths


def data_files(table: Table, paths: Sequence[str]) -> List:
    """Iceberg DataFiles (statistics and partition from each file's footer) of written Parquet files."""
    if not paths:
        return []
    with concurrent.futures.ThreadPoolExecutor(min(_FOOTER_THREADS, len(paths))) as pool:
        return list(pool.map(lambda path: parquet_file_to_data_file(table.io, table.metadata, path), paths))
