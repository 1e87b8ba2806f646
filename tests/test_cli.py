"""The newsbeam command as a user meets it: mistakes refused in one line, failures with distinct exit statuses.

Each class of mistake or failure the CLI must turn into one line on stderr has a test: unknown arguments
(an unquoted glob, a misspelt option), an output that is a file, read-only or full, an interrupt, a busy
warehouse.  Runs are real subprocesses of ``python -m pipeline.cli``.
"""
import argparse
import fcntl
import glob
import io
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from pipeline import cli
from pipeline.arguments import add_run_arguments
from pipeline.progress import Progress, log_line
from tests.conftest import ROOT, SEEDS, warehouse_rows
from transforms.core.errors import INTERRUPTED_STATUS
from transforms.progress import write_count

SAMPLE = SEEDS / 'articles' / '000_ca39e523ff7368f4.txt'


def newsbeam(*args, timeout=300, env=None):
    """(exit status, stdout, stderr lines) of ``newsbeam ARGS``."""
    done = subprocess.run([sys.executable, '-m', 'pipeline.cli', *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=env, check=False)
    return done.returncode, done.stdout, done.stderr.splitlines()


def _under_unshare(mount: str, script: str):
    """Runs a shell script in a private mount namespace (as unprivileged root), or skips without one."""
    if shutil.which('unshare') is None or subprocess.run(['unshare', '-rm', 'true'], check=False).returncode:
        pytest.skip('no user and mount namespaces here (unshare -rm) to mount a small or read-only file system')
    return subprocess.run(['unshare', '-rm', 'sh', '-c', f'{mount} && {script}'], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.fixture(name='inbox')
def fixture_inbox(tmp_path):
    inbox = tmp_path / 'inbox'
    shutil.copytree(SEEDS / 'articles', inbox)
    return inbox


def test_an_unquoted_glob_is_refused_naming_the_extra_path(inbox, tmp_path):
    # What the shell makes of --input inbox/*: several paths after one --input.
    paths = sorted(glob.glob(f'{inbox}/*'))
    status, _, stderr = newsbeam('run', '--input', *paths, '--output', tmp_path / 'w')
    assert status == 2
    assert stderr == [f"newsbeam: error: unexpected argument {paths[1]!r}: one path per --input; quote a glob "
                      "(--input 'inbox/*.jsonl') so that the shell does not expand it, or repeat --input"]
    assert not (tmp_path / 'w').exists()


def test_an_unknown_or_misspelt_option_is_refused_with_the_likely_one(tmp_path):
    status, _, stderr = newsbeam('run', '--input', SAMPLE, '--output', tmp_path / 'w', '--max-article-charz', '9')
    assert (status, stderr) == (2, ['newsbeam: error: unknown option --max-article-charz '
                                    '(did you mean --max-article-chars?)'])
    status, _, stderr = newsbeam('run', '--input', SAMPLE, '--output', tmp_path / 'w', '--direct_num_workers=two')
    assert (status, stderr) == (2, ["newsbeam: error: argument --direct_num_workers: invalid int value: 'two'"])
    status, _, stderr = newsbeam('run', '--input', SAMPLE, '--output', tmp_path / 'w', '--run-id', '../../x')
    assert status == 2 and len(stderr) == 1 and "'../../x' is not a safe name" in stderr[0]


@pytest.mark.parametrize('spelling', ['--max-article-chars', '--max_article_chars'])
def test_every_newsbeam_option_takes_both_spellings(spelling):
    args, unknown = cli.build_parser().parse_known_args(['run', '--input', 'x', '--output', 'y', spelling, '7'])
    assert (args.max_article_chars, unknown) == (7, [])
    parser = argparse.ArgumentParser()
    add_run_arguments(parser)
    for action in parser._actions:  # pylint: disable=protected-access
        flags = set(action.option_strings) - {'-h', '--help'}
        if flags:
            assert flags == {f'--{action.dest}', f'--{action.dest.replace("_", "-")}'}, flags


def test_a_flink_option_beam_python_does_not_declare_reaches_the_job_server():
    # An unbounded Kafka read on Flink needs checkpointing; the option is the Java runner's.
    from apache_beam.options.pipeline_options import PipelineOptions  # pylint: disable=import-outside-toplevel
    argv = ['--runner', 'PortableRunner', '--checkpointing_interval=5000']
    assert cli.unknown_beam_arguments(argv) == []
    assert PipelineOptions(argv).get_all_options()['checkpointing_interval'] == 5000


def test_help_and_version_answer_without_importing_beam_or_spacy():
    code = ('import sys; from pipeline import cli\n'
            'try:\n    cli.main(["run", "--help"])\nexcept SystemExit:\n    pass\n'
            'print(sorted(m for m in sys.modules if m.split(".")[0] in ("apache_beam", "spacy", "pyiceberg")))')
    done = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == '[]'
    assert 'usage: newsbeam run' in done.stdout
    status, stdout, _ = newsbeam('--version')
    assert status == 0 and stdout.startswith('newsbeam ')


def test_a_directory_input_means_the_files_under_it_and_beam_stays_quiet(tmp_path):
    (tmp_path / 'inbox' / 'day1').mkdir(parents=True)
    shutil.copy(SAMPLE, tmp_path / 'inbox' / 'day1' / 'story.txt')
    status, stdout, stderr = newsbeam('run', '--input', tmp_path / 'inbox', '--output', tmp_path / 'w')
    assert status == 0 and 'articles written  1' in stdout
    # Nothing but the summary: no Beam log lines, no warnings (a cron log gets the summary only).
    assert stderr == []


def test_an_output_that_is_a_file_is_one_line_and_status_3(tmp_path):
    (tmp_path / 'taken').write_text('not a warehouse')
    status, _, stderr = newsbeam('run', '--input', SAMPLE, '--output', tmp_path / 'taken')
    assert (status, stderr) == (3, [f'newsbeam: error: --output {tmp_path / "taken"} is a file, not a warehouse '
                                    'directory'])


def test_a_read_only_output_is_one_line_and_status_3(tmp_path):
    target = tmp_path / 'ro'
    target.mkdir()
    done = _under_unshare(f'mount -t tmpfs -o ro tmpfs {target}',
                          f'{sys.executable} -m pipeline.cli run --input {SAMPLE} --output {target}/wh')
    assert done.returncode == 3
    assert done.stderr.splitlines() == [f'newsbeam: error: cannot write {target}/wh: Read-only file system']


def test_a_full_disk_is_one_line_and_status_4_and_the_next_run_completes(tmp_path, inbox):
    # A 4 MB file system, all but 400 KB of it taken by a filler; the first run fills it.  With the filler
    # gone, the next run commits every article once: the warehouse was left as after a kill -9.
    target = tmp_path / 'small'
    target.mkdir()
    command = f'{sys.executable} -m pipeline.cli run --input {inbox} --output {target}/wh'
    count = (f'{sys.executable} -c "from tests.conftest import warehouse_rows; '
             f"ids = [r['article_id'] for r in warehouse_rows('{target}/wh', 'articles')]; "
             'print(len(ids), len(set(ids)))"')
    done = _under_unshare(f'mount -t tmpfs -o size=4m tmpfs {target}',
                          f'head -c 3700000 /dev/zero > {target}/filler; {command}; echo "status=$?" >&2; '
                          f'rm {target}/filler; {command} > /dev/null; echo "status=$?" >&2; {count}')
    lines = done.stderr.splitlines()
    assert lines[:2] == [f'newsbeam: error: no space left on the device of {target}/wh: free some and run again '
                         '(nothing of this run was committed)', 'status=4'], done.stderr
    # The next run says what it cleaned up, in one line.
    assert lines[2].startswith(f'newsbeam: {target}/wh: discarded ') and ' uncommitted data files of run ' in lines[2]
    assert lines[3:] == ['status=0']
    assert done.stdout.split() == ['15', '15']


def test_tracebacks_only_with_verbose(tmp_path):
    (tmp_path / 'taken').write_text('x')
    _, _, quiet = newsbeam('run', '--input', SAMPLE, '--output', tmp_path / 'taken')
    _, _, loud = newsbeam('run', '--input', SAMPLE, '--output', tmp_path / 'taken', '--verbose')
    assert not any('Traceback' in line for line in quiet)
    assert any('Traceback' in line for line in loud) and loud[-1] == quiet[-1]


def test_an_interrupt_is_status_130_and_leaves_the_warehouse_as_after_kill_9(inbox, tmp_path):
    warehouse = tmp_path / 'w'
    process = subprocess.Popen([sys.executable, '-m', 'pipeline.cli', 'run', '--input', inbox, '--output', warehouse],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not glob.glob(f'{warehouse}/_runs/*.started') and time.monotonic() < deadline:
        assert process.poll() is None, 'the run ended before it could be interrupted'
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == INTERRUPTED_STATUS
    assert stderr.splitlines() == ['newsbeam: interrupted: nothing of this run was committed; the next run reads '
                                   'its input again'] and stdout == ''
    status, stdout, _ = newsbeam('run', '--input', inbox, '--output', warehouse)
    assert status == 0 and 'articles written  15' in stdout
    ids = [row['article_id'] for row in warehouse_rows(str(warehouse), 'articles')]
    assert len(ids) == len(set(ids)) == 15


def test_a_busy_warehouse_is_status_6(tmp_path):
    runs = tmp_path / 'w' / '_runs'
    runs.mkdir(parents=True)
    with open(runs / '.lock', 'w', encoding='utf-8') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        status, _, stderr = newsbeam('run', '--input', SAMPLE, '--output', tmp_path / 'w')
    assert (status, stderr) == (6, [f'newsbeam: error: another newsbeam process is writing to {tmp_path / "w"}; '
                                    'run again when it has finished'])


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_missing_java_for_the_kafka_read_is_one_line_saying_what_to_do(tmp_path):
    env = {**os.environ, 'PATH': str(tmp_path / 'empty'), 'NEWSBEAM_CACHE': str(tmp_path / 'cache')}
    status, _, err = newsbeam('run', '--streaming', '--kafka-topic', 'news', '--kafka-bootstrap', '127.0.0.1:9',
                              '--output', tmp_path / 'w', env=env)
    assert (status, err) == (2, [
        'newsbeam: error: java not found on PATH: install a Java 17 runtime (needed for the Kafka IO expansion '
        'service of --kafka-topic); or pass --kafka-expansion-service HOST:PORT of a running one'])


def test_progress_shows_articles_of_the_total_on_a_terminal(tmp_path, monkeypatch):
    monkeypatch.setattr('pipeline.progress.POLL_SECONDS', 0.01)
    stream = _Terminal()
    progress = Progress(stream)
    progress.phase('pass 2 of 2: extracting from 40 new articles')
    with progress.count_files() as directory:
        with progress.articles(directory, 40):
            write_count(directory, 'worker-a.count', 7)
            write_count(directory, 'worker-b.count', 5)
            time.sleep(0.2)
    text = stream.getvalue()
    assert 'newsbeam: pass 2 of 2: extracting from 40 new articles\n' in text
    assert '12/40' in text and 'articles' in text


def test_progress_in_a_log_is_a_plain_line_now_and_then():
    assert log_line(1_200, 10_000, 120.0) == '1,200 of 10,000 articles (12%), 10.0 articles/s, about 15 min left'
    assert log_line(50, None, 10.0) == '50 articles, 5.0 articles/s'
    # Not a terminal: no phase lines (a cron log gets the summary only).
    stream = io.StringIO()
    Progress(stream).phase('pass 1 of 2')
    assert stream.getvalue() == ''
