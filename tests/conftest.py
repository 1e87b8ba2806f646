"""Shared fixtures: article factories and the paths of the project's own seeds."""
import glob
import os
import pathlib

import fastavro
import pytest
from pyiceberg.catalog.sql import SqlCatalog

from schemas.records import Article

ROOT = pathlib.Path(__file__).resolve().parents[1]
SEEDS = ROOT / 'seeds'
SHARED = ROOT.parent / 'shared'


def warehouse_rows(root, table: str, fmt: str = 'iceberg') -> list:
    """Every row of one table of a warehouse: through its Iceberg catalog (pyiceberg, as any reader would
    open it: the catalog file alone), or from its Avro copies (fastavro)."""
    if fmt == 'iceberg':
        catalog = SqlCatalog('newsbeam', uri=f'sqlite:///{os.path.abspath(root)}/catalog.db')
        return catalog.load_table(('news', table)).scan().to_arrow().to_pylist()
    rows = []
    for path in sorted(glob.glob(f'{root}/avro/{table}/*/*.avro')):
        with open(path, 'rb') as handle:
            rows.extend(fastavro.reader(handle))
    return rows


def make_article(article_id: str, body: str, **fields) -> Article:
    """An Article as the parse stage makes it, with any field overridden."""
    values = dict(
        article_id=article_id, source_id=f'{article_id}.txt', source_uri=f'/in/{article_id}.txt',
        source_name=None, url=None, title=None, published_at=None, text=body, body=body,
        dateline_raw=None, dateline_city=None, dateline_region=None, dateline_country=None,
        dateline_timezone=None, dateline_date=None, agencies=(), attributions=(), editor_initials=(),
        boilerplate=(), decode_replaced=False, content_sha256='0' * 64)
    values.update(fields)
    return Article(**values)


@pytest.fixture(name='article_factory')
def fixture_article_factory():
    return make_article
