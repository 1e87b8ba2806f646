"""Runs the pipeline on every evaluation corpus present and prints one table of score.py metrics.

Usage: python scripts/evaluate.py [--shared ../shared] [--work DIR] [--json OUT]

Each corpus under SHARED/corpora is ingested into its own fresh warehouse under
--work (default: a temporary directory) and scored with SHARED/eval/score.py.
Corpora that are absent are skipped; with no SHARED at all it says so and exits 0.
"""
import argparse
import datetime
import importlib.util
import json
import pathlib
import shutil
import sys
import tempfile
from typing import Callable, Dict, Sequence

from pipeline.cli import configure_logging
from pipeline.main import run

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _load_scorer(shared: pathlib.Path):
    spec = importlib.util.spec_from_file_location('score', shared / 'eval' / 'score.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _input_of(folder: pathlib.Path) -> str:
    return str(folder / 'articles' / '*') if (folder / 'articles').is_dir() else str(folder / 'articles.jsonl')


def evaluate(shared: pathlib.Path, work: pathlib.Path) -> dict:
    """{corpus: {metric: [value, numerator, denominator], '_seconds': s, '_articles': n}}."""
    scorer = _load_scorer(shared)
    results = {}
    for folder in sorted(p for p in (shared / 'corpora').iterdir() if (p / 'gold.jsonl').exists()):
        warehouse = work / folder.name
        shutil.rmtree(warehouse, ignore_errors=True)
        summary = run(['--input', _input_of(folder), '--output', str(warehouse)])
        scores = {metric: list(value) for metric, value in scorer.main(str(folder), str(warehouse)).items()}
        scores['_seconds'] = summary['elapsed_seconds']
        scores['_articles'] = summary['articles_read']
        results[folder.name] = scores
    return results


def ablate(description: str, corpus: str, variants: Dict[str, Callable[[], None]], metrics: Sequence[str],
           cell: Callable[[tuple], str]) -> int:
    """Scores one corpus once per variant (``apply()`` sets the variant up in this process) and prints a
    markdown table, a row per variant: the command line of ``scripts/ablate_*.py``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--shared', type=pathlib.Path, default=ROOT.parent / 'shared')
    parser.add_argument('--corpus', default=corpus)
    parser.add_argument('--markdown', type=pathlib.Path, default=None)
    args = parser.parse_args()
    configure_logging(verbose=False)
    folder = args.shared / 'corpora' / args.corpus
    if not (folder / 'gold.jsonl').exists():
        print(f'no corpus at {folder}: nothing to measure')
        return 0
    scorer = _load_scorer(args.shared)
    lines = [f"| {args.corpus}: variant | {' | '.join(m.replace('_', ' ') for m in metrics)} |",
             '|---|' + '---:|' * len(metrics)]
    with tempfile.TemporaryDirectory(prefix='newsbeam-ablate-') as work:
        for number, (name, apply) in enumerate(variants.items()):
            apply()
            warehouse = str(pathlib.Path(work) / str(number))
            run(['--input', _input_of(folder), '--output', warehouse])
            scores = scorer.main(str(folder), warehouse)
            lines.append(f"| {name} | {' | '.join(cell(scores[m]) for m in metrics)} |")
            print(lines[-1], flush=True)
    if args.markdown:
        args.markdown.write_text('\n'.join(lines) + '\n')
    return 0


def markdown(results: dict) -> str:
    lines = ['| corpus | metric | value | n |', '|---|---|---|---|']
    for corpus, scores in results.items():
        for metric, value in scores.items():
            if metric.startswith('_'):
                continue
            shown, numerator, denominator = value
            fraction = f'{numerator}/{denominator}' if denominator is not None else ''
            lines.append(f"| {corpus} | {metric} | {'n/a' if shown is None else f'{shown:.3f}'} | {fraction} |")
    return '\n'.join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--shared', type=pathlib.Path, default=ROOT.parent / 'shared')
    parser.add_argument('--work', type=pathlib.Path, default=None)
    parser.add_argument('--json', type=pathlib.Path, default=None, help='also write the figures here as JSON')
    args = parser.parse_args()
    configure_logging(verbose=False)
    if not (args.shared / 'corpora').is_dir() or not (args.shared / 'eval' / 'score.py').exists():
        print(f'no evaluation corpora under {args.shared}: nothing to evaluate')
        return 0
    work = args.work or pathlib.Path(tempfile.mkdtemp(prefix='newsbeam-eval-'))
    results = evaluate(args.shared, work)
    print(f'newsbeam evaluation, {datetime.date.today().isoformat()}, dev halves of {args.shared / "corpora"}')
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
