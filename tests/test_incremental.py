"""Scheduled re-runs: only new articles are ingested, and a killed run leaves no trace."""
import datetime
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from pipeline.main import run
from tests.conftest import ROOT, SEEDS, warehouse_rows
from transforms.write import (TableFileWriter, journal_path, manifest_path, publish_run,
                              recover_unfinished_runs, staging_root)


def _published_files(root):
    """Every data file that a run manifest lists: anything else would be an orphan."""
    files = []
    for path in glob.glob(f'{root}/_runs/*.json'):
        with open(path, encoding='utf-8') as handle:
            files.extend(os.path.join(root, f['relative_path']) for f in json.load(handle)['files'])
    return sorted(files)


def _data_files(root):
    return sorted(glob.glob(f'{root}/parquet/**/*.parquet', recursive=True)
                  + glob.glob(f'{root}/avro/**/*.avro', recursive=True))


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
    assert _data_files(warehouse) == _published_files(warehouse)

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
            'ingested_at': datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)}


def test_a_run_killed_while_publishing_is_completed_by_the_next(tmp_path):
    output = str(tmp_path)
    written = []
    for partition in ('article_date=2019-09-13', 'article_date=2019-09-14'):
        writer = TableFileWriter(staging_root(output, 'r1'), 'entities', partition, 'part-r1-0')
        writer.write(_entity_row(partition))
        written.extend(writer.close())
    # Publish, then undo the second half as if the process died after the first moves.
    manifest = publish_run(output, 'r1', written)
    os.remove(manifest_path(output, 'r1'))
    for entry in manifest['files'][2:]:
        staged = os.path.join(staging_root(output, 'r1'), entry['relative_path'])
        os.makedirs(os.path.dirname(staged), exist_ok=True)
        os.rename(os.path.join(output, entry['relative_path']), staged)
    with open(journal_path(output, 'r1'), 'w', encoding='utf-8') as handle:
        json.dump(manifest, handle)

    assert recover_unfinished_runs(output) == ['completed the publication of run r1']
    assert _data_files(output) == _published_files(output)
    assert len(_data_files(output)) == 4
    assert os.path.exists(manifest_path(output, 'r1'))
    assert not os.path.exists(journal_path(output, 'r1'))
    assert not os.path.exists(staging_root(output, 'r1'))
    assert recover_unfinished_runs(output) == []


def test_kill_9_during_a_run_leaves_exactly_one_row_per_article(inbox, tmp_path):
    warehouse = tmp_path / 'warehouse'
    command = [sys.executable, '-m', 'pipeline.cli', 'run', '--input', f'{inbox}/*', '--output', str(warehouse)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    # Kill it once it has staged files but before it publishes them.
    while not glob.glob(f'{warehouse}/_staging/*/*/*/*/*') and time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail('the run finished before it could be killed')
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not glob.glob(f'{warehouse}/_runs/*.json')

    summary = run(['--input', f'{inbox}/*', '--output', str(warehouse)])
    assert (summary['articles_written'], summary['dead_letters'], summary['skipped']) == (15, 9, 0)
    ids = [row['article_id'] for row in warehouse_rows(str(warehouse), 'articles')]
    assert len(ids) == len(set(ids)) == 15
    assert glob.glob(f'{warehouse}/_staging/*') == []
    assert _data_files(str(warehouse)) == _published_files(str(warehouse))
