"""Measures the warehouse's own costs: a run's commit, compaction, and files per partition before and after.

Ingests a dev corpus (default: Tehran Times, ../shared/corpora/tehran_times/articles; or a JSONL one
such as reuters21578) into a new warehouse in ``--runs`` scheduled runs of equal parts (as an inbox fills between cron runs), each with ``--verbose``
so that the commit step logs its seconds; then runs ``newsbeam compact`` and counts the data files of
every table partition before and after.  Prints one JSON object; with ``--markdown FILE`` also writes a
table.

usage: python scripts/measure_warehouse.py [--corpus tehran_times] [--runs 5] [--shared ../shared] [--work DIR]
                                          [--markdown FILE]
"""
import argparse
import json
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from transforms.core.maintenance import files_per_partition  # noqa: E402  pylint: disable=wrong-import-position
from transforms.core.warehouse import COMMIT_ORDER, CatalogConfig, Warehouse  # noqa: E402  pylint: disable=wrong-import-position

_COMMITTED = re.compile(r'committed (\S+): (\d+) data files in ([0-9.]+) s')


def _newsbeam(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-m', 'pipeline.cli', *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, check=True)


def _files(warehouse: Warehouse) -> dict:
    """{table: sorted list of data files per partition}."""
    return {name: sorted(len(group) for group in files_per_partition(warehouse.load(name)).values())
            for name in COMMIT_ORDER}


def _inboxes(corpus: pathlib.Path, runs: int, work: pathlib.Path) -> list:
    """``runs`` folders holding the corpus's articles in equal parts: its files, or its JSONL lines."""
    inboxes = [work / f'inbox-{part}' for part in range(runs)]
    for inbox in inboxes:
        inbox.mkdir()
    if (corpus / 'articles').is_dir():
        for number, path in enumerate(sorted((corpus / 'articles').iterdir())):
            shutil.copy(path, inboxes[number % runs] / path.name)
    else:
        lines = (corpus / 'articles.jsonl').read_text(encoding='utf-8').splitlines(keepends=True)
        for part, inbox in enumerate(inboxes):
            (inbox / 'articles.jsonl').write_text(''.join(lines[part::runs]), encoding='utf-8')
    return inboxes


def measure(corpus: pathlib.Path, runs: int, work: pathlib.Path) -> dict:
    output = work / 'warehouse'
    commits = []
    for inbox in _inboxes(corpus, runs, work):
        done = _newsbeam('run', '--input', inbox, '--output', output, '--verbose')
        [(_, files, seconds)] = _COMMITTED.findall(done.stderr)
        commits.append({'data_files': int(files), 'seconds': float(seconds)})
    warehouse = Warehouse(CatalogConfig(str(output)))
    before = _files(warehouse)
    started = time.monotonic()
    _newsbeam('compact', '--output', output)
    compaction = time.monotonic() - started
    articles = warehouse.load('articles').current_snapshot().summary.get('total-records')
    return {'corpus': corpus.name, 'articles': int(articles), 'runs': runs, 'commits': commits,
            'commit_seconds_median': statistics.median(c['seconds'] for c in commits),
            'compact_seconds': round(compaction, 2), 'files_per_partition_before': before,
            'files_per_partition_after': _files(warehouse)}


def markdown(result: dict) -> str:
    seconds = ', '.join(f"{commit['seconds']:.2f}" for commit in result['commits'])
    data_files = ', '.join(str(commit['data_files']) for commit in result['commits'])
    lines = [f"{result['corpus']}: {result['articles']:,} articles in {result['runs']} runs; commit step per run "
             f"(journal, seven table snapshots, Avro moves): median {result['commit_seconds_median']:.2f} s "
             f"({seconds} s for {data_files} data files); "
             f"`newsbeam compact`: {result['compact_seconds']:.1f} s (process start included).", '',
             '| table | partitions | data files before | after |', '|---|---:|---:|---:|']
    for name in COMMIT_ORDER:
        before, after = result['files_per_partition_before'][name], result['files_per_partition_after'][name]
        lines.append(f'| {name} | {len(before)} | {sum(before)} | {sum(after)} |')
    return '\n'.join(lines) + '\n'


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--corpus', default='tehran_times')
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--shared', type=pathlib.Path, default=ROOT.parent / 'shared')
    parser.add_argument('--work', type=pathlib.Path, default=None)
    parser.add_argument('--markdown', type=pathlib.Path, default=None)
    args = parser.parse_args(argv)
    corpus = args.shared / 'corpora' / args.corpus
    if not corpus.is_dir():
        print(f'{corpus} is not there: nothing to measure')
        return 0
    with tempfile.TemporaryDirectory(dir=args.work) as work:
        result = measure(corpus, args.runs, pathlib.Path(work))
    print(json.dumps(result))
    if args.markdown:
        with open(args.markdown, 'a', encoding='utf-8') as handle:
            handle.write(markdown(result) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
