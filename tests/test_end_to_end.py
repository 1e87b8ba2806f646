"""End to end on seeds/: run the CLI's run(), read the Iceberg tables back with pyiceberg and DuckDB, Avro with fastavro."""
import datetime
import json
import os

import pytest

from pipeline.main import run
from pipeline.query import connect
from schemas.fields import TABLES
from tests.conftest import SEEDS, warehouse_rows
from transforms.core.warehouse import CatalogConfig, Warehouse

SAMPLE = '000_ca39e523ff7368f4.txt'


def _expected(name):
    with open(SEEDS / 'expected' / name, encoding='utf-8') as handle:
        return [json.loads(line) for line in handle]


def _jsonable(value):
    return value.isoformat() if isinstance(value, (datetime.date, datetime.datetime)) else value


def _iceberg(root, table):
    return warehouse_rows(root, table, 'iceberg')


def _avro(root, table):
    return warehouse_rows(root, table, 'avro')


# In this process, and on two local worker processes: the same tables.
@pytest.fixture(scope='module', name='warehouse', params=[[], ['--direct_num_workers=2',
                                                                '--direct_running_mode=multi_processing']],
                ids=['in_process', 'two_worker_processes'])
def fixture_warehouse(tmp_path_factory, request):
    root = str(tmp_path_factory.mktemp('warehouse'))
    summary = run(['--input', str(SEEDS / 'articles' / '*'), '--output', root, *request.param])
    return root, summary


def test_summary_balances(warehouse):
    _, summary = warehouse
    assert (summary['articles_read'], summary['articles_written'], summary['dead_letters']) == (24, 15, 9)
    assert summary['balanced'] is True


@pytest.mark.parametrize('reader', [_iceberg, _avro])
def test_articles_match_expected(warehouse, reader):
    root, _ = warehouse
    got = {}
    for row in reader(root, 'articles'):
        assert set(row) >= set(TABLES['articles'].column_names)
        record = {key: _jsonable(row[key]) for key in _expected('articles.jsonl')[0] if key in row}
        record['body_starts'], record['body_ends'] = row['body'][:40], row['body'][-30:]
        got[row['source_id']] = record
    assert got == {row['source_id']: row for row in _expected('articles.jsonl')}


@pytest.mark.parametrize('reader', [_iceberg, _avro])
def test_dead_letters_match_expected(warehouse, reader):
    root, _ = warehouse
    got = sorted(({'source': os.path.relpath(row['source_uri'], SEEDS / 'articles'), 'source_id': row['source_id'],
                   'stage': row['stage'], 'error': row['error']} for row in reader(root, 'dead_letters')),
                 key=lambda row: row['source'])
    assert got == _expected('dead_letters.jsonl')


def test_sample_article(warehouse):
    """The acceptance values of the article the product started from."""
    root, _ = warehouse
    [article] = [a for a in _iceberg(root, 'articles') if a['source_id'] == SAMPLE]
    assert article['dateline_date'] == datetime.date(2019, 9, 13)
    assert (article['dateline_city'], article['dateline_country'], article['dateline_timezone']) == (
        'Tehran', 'IRN', 'Asia/Tehran')
    assert article['editor_initials'] == ['MH', 'PA']
    assert 'Press TV' in article['attributions']
    assert article['body'].startswith('Iranian Armed Forces')
    assert 'MH/PA' not in article['body']

    mentions = [e for e in _iceberg(root, 'entities') if e['article_id'] == article['article_id']]
    for mention in mentions:
        assert article['body'][mention['start_char']:mention['end_char']] == mention['text']
    people = {(e['text'], e['canonical']) for e in mentions if e['label'] == 'PERSON'}
    assert people == {('Mohammad Hossein Baqeri', 'Mohammad Hossein Baqeri'),
                      ('Baqeri', 'Mohammad Hossein Baqeri'),
                      ('Li Zuocheng', 'Li Zuocheng'), ('Xu Qiliang', 'Xu Qiliang')}
    assert {'Beijing', 'China', 'Iran'} <= {e['text'] for e in mentions if e['label'] == 'GPE'}
    assert 'MH' not in {e['text'] for e in mentions}
    got = sorted(({k: e[k] for k in ('text', 'label', 'canonical', 'start_char', 'end_char', 'sentence_index',
                                     'entity_key')}
                  for e in mentions), key=lambda e: e['start_char'])
    assert got == _expected('entities_000.jsonl')


def test_duckdb_queries_the_tables(warehouse):
    root, _ = warehouse
    query = """
        SELECT a.dateline_city, count(*) AS people
        FROM articles a JOIN entities e USING (article_id)
        WHERE e.label = 'PERSON' AND a.article_date = DATE '2019-09-13'
        GROUP BY ALL"""
    assert connect(Warehouse(CatalogConfig(root))).sql(query).fetchall() == [('Tehran', 9)]


@pytest.mark.parametrize('table', sorted(TABLES))
def test_avro_copies_hold_the_same_rows_as_the_tables(warehouse, table):
    root, _ = warehouse

    def key(row):
        return json.dumps(row, sort_keys=True, default=str)

    iceberg, avro = _iceberg(root, table), _avro(root, table)
    assert len(iceberg) > 0 and sorted(map(key, iceberg)) == sorted(map(key, avro))


@pytest.mark.parametrize('reader', [_iceberg, _avro])
def test_sample_events_time_expressions_and_quotes(warehouse, reader):
    """Issue 3's acceptance values, read back from Parquet and from Avro."""
    root, _ = warehouse
    [article] = [a for a in reader(root, 'articles') if a['source_id'] == SAMPLE]
    mine = article['article_id']

    events = [e for e in reader(root, 'events') if e['article_id'] == mine]
    consults = {(e['actor_canonical'], e['target'], e['event_mode'], e['location'], e['event_date_value'],
                 e['actor_country'], e['target_country'])
                for e in events if e['event_type'] == 'CONSULT'}
    assert {e['event_date'] for e in events} >= {datetime.date(2019, 9, 11)}
    assert ('Mohammad Hossein Baqeri', 'Li Zuocheng', 'meet', 'Beijing', '2019-09-11', 'IRN', 'CHN') in consults
    assert ('Mohammad Hossein Baqeri', 'Xu Qiliang', 'meet', None, None, 'IRN', None) in consults
    assert ('Mohammad Hossein Baqeri', 'China', 'visit', None, '2019-09-11', 'IRN', 'CHN') in consults
    # Keys of actor and target, the location's GeoNames id and point.
    places = {(e['actor_key'], e['target_key'], e['location_geonames_id'], e['location_latitude'],
               e['location_longitude']) for e in events if e['event_type'] == 'CONSULT'}
    assert ('name:mohammad hossein baqeri', 'name:li zuocheng', 1816670, 39.9075, 116.39723) in places
    assert ('name:mohammad hossein baqeri', 'geonames:1814991', None, None, None) in places
    for event in events:
        assert article['body'][event['start_char']:event['end_char']] == event['trigger']
        assert event['quad_class'] == 'verbal_cooperation'
        assert event['negated'] is False
    assert len({e['event_id'] for e in events}) == len(events)

    timexes = sorted((t['text'], t['value'], t['granularity']) for t in reader(root, 'time_expressions')
                     if t['article_id'] == mine)
    assert timexes == [('2016', '2016', 'year'), ('Thursday', '2019-09-12', 'day'),
                       ('Wednesday', '2019-09-11', 'day'), ('Wednesday', '2019-09-11', 'day'),
                       ('the past few years', 'PAST_REF', 'past'), ('the past four decades', 'P4DE', 'duration'),
                       ('three-day', 'P3D', 'duration')]

    quotes = [q for q in reader(root, 'quotes') if q['article_id'] == mine]
    assert any(q['speaker_canonical'] == 'Mohammad Hossein Baqeri' and q['speaker_key'] == 'name:mohammad hossein baqeri'
               and q['quote'].startswith('Iran attaches great significance') for q in quotes)
    for quote in quotes:
        assert article['body'][quote['start_char']:quote['end_char']] == quote['quote']
