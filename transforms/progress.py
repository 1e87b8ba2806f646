"""``ReportProgress``: a pass-through step that lets the launching process show how far a run is.

Beam's metrics reach the launcher only when a local job ends, so each worker process also
writes its running count of elements to a file of its own in a directory the launcher polls
(``pipeline/progress.py``).  Only local runs have such a directory (workers on other machines
cannot write to it); a retried bundle counts twice, which a progress display can live with.
"""
import os
import time
import uuid
from typing import TypeVar

import apache_beam as beam
from apache_beam.pvalue import PCollection

T = TypeVar('T')
# How often a worker rewrites its count at most: the display refreshes about this often.
WRITE_SECONDS = 0.5


def write_count(directory: str, name: str, count: int) -> None:
    """Replaces ``directory/name`` with the count, whole (a reader never sees half a number)."""
    path = os.path.join(directory, name)
    partial = f'{path}.partial'
    with open(partial, 'w', encoding='ascii') as handle:
        handle.write(str(count))
    os.replace(partial, path)


def read_counts(directory: str) -> int:
    """The sum of every worker's count in ``directory``."""
    total = 0
    for entry in os.scandir(directory):
        if entry.name.endswith('.count'):
            try:
                with open(entry.path, encoding='ascii') as handle:
                    total += int(handle.read() or 0)
            except (OSError, ValueError):
                continue   # replaced or removed while being read: the next poll reads it
    return total


class _CountFn(beam.DoFn):
    def __init__(self, directory: str):
        self._directory = directory

    def setup(self):
        self._name = f'{uuid.uuid4().hex}.count'
        self._count = 0
        self._written = 0.0

    def process(self, element):
        self._count += 1
        now = time.monotonic()
        if now - self._written >= WRITE_SECONDS:
            write_count(self._directory, self._name, self._count)
            self._written = now
        yield element

    def finish_bundle(self):
        write_count(self._directory, self._name, self._count)


class ReportProgress(beam.PTransform[PCollection[T], PCollection[T]]):
    """PCollection[T] -> the same PCollection[T], counting its elements into ``directory`` (None: no-op)."""

    def __init__(self, directory):
        super().__init__()
        self._directory = directory

    def expand(self, pcoll):
        if not self._directory:
            return pcoll
        return pcoll | 'CountDone' >> beam.ParDo(_CountFn(self._directory))
