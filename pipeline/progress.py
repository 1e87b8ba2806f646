"""How far a run is, on stderr: a progress bar on a terminal, a plain line now and then in a log.

The total is the number of new articles the first pass found; the count comes from the
workers' count files (``transforms/progress.py``), polled in a background thread.  tqdm draws
the bar, rate and time left on a terminal; in a log (cron, Airflow) a run shorter than
``LOG_SECONDS`` prints nothing here, a longer one a line every ``LOG_SECONDS``.
"""
import contextlib
import sys
import tempfile
import threading
import time
from typing import Iterator, Optional, TextIO

from tqdm import tqdm

POLL_SECONDS = 0.5
LOG_SECONDS = 30.0


class Progress:
    """The progress display of one run.

    Args:
      stream: where to write (stderr).
      enabled: False shows nothing (distributed runners, whose workers cannot reach the count files).
    """

    def __init__(self, stream: TextIO = sys.stderr, enabled: bool = True):
        self._stream = stream
        self._enabled = enabled
        self._terminal = enabled and stream.isatty()
        self._started = time.monotonic()

    def phase(self, text: str) -> None:
        """Says what the run does now (on a terminal only: a log gets the summary)."""
        if self._terminal:
            print(f'newsbeam: {text}', file=self._stream, flush=True)

    @contextlib.contextmanager
    def count_files(self) -> Iterator[Optional[str]]:
        """A directory for the workers' count files, or None when progress is not shown."""
        if not self._enabled:
            yield None
            return
        with tempfile.TemporaryDirectory(prefix='newsbeam-progress-') as directory:
            yield directory

    @contextlib.contextmanager
    def articles(self, directory: Optional[str], total: Optional[int]) -> Iterator[None]:
        """Shows the articles done of ``total`` while the block runs, from the count files in ``directory``."""
        if not directory:
            yield
            return
        from transforms.progress import read_counts  # pylint: disable=import-outside-toplevel
        done = threading.Event()
        watcher = threading.Thread(target=self._watch, args=(directory, total, done, read_counts), daemon=True)
        watcher.start()
        try:
            yield
        finally:
            done.set()
            watcher.join()

    def _watch(self, directory: str, total: Optional[int], done: threading.Event, read_counts) -> None:
        if self._terminal:
            with tqdm(total=total, unit=' articles', file=self._stream, dynamic_ncols=True, leave=False) as bar:
                while not done.wait(POLL_SECONDS):
                    bar.update(read_counts(directory) - bar.n)
            return
        started, last = time.monotonic(), time.monotonic()
        while not done.wait(POLL_SECONDS):
            now = time.monotonic()
            if now - last >= LOG_SECONDS:
                last = now
                print(f'newsbeam: {log_line(read_counts(directory), total, now - started)}',
                      file=self._stream, flush=True)


def log_line(count: int, total: Optional[int], seconds: float) -> str:
    """'1,200 of 10,000 articles (12%), 9.8 articles/s, about 15 min left', or without the total."""
    rate = count / seconds if seconds > 0 else 0.0
    if not total:
        return f'{count:,} articles, {rate:.1f} articles/s'
    left = f', about {_duration((total - count) / rate)} left' if rate > 0 and count < total else ''
    return f'{count:,} of {total:,} articles ({100 * count // total}%), {rate:.1f} articles/s{left}'


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f'{seconds:.0f} s'
    if seconds < 90 * 60:
        return f'{seconds / 60:.0f} min'
    return f'{seconds / 3600:.1f} h'
