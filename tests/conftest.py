"""Shared fixtures: article factories and the paths of the project's own seeds."""
import glob
import pathlib

import fastavro
import pyarrow.parquet as pq
import pytest

from schemas.records import Article

ROOT = pathlib.Path(__file__).resolve().parents[1]
SEEDS = ROOT / 'seeds'
SHARED = ROOT.parent / 'shared'


def warehouse_rows(root, table: str, fmt: str = 'parquet') -> list:
    """Every row of one table of a warehouse, read back from its Parquet (pyarrow) or Avro (fastavro) files."""
    rows = []
    for path in sorted(glob.glob(f'{root}/{fmt}/{table}/*/*.{fmt}')):
        if fmt == 'parquet':
            rows.extend(pq.read_table(path).to_pylist())
        else:
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
