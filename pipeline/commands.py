"""The warehouse commands of ``newsbeam`` besides ``run``: schema, sql, compact, expire, migrate.

None of them imports Beam.  Those that write (compact, expire, migrate) hold the warehouse's run
lock, so they never meet a run half-way; sql reads the snapshots of whole runs only.
"""
import argparse
import datetime
import os
import re
import sys

from pipeline.arguments import catalog_property
from schemas.fields import TABLES
from transforms.core.errors import UsageError

_AGE = re.compile(r'(\d+)\s*([dhm])')
_UNITS = {'d': 'days', 'h': 'hours', 'm': 'minutes'}


def age(value: str) -> datetime.timedelta:
    """argparse type of an age: '7d', '12h', '30m'."""
    match = _AGE.fullmatch(value.strip())
    if not match:
        raise argparse.ArgumentTypeError(f'{value!r} is not an age such as 7d, 12h or 30m')
    return datetime.timedelta(**{_UNITS[match[2]]: int(match[1])})


def _warehouse_arguments(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument('--output', required=required, metavar='DIR', help='The warehouse root.')
    parser.add_argument('--catalog-uri', '--catalog_uri', dest='catalog_uri', default=None, metavar='URI',
                        help='The Iceberg catalog, as for newsbeam run (default: OUTPUT/catalog.db).')
    parser.add_argument('--catalog-property', '--catalog_property', dest='catalog_property', action='append',
                        default=None, type=catalog_property, metavar='KEY=VALUE', help='A catalog property.')


def add_commands(commands) -> None:
    """Adds the warehouse commands to the CLI's subparsers."""
    schema = commands.add_parser('schema', help="print the warehouse's tables, column types and meanings")
    schema.add_argument('table', nargs='?', choices=list(TABLES), help='one table (default: all)')

    sql = commands.add_parser(
        'sql', help='query the warehouse with DuckDB',
        description='Runs SQL over the warehouse with DuckDB: one view per table (articles, entities, events, '
                    'quotes, time_expressions, dead_letters, ingest_ledger, also as news.<table>) at the newest '
                    'run every table has, and a snapshots table (table, snapshot_id, committed_at, operation, '
                    'run_id, added_records, total_records).')
    sql.add_argument('query', help='the SQL to run')
    sql.add_argument('--format', choices=('table', 'csv', 'json'), default='table', help='output format')
    _warehouse_arguments(sql)

    compact = commands.add_parser(
        'compact', help='rewrite the small files of each table partition into one, in one snapshot per table')
    _warehouse_arguments(compact)

    expire = commands.add_parser(
        'expire', help='drop snapshots older than an age and delete the files only they used')
    expire.add_argument('--older-than', '--older_than', dest='older_than', type=age, required=True, metavar='AGE',
                        help='e.g. 7d, 12h: snapshots committed longer ago are dropped (never the current one); '
                             'time travel reaches back this far')
    _warehouse_arguments(expire)

    migrate = commands.add_parser(
        'migrate', help='import a schema-v1 warehouse (Hive-partitioned Parquet) into a new Iceberg warehouse')
    migrate.add_argument('--from', dest='source', required=True, metavar='V1_DIR', help='the v1 warehouse root')
    _warehouse_arguments(migrate)


def _config(args):
    from transforms.core.warehouse import CatalogConfig  # pylint: disable=import-outside-toplevel
    properties = tuple(tuple(item.split('=', 1)) for item in args.catalog_property or ())
    return CatalogConfig(args.output, args.catalog_uri, properties)


def _open(args):
    """The warehouse the arguments name, which must exist already (a typo must not create an empty one)."""
    from transforms.core.warehouse import Warehouse, catalog_path  # pylint: disable=import-outside-toplevel
    config = _config(args)
    if config.is_default and not os.path.exists(catalog_path(args.output)):
        raise UsageError(f'{args.output} is not a newsbeam warehouse (no {catalog_path(args.output)})')
    return Warehouse(config)


def run_command(args) -> int:
    """Runs a warehouse command; returns the exit status."""
    if args.command == 'schema':
        from pipeline.query import describe  # pylint: disable=import-outside-toplevel
        print(describe(args.table))
        return 0
    if args.command == 'sql':
        return _sql(args)
    from transforms.core import maintenance, publication  # pylint: disable=import-outside-toplevel
    if args.command == 'migrate':
        from transforms.core import migration  # pylint: disable=import-outside-toplevel
        from transforms.core.warehouse import Warehouse  # pylint: disable=import-outside-toplevel
        with publication.run_lock(args.output):
            rows = migration.migrate(args.source, Warehouse(_config(args)), args.output)
        print('migrated ' + ', '.join(f'{table}={count}' for table, count in rows.items()))
        return 0
    warehouse = _open(args)
    with publication.run_lock(args.output):
        publication.recover(warehouse, args.output)
        if args.command == 'compact':
            for done in maintenance.compact(warehouse):
                print(f'{done.table}: {done.files_before} -> {done.files_after} data files '
                      f'({done.partitions} partitions rewritten, {done.rows} rows)')
        else:
            cutoff = datetime.datetime.now(datetime.timezone.utc) - args.older_than
            for table, count in maintenance.expire(warehouse, cutoff).items():
                print(f'{table}: {count} snapshots dropped')
    return 0


def _sql(args) -> int:
    import duckdb  # pylint: disable=import-outside-toplevel
    from pipeline.query import connect  # pylint: disable=import-outside-toplevel
    connection = connect(_open(args))
    try:
        result = connection.sql(args.query)
    except duckdb.Error as error:
        raise UsageError(f'the query failed: {str(error).splitlines()[0]}') from error
    if result is None:
        return 0
    if args.format == 'table':
        result.show(max_rows=10_000, max_width=sys.maxsize if not sys.stdout.isatty() else None)
    elif args.format == 'csv':
        _write_csv(result)
    else:
        _write_json(result)
    return 0


def _write_csv(result) -> None:
    import csv  # pylint: disable=import-outside-toplevel
    writer = csv.writer(sys.stdout)
    writer.writerow(result.columns)
    writer.writerows(result.fetchall())


def _write_json(result) -> None:
    import json  # pylint: disable=import-outside-toplevel
    for row in result.fetchall():
        print(json.dumps(dict(zip(result.columns, row)), default=str))
