"""The CLI's batch and streaming jobs validate and build for Dataflow, without a cloud.

``--dry_run=True --no_auth`` makes DataflowRunner validate the options and build the job
(the portable pipeline and the Dataflow job request) and return before submitting it.  The
temp location must be a gs:// path (a local one makes the runner look for a bucket and hang);
the project and the Pub/Sub project must be valid ids (6-30 characters), though nothing is
contacted.  The warehouse is a local directory here: a gs:// one would be listed (ledger,
unfinished runs) with credentials before the graph is built.
"""
import pytest

import apache_beam as beam

pytest.importorskip('apache_beam.runners.dataflow.internal.apiclient',
                    reason='DataflowRunner needs apache-beam[gcp]')

# pylint: disable=wrong-import-position
from pipeline.main import run  # noqa: E402
from tests.conftest import SEEDS  # noqa: E402

PROJECT = 'newsbeam-dry-run'
DATAFLOW = ['--runner', 'DataflowRunner', '--dry_run=True', '--no_auth', '--project', PROJECT,
            '--region', 'us-central1', '--temp_location', 'gs://newsbeam-dry-run/tmp']


@pytest.fixture(name='jobs')
def fixture_jobs(monkeypatch):
    """The Dataflow jobs the runner built, by job name (Pipeline.run may call itself once more)."""
    built = {}
    original = beam.Pipeline.run

    def recording_run(pipeline, *args, **kwargs):
        result = original(pipeline, *args, **kwargs)
        built[result.job.proto.name] = result.job
        return result

    monkeypatch.setattr(beam.Pipeline, 'run', recording_run)
    return built


def _transform_names(job):
    return {t.unique_name for t in job.proto_pipeline.components.transforms.values()}


def test_batch_job_builds(jobs, tmp_path):
    # Both passes on Dataflow: the near-duplicate pass of an input this small would run in process.
    run(['--input', str(SEEDS / 'articles' / '*'), '--output', str(tmp_path), '--in_process_first_pass_bytes=0',
         *DATAFLOW])
    assert len(jobs) == 2, f'{len(jobs)} Dataflow jobs were built'
    names = set().union(*(_transform_names(job) for job in jobs.values()))
    assert any(name.startswith('ReadArticles') for name in names)
    assert any(name.startswith('WriteWarehouse') for name in names)
    for job in jobs.values():
        assert job.google_cloud_options.project == PROJECT
        assert job.proto.type.name == 'JOB_TYPE_BATCH'


def test_streaming_job_builds(jobs, tmp_path):
    summary = run(['--streaming', '--pubsub-subscription', f'projects/{PROJECT}/subscriptions/articles',
                   '--output', str(tmp_path), *DATAFLOW])
    assert summary.get('submitted') is True
    [job] = jobs.values()
    assert job.google_cloud_options.project == PROJECT
    assert job.proto.type.name == 'JOB_TYPE_STREAMING'
    names = _transform_names(job)
    assert any('ReadPubSub' in name for name in names)
    assert any(name.startswith('WriteWarehouse') for name in names)
