"""Iceberg schemas and partition specs derived from ``schemas.fields``, column docs included.

Iceberg names columns by field id, so a data file must carry the ids of the table it goes
into: ``arrow_schema_for`` gives our Arrow schema (``schemas/arrow.py``) with the ids of the
table's current schema, which is the table's own once it exists (ids are assigned by the
catalog at creation and kept through schema updates).
"""
import pyarrow as pa
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import IdentityTransform
from pyiceberg.types import (BinaryType, BooleanType, DateType, DoubleType, IntegerType, ListType, LongType, NestedField,
                             StringType, TimestamptzType)

from schemas.arrow import to_arrow_schema
from schemas.fields import TABLES, FieldType

_PRIMITIVES = {
    FieldType.STRING: StringType(),
    FieldType.INT32: IntegerType(),
    FieldType.INT64: LongType(),
    FieldType.DOUBLE: DoubleType(),
    FieldType.BOOL: BooleanType(),
    FieldType.DATE: DateType(),
    FieldType.TIMESTAMP: TimestamptzType(),
    FieldType.BINARY: BinaryType(),
}
# The partition field's id: Iceberg numbers partition fields from 1000.
_PARTITION_FIELD_ID = 1000
_FIELD_ID = b'PARQUET:field_id'


def to_iceberg_schema(table_name: str) -> Schema:
    """The Iceberg schema of one table: top-level columns numbered from 1 in order, list elements after them."""
    table = TABLES[table_name]
    next_id = len(table.fields) + 1
    fields = []
    for field_id, field in enumerate(table.fields, start=1):
        if field.type is FieldType.STRING_LIST:
            kind = ListType(element_id=next_id, element_type=StringType(), element_required=True)
            next_id += 1
        else:
            kind = _PRIMITIVES[field.type]
        fields.append(NestedField(field_id, field.name, kind, required=not field.nullable, doc=field.doc))
    return Schema(*fields)


def partition_spec(table_name: str, schema: Schema) -> PartitionSpec:
    """Identity partitioning on the table's DATE partition column (one folder per date)."""
    column = TABLES[table_name].partition_column
    return PartitionSpec(PartitionField(source_id=schema.find_field(column).field_id, field_id=_PARTITION_FIELD_ID,
                                        transform=IdentityTransform(), name=column))


def arrow_schema_for(table_name: str, schema: Schema) -> pa.Schema:
    """Our Arrow schema of the table with the field ids of ``schema`` (the Iceberg table's current one).

    Raises:
      KeyError: a column of ours is missing from ``schema`` (the table needs a schema update first).
    """
    arrow = to_arrow_schema(table_name)
    fields = []
    for field in arrow:
        iceberg_field = schema.find_field(field.name)
        if pa.types.is_list(field.type):
            element = field.type.value_field
            element = element.with_metadata({_FIELD_ID: str(iceberg_field.field_type.element_id).encode()})
            field = field.with_type(pa.list_(element))
        fields.append(field.with_metadata({**(field.metadata or {}), _FIELD_ID: str(iceberg_field.field_id).encode()}))
    return pa.schema(fields, metadata=arrow.metadata)
