"""Arrow (Parquet) schemas derived from ``schemas.fields``."""
import pyarrow as pa

from schemas.fields import SCHEMA_VERSION, TABLES, FieldType

_ARROW_TYPES = {
    FieldType.STRING: pa.string(),
    FieldType.INT32: pa.int32(),
    FieldType.INT64: pa.int64(),
    FieldType.DOUBLE: pa.float64(),
    FieldType.BOOL: pa.bool_(),
    FieldType.DATE: pa.date32(),
    FieldType.TIMESTAMP: pa.timestamp('us', tz='UTC'),
    # Parquet's compliant three-level list names its element 'element'.
    FieldType.STRING_LIST: pa.list_(pa.field('element', pa.string(), nullable=False)),
    FieldType.BINARY: pa.binary(),
}


def to_arrow_schema(table_name: str) -> pa.Schema:
    """The Arrow schema of one warehouse table, with the schema version in its metadata."""
    table = TABLES[table_name]
    return pa.schema(
        [pa.field(f.name, _ARROW_TYPES[f.type], nullable=f.nullable,
                  metadata={b'doc': f.doc.encode()}) for f in table.fields],
        metadata={b'schema_version': str(SCHEMA_VERSION).encode(),
                  b'table': table.name.encode(),
                  b'partition_column': table.partition_column.encode()})
