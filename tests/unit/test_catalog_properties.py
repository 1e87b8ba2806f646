"""The pyiceberg properties newsbeam opens a catalog with (``--catalog-uri``, ``--catalog-property``)."""
import os

import pytest

from transforms.core.warehouse import CatalogConfig, catalog_properties


def test_the_default_catalog_is_sqlite_in_the_output_folder(tmp_path):
    assert catalog_properties(CatalogConfig(str(tmp_path))) == {
        'uri': f'sqlite:///{tmp_path}/catalog.db', 'type': 'sql', 'warehouse': str(tmp_path)}


@pytest.mark.parametrize('uri, properties', [
    ('http://127.0.0.1:8181', ()),
    ('https://polaris.example/api/catalog', (('credential', 'id:secret'),)),
    (None, (('type', 'rest'), ('uri', 'http://127.0.0.1:8181'))),
])
def test_a_rest_catalog_gets_no_warehouse_path(uri, properties, tmp_path):
    # There the server places the tables; 'warehouse' names one of its warehouses, never a local path.
    assert 'warehouse' not in catalog_properties(CatalogConfig(str(tmp_path), uri, properties))


def test_a_rest_catalog_keeps_the_warehouse_it_is_given(tmp_path):
    config = CatalogConfig(str(tmp_path), 'http://127.0.0.1:8181', (('warehouse', 'news'),))
    assert catalog_properties(config) == {'uri': 'http://127.0.0.1:8181', 'warehouse': 'news'}


@pytest.mark.parametrize('uri, properties, warehouse', [
    ('thrift://metastore:9083', (), 'OUT'),
    ('postgresql+psycopg2://u@db/iceberg', (), 'OUT'),
    (None, (('type', 'glue'),), 'OUT'),
    (None, (('type', 'glue'), ('warehouse', 's3://bucket/news')), 's3://bucket/news'),
])
def test_other_catalogs_put_new_tables_under_the_output_unless_told(uri, properties, warehouse, tmp_path):
    expected = warehouse.replace('OUT', os.path.abspath(tmp_path))
    assert catalog_properties(CatalogConfig(str(tmp_path), uri, properties))['warehouse'] == expected


def test_an_object_store_output_is_the_warehouse_as_given():
    config = CatalogConfig('s3://bucket/news', 'thrift://metastore:9083')
    assert catalog_properties(config)['warehouse'] == 's3://bucket/news'
