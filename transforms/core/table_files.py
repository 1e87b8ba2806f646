"""Writing one partition of a table: an Iceberg data file (Parquet) and, optionally, its Avro copy.

Rows stream into the files: a Parquet row group ends at ``ROW_GROUP_ROWS`` rows or ``ROW_GROUP_BYTES``
of values, whichever comes first, so a writer holds at most one row group.
"""
from typing import List, Optional

import fastavro
import pyarrow as pa
import pyarrow.parquet as pq

from schemas.avro import to_avro_schema
from schemas.fields import SCHEMA_VERSION
from transforms.core import files
from transforms.core.publication import WrittenFile
from transforms.core.warehouse import TableTarget, data_file_path, file_io

PARQUET_CODEC = 'snappy'     # read by every warehouse engine; zstd is not (older Hive, some BI tools)
AVRO_CODEC = 'deflate'       # the only codec besides null that every Avro reader must support
# A row group ends at whichever comes first.  Rows differ a thousandfold in size (an article with
# its body against an entity mention), so a count alone would let the articles table hold 5,000
# bodies before writing any.
ROW_GROUP_ROWS = 5_000
ROW_GROUP_BYTES = 4 << 20


def approximate_bytes(value) -> int:
    """The size of a row's values as Arrow will hold them: text and binary by length, scalars as 8 bytes."""
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, dict):
        return sum(approximate_bytes(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(approximate_bytes(v) for v in value)
    return 8


class TableFileWriter:
    """Writes one table partition to an Iceberg data file and its Avro copy at once, streaming rows in groups.

    Args:
      target: the table's location and schema.
      partition: the partition folder, e.g. ``article_date=2019-09-13``.
      stem: the files' name without extension.
      avro_root: the folder the Avro copy goes under (``<avro_root>/<table>/<partition>/<stem>.avro``);
        None: no Avro copy.
    """

    def __init__(self, target: TableTarget, partition: str, stem: str, avro_root: Optional[str]):
        self.table = target.name
        self._schema = target.arrow_schema
        self._rows: List[dict] = []
        self.pending_bytes = 0
        self.count = 0
        self.parquet_path = data_file_path(target, partition, stem)
        self.avro_path = f'{target.name}/{partition}/{stem}.avro' if avro_root else None
        # Through the table's own file IO: the credentials or endpoint a catalog hands out with a table apply.
        self._parquet_stream = file_io(target).new_output(self.parquet_path).create(overwrite=True)
        self._parquet = pq.ParquetWriter(self._parquet_stream, self._schema, compression=PARQUET_CODEC,
                                         use_compliant_nested_type=True)
        self._avro_stream = self._avro = None
        if avro_root:
            self._avro_stream = files.create(files.join(avro_root, self.avro_path))
            self._avro = fastavro.write.Writer(self._avro_stream, fastavro.parse_schema(to_avro_schema(self.table)),
                                               codec=AVRO_CODEC, metadata={'schema_version': str(SCHEMA_VERSION)})

    def write(self, row: dict) -> int:
        """Writes the row (to Avro now, to Parquet with its row group); returns its approximate_bytes."""
        size = approximate_bytes(row)
        self._rows.append(row)
        self.pending_bytes += size
        if self._avro:
            self._avro.write(row)
        self.count += 1
        if len(self._rows) >= ROW_GROUP_ROWS or self.pending_bytes >= ROW_GROUP_BYTES:
            self.flush()
        return size

    def flush(self) -> None:
        """Writes the rows held so far as a Parquet row group."""
        if self._rows:
            self._parquet.write_table(pa.Table.from_pylist(self._rows, schema=self._schema))
            self._rows = []
            self.pending_bytes = 0

    def write_table(self, rows: pa.Table) -> None:
        """Writes whole Arrow rows (a compaction's partition), with this writer's column types."""
        self.flush()
        self._parquet.write_table(rows.select(self._schema.names).cast(self._schema))
        self.count += rows.num_rows

    def close(self) -> List[WrittenFile]:
        try:
            self.flush()
            self._parquet.close()
            if self._avro:
                self._avro.flush()
        finally:
            self._parquet_stream.close()
            if self._avro_stream:
                self._avro_stream.close()
        written = [WrittenFile(self.table, 'parquet', self.parquet_path, self.count)]
        if self.avro_path:
            written.append(WrittenFile(self.table, 'avro', self.avro_path, self.count))
        return written



