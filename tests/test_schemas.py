"""The Iceberg, Arrow and Avro schemas agree, match their golden files, and round-trip real rows.

After a deliberate schema change (a new SCHEMA_VERSION), write the new golden files with
``python -m tests.test_schemas``; never edit the files of an earlier version.
"""
import datetime
import io
import json
import pathlib

import fastavro
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from schemas.arrow import to_arrow_schema
from schemas.avro import to_avro_schema
from schemas.fields import SCHEMA_VERSION, TABLES, FieldType
from schemas.iceberg import to_iceberg_schema

GOLDEN = pathlib.Path(__file__).resolve().parents[1] / 'schemas' / 'golden'
# What each Arrow type must be in Avro, nullability aside.
_AVRO_FOR_ARROW = {
    'string': 'string', 'int32': 'int', 'int64': 'long', 'double': 'double', 'bool': 'boolean',
    'date32[day]': {'type': 'int', 'logicalType': 'date'},
    'timestamp[us, tz=UTC]': {'type': 'long', 'logicalType': 'timestamp-micros'},
    'list<element: string not null>': {'type': 'array', 'items': 'string'},
    'binary': 'bytes',
}


def _avro_type(field):
    kind = field['type']
    if isinstance(kind, list):
        assert kind[0] == 'null' and len(kind) == 2, field
        return kind[1], True
    return kind, False


@pytest.mark.parametrize('table', sorted(TABLES))
def test_arrow_and_avro_agree(table):
    arrow = to_arrow_schema(table)
    avro = to_avro_schema(table)
    assert [f.name for f in arrow] == [f['name'] for f in avro['fields']] == list(TABLES[table].column_names)
    for arrow_field, avro_field in zip(arrow, avro['fields']):
        avro_type, nullable = _avro_type(avro_field)
        assert arrow_field.nullable == nullable, arrow_field.name
        assert _AVRO_FOR_ARROW[str(arrow_field.type)] == avro_type, arrow_field.name
        if nullable:
            assert avro_field['default'] is None
    assert arrow.metadata[b'schema_version'] == str(SCHEMA_VERSION).encode()
    assert avro['namespace'] == f'news.v{SCHEMA_VERSION}'


@pytest.mark.parametrize('table', sorted(TABLES))
def test_iceberg_schema_has_every_column_with_its_doc(table):
    iceberg = to_iceberg_schema(table)
    assert [(f.name, f.required, f.doc) for f in iceberg.fields] == [
        (f.name, not f.nullable, f.doc) for f in TABLES[table].fields]
    assert str(iceberg.find_field(TABLES[table].partition_column).field_type) == 'date'


def _golden_texts(table):
    """{file name: content} of the table's golden files at SCHEMA_VERSION."""
    stem = f'{table}.v{SCHEMA_VERSION}'
    return {f'{stem}.avsc': json.dumps(to_avro_schema(table), indent=2) + '\n',
            f'{stem}.arrow.txt': to_arrow_schema(table).to_string(show_field_metadata=False,
                                                                  show_schema_metadata=True) + '\n',
            f'{stem}.iceberg.txt': str(to_iceberg_schema(table)) + '\n'}


@pytest.mark.parametrize('table', sorted(TABLES))
def test_schemas_equal_golden(table):
    """A changed schema needs a new SCHEMA_VERSION and new golden files; old ones are never edited."""
    for name, text in _golden_texts(table).items():
        assert (GOLDEN / name).read_text(encoding='utf-8') == text, name


def _sample_value(field_type, name):
    return {
        FieldType.STRING: f'{name} ü “quoted”',
        FieldType.INT32: 2 ** 31 - 1,
        FieldType.INT64: 2 ** 40,
        FieldType.DOUBLE: -35.308056,
        FieldType.BOOL: True,
        FieldType.DATE: datetime.date(2019, 9, 13),
        FieldType.TIMESTAMP: datetime.datetime(2019, 9, 13, 8, 30, 1, 123456, tzinfo=datetime.timezone.utc),
        FieldType.STRING_LIST: ['MH', 'PA'],
        FieldType.BINARY: bytes(range(256)),
    }[field_type]


@pytest.mark.parametrize('table', sorted(TABLES))
def test_rows_round_trip_through_parquet_and_avro(table):
    full = {f.name: _sample_value(f.type, f.name) for f in TABLES[table].fields}
    sparse = {f.name: (None if f.nullable else _sample_value(f.type, f.name)) for f in TABLES[table].fields}
    rows = [full, sparse]

    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=to_arrow_schema(table)), buffer)
    assert pq.read_table(io.BytesIO(buffer.getvalue())).to_pylist() == rows

    buffer = io.BytesIO()
    fastavro.writer(buffer, fastavro.parse_schema(to_avro_schema(table)), rows)
    buffer.seek(0)
    assert list(fastavro.reader(buffer)) == rows


if __name__ == '__main__':
    for _table in TABLES:
        for _name, _text in _golden_texts(_table).items():
            (GOLDEN / _name).write_text(_text, encoding='utf-8')
