"""The report: one row per configuration, the figures derived from them, as JSON and markdown.

Rows are what ``measure.run_configuration`` returns; several runs of one configuration
(--repeat) are combined into one row that keeps each run's figures under 'runs'.
"""
import json
import pathlib
import statistics
from typing import Dict, List, Optional, Sequence

from scripts.bench.corpus import ARTICLES_PER_FILE, CORPUS, DESCRIPTION
from scripts.bench.measure import KINDS, RUN_KEYS
from scripts.bench.sampler import PSS_EVERY, SAMPLE_SECONDS

# The targets: the pipeline at least as fast as spaCy alone, 2 workers at least 1.7x one at the
# largest N (at small N the fixed start-up cost weighs more), and peak RSS at the largest N within
# 10% of the smallest (memory must not grow with N).
TARGET_RATIO = 1.0
TARGET_SCALING = 1.7
TARGET_RSS_GROWTH = 0.10

KIND_NAMES = {'pipeline': 'pipeline (newsbeam run)', 'reference': 'spaCy sm full pipeline',
              'noop': 'pipeline, no-op NLP'}

NOTES = (
    'Each measurement is its own subprocess; peak RSS/PSS is summed over its whole process tree (driver, Beam '
    f'SDK workers, spaCy n_process children) sampled every {SAMPLE_SECONDS:g} s (PSS every '
    f'{SAMPLE_SECONDS * PSS_EVERY:g} s: reading it costs enough CPU to slow the measured run when all cores are '
    'busy). RSS counts pages shared between forked processes once per process; PSS divides them among their '
    'sharers.',
    '1 worker is the CLI default (FnApiRunner in-memory, one process); W workers are '
    '--direct_num_workers=W --direct_running_mode=multi_processing.',
    'pipeline seconds are pipeline.main.run() wall time (graph construction, model loads in workers, writing and '
    'publishing included; interpreter start and imports excluded). reference seconds are spacy.load + '
    'nlp.pipe(batch_size=64, n_process=workers) over the same texts.',
    'no-op NLP: the pipeline run with --model blank:en (spaCy\'s blank English pipeline with a sentencizer), '
    'so NER finds no entities and the events parse sets nothing.',
    'words = whitespace-separated words of the input texts.',
    'With --repeat R, each configuration ran R times, in turn with the other configurations of its N, because '
    'a shared machine\'s speed drifts on a scale of minutes; seconds and CPU s are the medians (each run\'s '
    'seconds in brackets, in the order they ran), peak memory and other load the largest.',
    'CPU s is user + system time of the measurement\'s whole process tree (imports included); "other load" is '
    'the cores the rest of the machine kept busy meanwhile (/proc/stat). Wall-time figures are only comparable '
    'between rows whose other load is near 0.',
)


def combine_runs(runs: List[dict]) -> dict:
    """One configuration's row from its runs: median times, the largest peak memory and other load."""
    if len(runs) == 1:
        return runs[0]
    row = dict(runs[-1])
    seconds = statistics.median(r['seconds'] for r in runs)
    cpu = statistics.median(r['cpu_seconds'] for r in runs)
    words = runs[0]['words_per_s'] * runs[0]['seconds']
    row.update(seconds=round(seconds, 2), articles_per_s=round(row['n'] / seconds, 3),
               words_per_s=round(words / seconds, 1), cpu_seconds=round(cpu, 2),
               articles_per_cpu_s=round(row['n'] / cpu, 3) if cpu else None,
               peak_rss_mb=max(r['peak_rss_mb'] for r in runs), peak_pss_mb=max(r['peak_pss_mb'] for r in runs),
               background_cores=max(r['background_cores'] for r in runs),
               runs=[{key: r[key] for key in RUN_KEYS if key in r} for r in runs])
    return row


def find(rows: Sequence[dict], kind: str, n: int, workers: int) -> Optional[dict]:
    return next((r for r in rows if (r['kind'], r['n'], r['workers']) == (kind, n, workers)), None)


def ordered(rows: Sequence[dict]) -> List[dict]:
    """Rows by N, then workers, then measurement."""
    return sorted(rows, key=lambda r: (r['n'], r['workers'], KINDS.index(r['kind'])))


def _ratios(rows, n, w) -> Dict[str, List[dict]]:
    pipe, ref, noop = (find(rows, kind, n, w) for kind in KINDS)
    found = {'ratio_pipeline_to_reference': [], 'beam_overhead_noop': []}
    if pipe and ref:
        per_cpu = pipe.get('articles_per_cpu_s') and ref.get('articles_per_cpu_s')
        found['ratio_pipeline_to_reference'].append({
            'n': n, 'workers': w, 'ratio': round(pipe['articles_per_s'] / ref['articles_per_s'], 3),
            'cpu_ratio': round(pipe['articles_per_cpu_s'] / ref['articles_per_cpu_s'], 3) if per_cpu else None})
    if pipe and noop:
        found['beam_overhead_noop'].append({'n': n, 'workers': w, 'noop_seconds': noop['seconds'],
                                            'share_of_pipeline_time': round(noop['seconds'] / pipe['seconds'], 3)})
    return found


def _pipeline_all(items: List[dict], met) -> Optional[bool]:
    """Whether every pipeline item meets the target; None when none was measured."""
    mine = [item for item in items if item['kind'] == 'pipeline']
    return all(met(item) for item in mine) if mine else None


def derive(rows: Sequence[dict], sizes: Sequence[int], workers: Sequence[int]) -> dict:
    """Ratios to the reference, the no-op share, 1 -> max workers scaling, peak-memory growth across N."""
    derived = {'ratio_pipeline_to_reference': [], 'beam_overhead_noop': [], 'scaling': [], 'peak_memory_growth': []}
    for n in sizes:
        for w in workers:
            for key, found in _ratios(rows, n, w).items():
                derived[key] += found
        for kind in KINDS if len(workers) > 1 else ():
            one, many = find(rows, kind, n, workers[0]), find(rows, kind, n, workers[-1])
            if one and many:
                derived['scaling'].append({'kind': kind, 'n': n, 'from': workers[0], 'to': workers[-1],
                                           'speedup': round(many['articles_per_s'] / one['articles_per_s'], 3)})
    for kind in KINDS if len(sizes) > 1 else ():
        for w in workers:
            small, large = find(rows, kind, sizes[0], w), find(rows, kind, sizes[-1], w)
            if small and large:
                derived['peak_memory_growth'].append({
                    'kind': kind, 'workers': w, 'from_n': sizes[0], 'to_n': sizes[-1],
                    'rss_growth': round(large['peak_rss_mb'] / small['peak_rss_mb'] - 1, 3),
                    'pss_growth': round(large['peak_pss_mb'] / small['peak_pss_mb'] - 1, 3)})
    ratio = derived['ratio_pipeline_to_reference']
    derived['targets_met'] = {
        'ratio_at_least_1.0': all(r['ratio'] >= TARGET_RATIO for r in ratio) if ratio else None,
        'scaling_at_least_1.7': _pipeline_all([s for s in derived['scaling'] if s['n'] == max(sizes)],
                                              lambda s: s['speedup'] >= TARGET_SCALING),
        'rss_growth_within_10pct': _pipeline_all(derived['peak_memory_growth'],
                                                 lambda g: g['rss_growth'] <= TARGET_RSS_GROWTH),
    }
    return derived


def build_report(rows: List[dict], inputs: dict, command: str, date: str, final: bool, machine: dict) -> dict:
    return {
        'date': date, 'command': command, 'complete': final, 'machine': machine,
        'input': {'corpus': str(CORPUS), 'sizes': inputs, 'articles_per_file': ARTICLES_PER_FILE,
                  'description': DESCRIPTION},
        'results': rows,
        'derived': derive(rows, sorted({r['n'] for r in rows}), sorted({r['workers'] for r in rows})),
        'notes': list(NOTES),
    }


def earlier_report(path: pathlib.Path) -> Optional[dict]:
    """The report at path, or None when there is none to merge with."""
    try:
        return json.loads(path.read_text(encoding='utf-8'))
    except (OSError, ValueError):
        return None


_VERDICT = {True: 'met', False: 'NOT met', None: 'not measured'}


def markdown(report: dict) -> str:
    """The report as markdown: the rows, the ratios, scaling, memory growth, targets and notes."""
    machine, rows, derived = report['machine'], report['results'], report['derived']
    lines = [
        '# newsbeam benchmark', '',
        f"{report['date']} on {machine['cpu']}, {machine['usable_cores']} cores, {machine['ram_gb']} GB RAM; "
        f"Python {machine['python']}, Apache Beam {machine['apache_beam']}, spaCy {machine['spacy']} "
        f"({machine['model']}), newsbeam {machine['newsbeam_commit']}.", '',
        f"Command: `{report['command']}`", '',
        f"Input: {report['input']['description']}", '',
        '| N | workers | measurement | seconds | articles/s | words/s | CPU s (tree) | articles/CPU-s | '
        'peak RSS MB (tree) | peak PSS MB (tree) | other load (cores) |',
        '|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ]
    lines += [f"| {row['n']:,} | {row['workers']} | {KIND_NAMES[row['kind']]} | {seconds_cell(row)} | "
              f"{row['articles_per_s']:.2f} | {row['words_per_s']:,.0f} | {row['cpu_seconds']:.0f} | "
              f"{row['articles_per_cpu_s']:.2f} | {row['peak_rss_mb']:,.0f} | {row['peak_pss_mb']:,.0f} | "
              f"{row['background_cores']:.2f} |" for row in rows]
    lines += ['', '| N | workers | pipeline / reference (articles/s) | same, per CPU-second | '
              'no-op pipeline time / pipeline time |', '|---:|---:|---:|---:|---:|']
    overhead = {(o['n'], o['workers']): o for o in derived['beam_overhead_noop']}
    for ratio in derived['ratio_pipeline_to_reference']:
        share = overhead.get((ratio['n'], ratio['workers']))
        cpu_ratio = f"{ratio['cpu_ratio']:.2f}" if ratio['cpu_ratio'] is not None else ''
        lines.append(f"| {ratio['n']:,} | {ratio['workers']} | {ratio['ratio']:.2f} | {cpu_ratio} | "
                     + (f"{share['share_of_pipeline_time']:.2f} |" if share else ' |'))
    if derived['scaling']:
        lines += ['', '| N | measurement | speed-up 1 -> 2 workers |', '|---:|---|---:|']
        lines += [f"| {s['n']:,} | {KIND_NAMES[s['kind']]} | {s['speedup']:.2f}x |" for s in derived['scaling']]
    if derived['peak_memory_growth']:
        lines += ['', '| measurement | workers | peak RSS growth | peak PSS growth |', '|---|---:|---:|---:|']
        lines += [f"| {KIND_NAMES[g['kind']]} | {g['workers']} | {g['rss_growth']:+.1%} "
                  f"(N {g['from_n']:,} -> {g['to_n']:,}) | {g['pss_growth']:+.1%} |"
                  for g in derived['peak_memory_growth']]
    targets = derived['targets_met']
    lines += ['', 'Targets: '
              f"pipeline >= reference: {_VERDICT[targets['ratio_at_least_1.0']]}; "
              f"2 workers >= 1.7x one at the largest N: {_VERDICT[targets['scaling_at_least_1.7']]}; "
              f"peak RSS at the largest N within 10% of the smallest: {_VERDICT[targets['rss_growth_within_10pct']]}.",
              '', 'Notes', '']
    lines += [f'- {note}' for note in report['notes']]
    return '\n'.join(lines) + '\n'


def seconds_cell(row: dict) -> str:
    """The median seconds, and each run's in the order they ran when there were several."""
    runs = row.get('runs')
    if not runs:
        return f"{row['seconds']:.1f}"
    each = ', '.join(f"{run['seconds']:.1f}" for run in runs)
    return f"{row['seconds']:.1f} ({each})"
