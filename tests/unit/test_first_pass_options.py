"""Where batch pass 1 (near-duplicates, no NLP) runs: in process for a small input, else on the run's runner."""
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions

from pipeline.main import first_pass_options
from pipeline.options import NewsPipelineOptions
from transforms.read import expand_inputs

TWO_WORKERS = ['--direct_num_workers=2', '--direct_running_mode=multi_processing', '--runner', 'FnApiRunner']


def _where(argv, ledger=()):
    news = PipelineOptions(argv).view_as(NewsPipelineOptions)
    options = first_pass_options(argv, news, expand_inputs(news.input), ledger)
    direct = options.view_as(DirectOptions)
    return options.view_as(StandardOptions).runner, direct.direct_num_workers, direct.direct_running_mode


def test_a_small_input_runs_pass_1_in_process_and_a_large_one_on_the_runner(tmp_path):
    (tmp_path / 'in').mkdir()
    (tmp_path / 'in' / 'a.jsonl').write_bytes(b'x' * 600)
    (tmp_path / 'in' / 'b.txt').write_bytes(b'x' * 400)
    argv = ['--input', str(tmp_path / 'in' / '*'), '--output', str(tmp_path / 'warehouse'), *TWO_WORKERS]

    assert _where(argv) == ('FnApiRunner', 1, 'in_memory')
    assert _where(argv + ['--in_process_first_pass_bytes=1000']) == ('FnApiRunner', 1, 'in_memory')
    assert _where(argv + ['--in_process_first_pass_bytes=999']) == ('FnApiRunner', 2, 'multi_processing')
    assert _where(argv + ['--in_process_first_pass_bytes=0']) == ('FnApiRunner', 2, 'multi_processing')


def test_the_ledger_of_earlier_runs_counts_towards_the_limit(tmp_path):
    (tmp_path / 'a.jsonl').write_bytes(b'x' * 600)
    ledger = tmp_path / 'ledger-data-file.parquet'
    ledger.write_bytes(b'x' * 500)
    argv = ['--input', str(tmp_path / 'a.jsonl'), '--output', str(tmp_path / 'warehouse'), *TWO_WORKERS,
            '--in_process_first_pass_bytes=1000']

    assert _where(argv, [str(ledger)]) == ('FnApiRunner', 2, 'multi_processing')
    assert _where(argv + ['--in_process_first_pass_bytes=1100'], [str(ledger)]) == ('FnApiRunner', 1, 'in_memory')
