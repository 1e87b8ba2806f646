"""What a benchmark ran on: the checkout's code and the machine."""
import os
import pathlib
import platform
import subprocess
from importlib import metadata
from typing import Optional

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Pipeline code: a change anywhere else (docs, tests, this bench) does not change what is measured.
_PIPELINE_PATHS = ('pipeline', 'transforms', 'schemas', 'seeds/rules')


def git(*args: str) -> Optional[str]:
    """git's output in the checkout, stripped; None where git fails (no git, not a checkout)."""
    try:
        return subprocess.run(['git', *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def code_state() -> dict:
    """The checkout's commit and its uncommitted changes to pipeline code.

    Taken as each measurement starts, because others may commit to the checkout while a
    long benchmark runs: every row says which code it measured.
    """
    dirty = git('status', '--porcelain', '--', *_PIPELINE_PATHS) or ''
    return {'commit': git('rev-parse', '--short', 'HEAD') or None,
            'uncommitted': [line[3:] for line in dirty.splitlines() if line.strip()]}


def _version(dist: str) -> Optional[str]:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _first_field(path: str, prefix: str) -> Optional[str]:
    """The value after the first line of path that starts with prefix ('model name', 'MemTotal:')."""
    try:
        with open(path, encoding='utf-8') as handle:
            return next((line.split(':', 1)[1].strip() for line in handle if line.startswith(prefix)), None)
    except OSError:
        return None


def machine_info(model: str, model_dist: str) -> dict:
    """CPU, cores this process may use, RAM, and the versions that decide the figures."""
    ram_kb = int((_first_field('/proc/meminfo', 'MemTotal:') or '0 kB').split()[0])
    return {'cpu': _first_field('/proc/cpuinfo', 'model name') or platform.processor() or '',
            'cores': os.cpu_count(), 'usable_cores': len(os.sched_getaffinity(0)),
            'ram_gb': round(ram_kb / 1024 / 1024, 1), 'os': platform.platform(),
            'python': platform.python_version(), 'apache_beam': _version('apache-beam'), 'spacy': _version('spacy'),
            'model': f'{model} {_version(model_dist)}', 'pyarrow': _version('pyarrow'),
            'newsbeam_commit': git('rev-parse', '--short', 'HEAD')}
