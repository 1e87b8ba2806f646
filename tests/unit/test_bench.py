"""scripts/bench.py: corpus building, process-tree memory, derived figures, report and chart (no measurement)."""
import importlib.util
import json
import os
import pathlib
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def bench():
    spec = importlib.util.spec_from_file_location('bench', ROOT / 'scripts' / 'bench.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _corpus(folder: pathlib.Path, count: int):
    folder.mkdir()
    for index in range(count):
        (folder / f'a{index}.txt').write_text(f'TEHRAN - Story number {index} here. MH', encoding='utf-8')
    return sorted(folder.glob('*.txt'))


def test_build_articles_repeats_the_corpus_with_one_source_id_per_copy(bench, tmp_path):
    files = _corpus(tmp_path / 'corpus', 3)
    info = bench.build_articles(files, 7, tmp_path / 'out', per_file=3)
    lines = [json.loads(line) for path in sorted((tmp_path / 'out').glob('*.jsonl'))
             for line in path.read_text(encoding='utf-8').splitlines()]
    assert info == {'files': 3, 'articles': 7, 'words': sum(len(r['text'].split()) for r in lines)}
    assert len(lines) == 7 and len({r['id'] for r in lines}) == 7
    assert lines[0]['id'] == 'c000-a0.txt' and lines[3]['id'] == 'c001-a0.txt'
    assert lines[3]['text'] == lines[0]['text']
    assert bench.read_texts(tmp_path / 'out') == [r['text'] for r in lines]


def test_process_tree_and_memory_of_this_process(bench):
    assert os.getpid() in bench.process_tree(os.getpid())
    memory = bench.tree_memory_kb(os.getpid())
    assert memory['rss_kb'] > 0 and memory['processes'] >= 1
    assert bench.machine_busy_seconds() > 0


def _row(bench, kind, n, workers, seconds, rss):
    return {'kind': kind, 'n': n, 'workers': workers, 'seconds': seconds, 'articles_per_s': n / seconds,
            'words_per_s': 500 * n / seconds, 'cpu_seconds': seconds * workers,
            'articles_per_cpu_s': n / (seconds * workers), 'peak_rss_mb': rss, 'peak_pss_mb': rss,
            'background_cores': 0.0}


def test_derive_ratio_scaling_growth_and_targets(bench):
    rows = [_row(bench, 'pipeline', 100, 1, 10, 1000), _row(bench, 'pipeline', 100, 2, 5, 1500),
            _row(bench, 'reference', 100, 1, 20, 900), _row(bench, 'reference', 100, 2, 10, 1200),
            _row(bench, 'pipeline', 1000, 1, 100, 1050), _row(bench, 'pipeline', 1000, 2, 60, 1800),
            _row(bench, 'reference', 1000, 1, 200, 950), _row(bench, 'reference', 1000, 2, 100, 1300)]
    derived = bench.derive(rows, [100, 1000], [1, 2])
    assert {(r['n'], r['workers']): r['ratio'] for r in derived['ratio_pipeline_to_reference']} == {
        (100, 1): 2.0, (100, 2): 2.0, (1000, 1): 2.0, (1000, 2): 1.667}
    assert [s['speedup'] for s in derived['scaling'] if s['kind'] == 'pipeline'] == [2.0, 1.667]
    growth = {(g['kind'], g['workers']): g['rss_growth'] for g in derived['peak_memory_growth']}
    assert growth[('pipeline', 1)] == 0.05 and growth[('pipeline', 2)] == 0.2
    assert derived['targets_met'] == {'ratio_at_least_1.0': True, 'scaling_at_least_1.8': False,
                                      'rss_growth_within_10pct': False}


def test_markdown_and_chart(bench, tmp_path):
    rows = [_row(bench, 'pipeline', 100, 1, 10, 1000), _row(bench, 'reference', 100, 1, 20, 900),
            _row(bench, 'noop', 100, 1, 2, 300)]
    report = {'date': '2026-01-01T00:00:00+00:00', 'command': 'python scripts/bench.py', 'results': rows,
              'machine': bench.machine_info(), 'input': {'description': 'test'}, 'notes': ['a note'],
              'derived': bench.derive(rows, [100], [1])}
    text = bench.markdown(report)
    assert '| 100 | 1 | pipeline (newsbeam run) | 10.0 | 10.00 |' in text
    assert 'pipeline >= reference: met' in text
    pytest.importorskip('PIL')
    assert bench.draw_chart(rows, tmp_path / 'chart.png', 'test')
    assert (tmp_path / 'chart.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_noop_nlp_replaces_both_loaders(bench, monkeypatch):
    import transforms.nlp.model as model
    import transforms.entities as entities
    import transforms.events as events
    for module, name in ((model, 'load_ner'), (model, 'load_parser'), (entities, 'load_ner'),
                         (events, 'load_parser')):
        monkeypatch.setattr(module, name, getattr(module, name))  # restored after the test
    bench.install_noop_nlp()
    assert entities.load_ner is model.load_ner and events.load_parser is model.load_parser
    assert model.load_ner().pipe_names == ['sentencizer'] and model.load_parser().pipe_names == []


def test_skips_without_corpus(bench, tmp_path, capsys):
    assert bench.main(['--shared', str(tmp_path), '--out', str(tmp_path / 'out')]) == 0
    assert 'nothing to measure' in capsys.readouterr().out


def test_repeated_runs_report_the_median_time_and_the_largest_peak(bench):
    runs = [dict(_row(bench, 'pipeline', 100, 2, seconds, rss), started=f't{i}')
            for i, (seconds, rss) in enumerate([(12.0, 1500), (10.0, 1600), (20.0, 1400)])]
    row = bench.combine_runs(runs)
    assert (row['seconds'], row['articles_per_s'], row['words_per_s'], row['cpu_seconds']) == (
        12.0, 8.333, 4166.7, 24.0)
    assert (row['peak_rss_mb'], row['peak_pss_mb']) == (1600, 1600)
    assert [r['seconds'] for r in row['runs']] == [12.0, 10.0, 20.0] and row['runs'][2]['started'] == 't2'
    assert bench.combine_runs(runs[:1]) == runs[0]
    assert bench._seconds_cell(row) == '12.0 (12.0, 10.0, 20.0)'  # pylint: disable=protected-access


def test_the_sampler_reads_pss_only_every_pss_every_samples(bench, monkeypatch):
    reads = []
    # This process counts 100 kB; its children (the suite's job servers, if any) nothing.
    monkeypatch.setattr(bench, '_pss_kb', lambda pid: reads.append(pid) or (100 if pid == os.getpid() else 0))
    assert bench.tree_memory_kb(os.getpid(), pss=False)['pss_kb'] == 0 and not reads
    assert bench.tree_memory_kb(os.getpid())['pss_kb'] == 100 and os.getpid() in reads
    asked = []
    sample = bench.tree_memory_kb
    monkeypatch.setattr(bench, 'tree_memory_kb', lambda pid, pss: asked.append(pss) or sample(pid, pss))
    sampler = bench.TreeSampler(os.getpid(), interval=0.001)
    sampler.start()
    while len(asked) < 2 * bench.PSS_EVERY + 1:
        time.sleep(0.001)
    sampler.stop()
    assert asked[:2 * bench.PSS_EVERY + 1] == ([True] + [False] * (bench.PSS_EVERY - 1)) * 2 + [True]
    assert sampler.peak_rss_kb > 0 and sampler.peak_pss_kb == 100
