"""Registers every pipeline record (``schemas.records``) with Beam's RowCoder.

Imported by ``transforms/dead_letter.py``, which every Beam transform imports, so the coders are
in place wherever a pipeline is built; ``schemas.records`` itself stays free of Beam.
"""
from apache_beam import coders

from schemas.records import RECORDS

for _record in RECORDS:
    coders.registry.register_coder(_record, coders.RowCoder)
