"""Scheduled re-runs: only new articles are ingested, and a killed run leaves no trace."""
import datetime
import glob
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from pipeline.main import run
from tests.conftest import ROOT, SEEDS, warehouse_rows
from transforms.core import publication
from transforms.core.table_files import TableFileWriter
from transforms.core.warehouse import COMMIT_ORDER, CatalogConfig, Warehouse, file_stem


def _committed_files(root):
    """Every data file the tables' snapshots use: any other file would be an orphan."""
    warehouse = Warehouse(CatalogConfig(root))
    return sorted(path for name in COMMIT_ORDER for path in warehouse.current_files(name))


def _data_files(root):
    return sorted(glob.glob(f'{root}/news/*/data/*/*.parquet'))


def _avro_files(root):
    return sorted(glob.glob(f'{root}/avro/*/*/*.avro'))


@pytest.fixture(name='inbox')
def fixture_inbox(tmp_path):
    inbox = tmp_path / 'inbox'
    shutil.copytree(SEEDS / 'articles', inbox)
    return inbox


def test_rerun_adds_nothing_and_new_files_add_exactly_themselves(inbox, tmp_path):
    warehouse = str(tmp_path / 'warehouse')
    args = ['--input', f'{inbox}/**/*', '--output', warehouse]
    first = run(args)
    assert (first['articles_written'], first['dead_letters'], first['skipped']) == (15, 9, 0)
    assert _data_files(warehouse) == _committed_files(warehouse)
    assert len(_avro_files(warehouse)) == len(_data_files(warehouse))

    again = run(args)
    assert (again['articles_read'], again['articles_written'], again['dead_letters'], again['skipped']) == (
        24, 0, 0, 24)
    assert again['balanced']
    assert len(warehouse_rows(warehouse, 'articles')) == 15
    assert len(warehouse_rows(warehouse, 'dead_letters')) == 9

    (inbox / 'day2').mkdir()
    for number in range(20):
        (inbox / 'day2' / f'new-{number:02d}.txt').write_text(
            f'NAIROBI, March {number + 1} - Story number {number} about rainfall in region {number * 7}.\n')
    third = run(args)
    assert (third['articles_written'], third['dead_letters'], third['skipped']) == (20, 0, 24)
    assert len(warehouse_rows(warehouse, 'articles')) == 35
    ids = [row['article_id'] for row in warehouse_rows(warehouse, 'articles')]
    assert len(ids) == len(set(ids))


def test_near_duplicates_point_at_the_first_copy_across_runs(tmp_path):
    original = (SEEDS / 'articles' / '000_ca39e523ff7368f4.txt').read_text(encoding='utf-8')
    first_inbox, second_inbox = tmp_path / 'one', tmp_path / 'two'
    first_inbox.mkdir()
    second_inbox.mkdir()
    (first_inbox / 'presstv.txt').write_text(original)
    warehouse = str(tmp_path / 'warehouse')
    run(['--input', f'{first_inbox}/*', '--output', warehouse])

    (second_inbox / 'resent.txt').write_text(original.replace('great significance', 'considerable importance'))
    (second_inbox / 'syndicated.txt').write_text('Reprinted from Tehran Times.\n\n' + original)
    (second_inbox / 'unrelated.txt').write_text('SEOUL (Reuters) – South Korea exports fell in May, data showed.')
    summary = run(['--input', f'{second_inbox}/*', '--output', warehouse])
    assert summary['near_duplicates'] == 2
    articles = {row['source_id']: row for row in warehouse_rows(warehouse, 'articles')}
    first_id = articles['presstv.txt']['article_id']
    assert {sid: row['duplicate_of'] for sid, row in articles.items()} == {
        'presstv.txt': None, 'resent.txt': first_id, 'syndicated.txt': first_id, 'unrelated.txt': None}


def test_the_same_file_read_twice_in_one_run_is_kept_once(tmp_path):
    for folder in ('a', 'b'):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / 'story.txt').write_text('LONDON, May 2 - Same file, same name, two folders.\n')
    summary = run(['--input', f'{tmp_path}/a/*', '--input', f'{tmp_path}/b/*', '--output', str(tmp_path / 'w')])
    assert (summary['articles_read'], summary['articles_written'], summary['skipped']) == (2, 1, 1)
    [article] = warehouse_rows(str(tmp_path / 'w'), 'articles')
    assert article['source_uri'] == str(tmp_path / 'a' / 'story.txt')


def _entity_row(name):
    return {'entity_id': name, 'article_id': 'a', 'text': name, 'label': 'GPE', 'canonical': name,
            'start_char': 0, 'end_char': 1, 'sentence_index': 0,
            'ingested_at': datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
            'article_date': datetime.date(2019, 9, 13)}


class _Killed(BaseException):
    """Stands for the process dying: nothing after it runs."""


def test_a_run_killed_while_committing_is_completed_by_the_next(tmp_path, monkeypatch):
    output = str(tmp_path)
    warehouse = Warehouse(CatalogConfig(output))
    targets = warehouse.targets(warehouse.ensure_tables())
    writer = TableFileWriter(targets['entities'], 'article_date=2019-09-13', file_stem('r1'),
                             publication.staging_dir(output, 'r1'))
    writer.write(_entity_row('Tehran'))
    written = writer.close()
    entry = publication.journal('r1', 'r1', written)
    # The process dies after committing two tables: the journal stays, the other tables lack the run.
    original, committed = Warehouse.commit_files, []

    def dying(self, name, *args, **kwargs):
        if len(committed) == 2:
            raise _Killed()
        committed.append(name)
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(Warehouse, 'commit_files', dying)
    with pytest.raises(_Killed):
        publication.publish(warehouse, output, entry)
    monkeypatch.setattr(Warehouse, 'commit_files', original)
    assert committed == ['articles', 'entities']
    assert os.path.exists(publication.journal_path(output, 'r1'))
    assert [len(warehouse.load(name).snapshots()) for name in COMMIT_ORDER] == [1, 1, 0, 0, 0, 0, 0]

    assert publication.recover(warehouse, output) == ['completed the commits of run r1']
    assert [len(warehouse.load(name).snapshots()) for name in COMMIT_ORDER] == [1] * 7
    assert [row['text'] for row in warehouse_rows(output, 'entities')] == ['Tehran']
    assert not os.path.exists(publication.journal_path(output, 'r1'))
    assert _avro_files(output) == [os.path.join(output, 'avro', 'entities', 'article_date=2019-09-13',
                                                os.path.basename(written[1].path))]
    # Recovering again, or committing the same run again, changes nothing.
    assert publication.recover(warehouse, output) == []
    publication.publish(warehouse, output, entry)
    assert [len(warehouse.load(name).snapshots()) for name in COMMIT_ORDER] == [1] * 7


def test_kill_9_during_a_run_leaves_exactly_one_row_per_article(inbox, tmp_path):
    warehouse = tmp_path / 'warehouse'
    command = [sys.executable, '-m', 'pipeline.cli', 'run', '--input', f'{inbox}/*', '--output', str(warehouse)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    # Kill it once it has written data files but before it commits them.
    while not glob.glob(f'{warehouse}/news/*/data/*/*.parquet') and time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail('the run finished before it could be killed')
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not glob.glob(f'{warehouse}/_runs/*.json')
    assert _data_files(str(warehouse)) != [] and _committed_files(str(warehouse)) == []

    summary = run(['--input', f'{inbox}/*', '--output', str(warehouse)])
    assert (summary['articles_written'], summary['dead_letters'], summary['skipped']) == (15, 9, 0)
    ids = [row['article_id'] for row in warehouse_rows(str(warehouse), 'articles')]
    assert len(ids) == len(set(ids)) == 15
    assert glob.glob(f'{warehouse}/_staging/*') == []
    assert _data_files(str(warehouse)) == _committed_files(str(warehouse))
    assert len(_avro_files(str(warehouse))) == len(_data_files(str(warehouse)))
