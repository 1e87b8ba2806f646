"""``python -m scripts.bench``: the options, and the order in which configurations are measured.

For each N in --sizes, the input is built once; then, --repeat times, every (workers, kind)
of that N is measured in turn, so that a slow spell of a shared machine falls on all
configurations alike rather than on one.  The report is rewritten after every measurement,
so that a long benchmark can be watched; the chart is drawn at the end.  Without the
corpus under --shared, it says so and exits 0 (machines without the corpus skip cleanly).
"""
import argparse
import datetime
import json
import os
import pathlib
import shlex
import sys
import tempfile
import time
from typing import Dict, List, Optional, Sequence

from scripts.bench.chart import draw_chart
from scripts.bench.corpus import CORPUS, build_articles, corpus_files
from scripts.bench.environment import ROOT, machine_info
from scripts.bench.measure import KINDS, MODEL, MODEL_DIST, run_configuration
from scripts.bench.profile import run_profile
from scripts.bench.report import build_report, combine_runs, earlier_report, markdown, ordered

DEFAULT_SIZES = (1_000, 10_000)
QUICK_SIZES = (1_000,)
DEFAULT_WORKERS = (1, 2)


def _counts(value: str) -> List[int]:
    return [int(part.replace('_', '')) for part in value.split(',') if part.strip()]


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog='python -m scripts.bench',
                                     description='Throughput, scaling and memory of the batch pipeline against '
                                                 'spaCy alone, on this machine.')
    parser.add_argument('--sizes', type=_counts, default=list(DEFAULT_SIZES),
                        help='comma-separated article counts (default: %(default)s)')
    parser.add_argument('--quick', action='store_true', help=f'only N = {QUICK_SIZES[0]:,} (overrides --sizes)')
    parser.add_argument('--workers', type=_counts, default=list(DEFAULT_WORKERS),
                        help='comma-separated worker counts (default: %(default)s)')
    parser.add_argument('--kinds', default=','.join(KINDS), help='measurements to run (default: %(default)s)')
    parser.add_argument('--repeat', type=int, default=1,
                        help='runs of each configuration, taken in turn; the median is reported (default: 1)')
    parser.add_argument('--shared', type=pathlib.Path, default=ROOT.parent / 'shared',
                        help='the folder holding corpora/ (default: %(default)s)')
    parser.add_argument('--out', type=pathlib.Path, default=ROOT / 'docs' / 'bench',
                        help='where latest.json, latest.md and throughput.png go (default: docs/bench)')
    parser.add_argument('--work', type=pathlib.Path, default=None,
                        help='scratch directory for inputs, warehouses and logs (default: a temporary one, removed)')
    parser.add_argument('--profile', action='store_true', help='also profile a 1-worker run into OUT/profile.md')
    parser.add_argument('--profile-size', type=int, default=1_000, help='articles of the profiled run')
    parser.add_argument('--no-measure', action='store_true', help='only --profile')
    parser.add_argument('--merge', action='store_true',
                        help='keep the measurements already in OUT/latest.json that this run does not repeat')
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = list(QUICK_SIZES)
    args.sizes = sorted(set(args.sizes))
    args.workers = sorted(set(args.workers))
    args.kinds = [k for k in args.kinds.split(',') if k]
    unknown = set(args.kinds) - set(KINDS)
    if unknown:
        parser.error(f'unknown --kinds {sorted(unknown)}; choose from {KINDS}')
    return args


def _log(message: str) -> None:
    print(f'[bench {datetime.datetime.now():%H:%M:%S}] {message}', flush=True)


def _write(out: pathlib.Path, rows: List[dict], inputs: dict, command: str, date: str, final: bool) -> None:
    """OUT/latest.json and OUT/latest.md, and when final the chart, OUT/throughput.png."""
    machine = machine_info(MODEL, MODEL_DIST)
    report = build_report(rows, inputs, command, date, final, machine)
    (out / 'latest.json').write_text(json.dumps(report, indent=1, default=str) + '\n', encoding='utf-8')
    (out / 'latest.md').write_text(markdown(report), encoding='utf-8')
    if final and rows:
        draw_chart(rows, out / 'throughput.png', f"newsbeam throughput, {machine['usable_cores']} cores ({date[:10]})")


def _measure(args, files, work: pathlib.Path, command: str, date: str) -> None:
    rows: List[dict] = []
    inputs: Dict[int, dict] = {}
    kept: List[dict] = []
    earlier = earlier_report(args.out / 'latest.json') if args.merge else None
    if earlier:
        command = ' ; '.join(filter(None, [earlier.get('command'), command]))
        inputs.update({int(n): v for n, v in earlier['input']['sizes'].items()})
        kept = [r for r in earlier['results']
                if not (r['n'] in args.sizes and r['workers'] in args.workers and r['kind'] in args.kinds)]
    previous = None
    for n in args.sizes:
        folder = work / f'input-{n}'
        data = dict(build_articles(files, n, folder), folder=folder)
        inputs[n] = {k: v for k, v in data.items() if k != 'folder'}
        if previous:
            # Time grows about linearly with N: tells whoever watches a long run when to come back.
            _log(f'N={n:,}: about {previous[1] * n / previous[0] / 60:.0f} min expected (N={previous[0]:,} '
                 f'took {previous[1] / 60:.1f} min)')
        size_started = time.monotonic()
        runs: Dict[tuple, List[dict]] = {}
        for repeat in range(1, args.repeat + 1):
            for workers in args.workers:
                for kind in args.kinds:
                    _log(f'{kind} N={n:,} workers={workers} run {repeat}/{args.repeat} ...')
                    run = run_configuration(kind, n, workers, data, work)
                    runs.setdefault((kind, workers), []).append(run)
                    _log(f"  {run['seconds']:.1f} s, {run['articles_per_s']:.2f} articles/s, "
                         f"{run['words_per_s']:,.0f} words/s, peak RSS {run['peak_rss_mb']:,.0f} MB")
                    done = [combine_runs(of_one) for of_one in runs.values()]
                    _write(args.out, ordered(kept + rows + done), inputs, command, date, final=False)
        rows += [combine_runs(of_one) for of_one in runs.values()]
        previous = (n, time.monotonic() - size_started)
    _write(args.out, ordered(kept + rows), inputs, command, date, final=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    files = corpus_files(args.shared)
    if not files:
        print(f'no benchmark corpus at {args.shared / CORPUS}: nothing to measure')
        return 0
    python = os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(str(ROOT)) else 'python'
    command = shlex.join([python, '-m', 'scripts.bench', *(sys.argv[1:] if argv is None else argv)])
    date = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='newsbeam-bench-') as scratch:
        work = args.work or pathlib.Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        if args.profile:
            _log(f'profile N={args.profile_size:,} workers=1 ...')
            result = run_profile(files, args.profile_size, work, args.out, command, date)
            _log(f"  profile: {result['seconds']:.1f} s -> {args.out / 'profile.md'}")
        if args.no_measure:
            return 0
        _measure(args, files, work, command, date)
    print((args.out / 'latest.md').read_text(encoding='utf-8'))
    return 0
