"""Where a pipeline run's time goes: a cProfile of one in-process run, broken down by stage.

The run is the 1-worker pipeline (FnApiRunner, in memory), because only there do all
stages run in the profiled process.  Each stage's seconds are the cumulative time of the
functions that do its work; what is left is Beam's runner, coders and fusion.
"""
import json
import pathlib
import shutil
import time
from typing import List, Sequence

from scripts.bench.corpus import build_articles
from scripts.bench.environment import ROOT, code_state
from scripts.bench.measure import MODEL, pipeline_argv, run_child

OTHER = 'Beam and other (runner, coders, fusion, side inputs, imports)'


def _stage_functions():
    """[(stage, [functions whose cumulative time is the stage's])]."""
    # pylint: disable=import-outside-toplevel,protected-access
    from transforms import datelines, duplicates, parse, quotes, read, source_tags, time_expressions, to_records, write
    from transforms.core import actors, event_extractor, model, sentences
    from transforms.core import duplicates as core_duplicates
    from transforms.core import entities as core_entities
    from transforms.core import events as core_events
    return [
        ('read files', [read._ReadFileFn.process]),
        ('parse (ids, hashes, dates)', [parse._ParseFn.process]),
        ('datelines', [datelines._NormalizeDatelineFn.process]),
        ('source tags', [source_tags._ExtractSourceTagsFn.process]),
        ('signature (MinHash)', [core_duplicates.with_signature]),
        ('near-duplicates (LSH buckets, copies, mark)', [duplicates._BandKeysFn.add_input, core_duplicates.find_copies,
                                                         core_duplicates.shares_a_band, duplicates._MarkFn.process]),
        ('model loading (setup)', [model.load_ner.__wrapped__, model.load_parser.__wrapped__]),
        ('NER: annotate (Docs -> records)', [core_entities.annotate]),
        ('NER: spaCy nlp.pipe', [core_entities.annotate_batch]),
        ('time expressions', [time_expressions._ResolveFn.process]),
        ('events: candidate sentences', [sentences.candidates]),
        ('events: person countries', [actors.person_countries]),
        ('events: rules on parsed sentences', [event_extractor.article_sentence_events]),
        ('events: spaCy parse', [core_events.extract_events_batch]),
        ('quotes', [quotes._ExtractQuotesFn.process]),
        ('rows (to_records)', [to_records.annotated_rows, to_records.dead_letter_rows]),
        ('write data files + Avro, commit', [write._WriteBundleFn.process, write._WriteBundleFn.finish_bundle,
                                            write._CommitFn.process]),
    ]


# Stages whose functions call other stages' functions: their time is counted once, in the inner stage.
_NESTED = {
    'NER: spaCy nlp.pipe': ('NER: annotate (Docs -> records)',),
    'events: spaCy parse': ('events: candidate sentences', 'events: person countries',
                            'events: rules on parsed sentences'),
}


def profile_stages(stats, stages=None) -> List[dict]:
    """Seconds and share of the total per stage, and the rest as OTHER.

    Args:
      stats: a ``pstats.Stats``.
      stages: [(stage, [functions])]; the pipeline's stages by default.
    """
    by_code = {key: cumulative for key, (_, _, _, cumulative, _) in stats.stats.items()}
    seconds = {}
    for stage, functions in stages or _stage_functions():
        codes = [function.__code__ for function in functions]
        seconds[stage] = sum(by_code.get((c.co_filename, c.co_firstlineno, c.co_name), 0.0) for c in codes)
    for stage, inner in _NESTED.items():
        if stage in seconds:
            seconds[stage] -= sum(seconds.get(name, 0.0) for name in inner)
    total = stats.total_tt
    rows = [{'stage': stage, 'seconds': round(value, 2)} for stage, value in seconds.items()]
    rows.append({'stage': OTHER, 'seconds': round(total - sum(seconds.values()), 2)})
    for row in rows:
        row['share'] = round(row['seconds'] / total, 4) if total else None
    return rows


def top_functions(stats, count: int) -> List[dict]:
    """The count functions with the most own time."""
    rows = [{'function': f'{_short_path(filename)}:{line}({name})', 'calls': calls,
             'tottime': round(own, 2), 'cumtime': round(cumulative, 2)}
            for (filename, line, name), (_, calls, own, cumulative, _) in stats.stats.items()]
    rows.sort(key=lambda row: row['tottime'], reverse=True)
    return rows[:count]


def _short_path(filename: str) -> str:
    for marker in ('site-packages/', str(ROOT) + '/'):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def child_profile(spec: dict) -> dict:
    """In the subprocess: the profiled run."""
    import cProfile  # pylint: disable=import-outside-toplevel
    import pstats  # pylint: disable=import-outside-toplevel
    from pipeline.cli import configure_logging  # pylint: disable=import-outside-toplevel
    from pipeline.main import run  # pylint: disable=import-outside-toplevel
    configure_logging(verbose=False)
    # This thread's CPU time, not wall time: other load on the machine must not show up as a stage's cost.
    profiler = cProfile.Profile(time.thread_time)
    started = time.monotonic()
    profiler.enable()
    summary = run(pipeline_argv(spec['input'], spec['output'], 1, spec['model']))
    profiler.disable()
    seconds = time.monotonic() - started
    # Kept in the work folder, for a look at callers and callees beyond the report's tables.
    profiler.dump_stats(spec['pstats'])
    stats = pstats.Stats(profiler)
    return {'seconds': seconds, 'summary': summary, 'stages': profile_stages(stats), 'top': top_functions(stats, 30)}


def profile_markdown(profile: dict, command: str, date: str) -> str:
    code = profile['code']
    uncommitted = f" (uncommitted: {', '.join(code['uncommitted'])})" if code['uncommitted'] else ''
    lines = ['# newsbeam profile', '',
             f'{date}. cProfile of one in-process pipeline run (FnApiRunner, in-memory, 1 worker) over '
             f"{profile['summary']['articles_written']:,} articles at newsbeam {code['commit']}{uncommitted}; "
             f"{profile['seconds']:.1f} s of wall time under the profiler, which counts this thread's CPU time "
             "(cProfile slows Python-heavy code more than spaCy's compiled code, so read the shares, not the "
             'seconds).', '', f'Command: `{command}`', '',
             '| stage | seconds | share |', '|---|---:|---:|']
    for row in sorted(profile['stages'], key=lambda r: r['seconds'], reverse=True):
        lines.append(f"| {row['stage']} | {row['seconds']:.1f} | {row['share']:.1%} |")
    lines += ['', 'Top functions by own time:', '', '| function | calls | tottime | cumtime |', '|---|---:|---:|---:|']
    lines += [f"| `{t['function']}` | {t['calls']:,} | {t['tottime']:.2f} | {t['cumtime']:.2f} |"
              for t in profile['top']]
    return '\n'.join(lines) + '\n'


def run_profile(files: Sequence[pathlib.Path], n: int, work: pathlib.Path, out: pathlib.Path, command: str,
                date: str) -> dict:
    """Profiles a run over n articles; writes OUT/profile.md and OUT/profile.json."""
    folder = work / f'input-profile-{n}'
    build_articles(files, n, folder)
    output = work / 'warehouse-profile'
    # A fresh warehouse: into an earlier one (a reused --work), the run would skip every article as ingested.
    shutil.rmtree(output, ignore_errors=True)
    spec = {'kind': 'profile', 'n': n, 'workers': 1, 'model': MODEL, 'input': str(folder / '*.jsonl'),
            'output': str(output), 'pstats': str(work / 'profile.pstats')}
    code = code_state()
    result = dict(run_child(spec, f'profile-{n}', work), code=code)
    (out / 'profile.md').write_text(profile_markdown(result, command, date), encoding='utf-8')
    (out / 'profile.json').write_text(json.dumps({k: result[k] for k in ('seconds', 'code', 'stages', 'top')},
                                                 indent=1) + '\n', encoding='utf-8')
    return result
