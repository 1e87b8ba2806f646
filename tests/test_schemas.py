"""The Arrow and Avro schemas agree, match their golden files, and round-trip real rows."""
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

GOLDEN = pathlib.Path(__file__).resolve().parents[1] / 'schemas' / 'golden'
# What each Arrow type must be in Avro, nullability aside.
_AVRO_FOR_ARROW = {
    'string': 'string', 'int32': 'int', 'int64': 'long', 'bool': 'boolean',
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
def test_schemas_equal_golden(table):
    """A changed schema needs a new SCHEMA_VERSION and new golden files; old ones are never edited."""
    golden_avro = json.loads((GOLDEN / f'{table}.v{SCHEMA_VERSION}.avsc').read_text(encoding='utf-8'))
    assert to_avro_schema(table) == golden_avro
    golden_arrow = (GOLDEN / f'{table}.v{SCHEMA_VERSION}.arrow.txt').read_text(encoding='utf-8')
    assert to_arrow_schema(table).to_string(show_field_metadata=False, show_schema_metadata=True) + '\n' \
        == golden_arrow


def _sample_value(field_type, name):
    return {
        FieldType.STRING: f'{name} ü “quoted”',
        FieldType.INT32: 2 ** 31 - 1,
        FieldType.INT64: 2 ** 40,
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
