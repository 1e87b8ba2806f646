"""Avro schemas derived from ``schemas.fields``."""
from typing import Any, Dict

from schemas.fields import AVRO_NAMESPACE, SCHEMA_VERSION, TABLES, FieldType

_AVRO_TYPES = {
    FieldType.STRING: 'string',
    FieldType.INT32: 'int',
    FieldType.INT64: 'long',
    FieldType.DOUBLE: 'double',
    FieldType.BOOL: 'boolean',
    FieldType.DATE: {'type': 'int', 'logicalType': 'date'},
    FieldType.TIMESTAMP: {'type': 'long', 'logicalType': 'timestamp-micros'},
    FieldType.STRING_LIST: {'type': 'array', 'items': 'string'},
    FieldType.BINARY: 'bytes',
}


def _avro_field(field) -> Dict[str, Any]:
    avro_type = _AVRO_TYPES[field.type]
    out = {'name': field.name, 'doc': field.doc}
    if field.nullable:
        # A nullable field is a union with null first, so its default can be null.
        out['type'] = ['null', avro_type]
        out['default'] = None
    else:
        out['type'] = avro_type
        if field.type is FieldType.STRING_LIST:
            out['default'] = []
    return out


def to_avro_schema(table_name: str) -> Dict[str, Any]:
    """The Avro record schema (as a JSON-able dict) of one warehouse table."""
    table = TABLES[table_name]
    return {
        'type': 'record',
        'name': table.name,
        'namespace': AVRO_NAMESPACE,
        'doc': table.doc,
        'schema_version': SCHEMA_VERSION,
        'fields': [_avro_field(f) for f in table.fields],
    }
