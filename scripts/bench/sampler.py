"""Running one measured subprocess: peak memory of its whole process tree, CPU time and other load.

Memory is summed over the process and all its descendants (Beam's SDK workers, spaCy's
n_process children), read from /proc, so the bench needs no psutil and works wherever
the pipeline does (Linux).
"""
import dataclasses
import os
import pathlib
import resource
import subprocess
import threading
import time
from typing import Dict, List, Mapping, Sequence

SAMPLE_SECONDS = 0.5
# PSS is read once every this many samples.  Reading it (smaps_rollup) walks a process's whole
# address space, which takes enough CPU to slow a measured run that keeps every core busy;
# RSS (statm) is cheap enough for every sample.
PSS_EVERY = 10

_PAGE_KB = os.sysconf('SC_PAGE_SIZE') // 1024


def _children_map() -> Dict[int, List[int]]:
    children: Dict[int, List[int]] = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat', encoding='ascii', errors='replace') as handle:
                stat = handle.read()
        except OSError:  # the process ended since listdir
            continue
        # The command name may hold spaces and parentheses: the fields follow the last ')'.
        ppid = int(stat.rsplit(')', 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def process_tree(pid: int) -> List[int]:
    """pid and every process descended from it."""
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
    except (OSError, IndexError, ValueError):  # the process ended meanwhile: it holds nothing
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
    """RSS and PSS summed over pid and its descendants, and how many processes there are.

    RSS counts a page shared between forked processes once in each of them; PSS divides it
    among its sharers, so the two bound what the tree really holds.  ``pss=False`` skips
    the costly PSS read (its figure is then 0).
    """
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


@dataclasses.dataclass(frozen=True)
class Measured:
    """What one subprocess cost.

    Attributes:
      wall_seconds: from start to exit, interpreter start and imports included.
      cpu_seconds: user + system time of the process and the descendants it waited for.
      peak_rss_mb, peak_pss_mb: the largest sampled sums over the process tree.
      max_processes: the most processes the tree had at a sample.
      background_cores: cores that everything else on the machine kept busy meanwhile.
    """
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    peak_pss_mb: float
    max_processes: int
    background_cores: float


def run_measured(argv: Sequence[str], log_path: pathlib.Path, cwd: pathlib.Path, env: Mapping[str, str],
                 interval: float = SAMPLE_SECONDS) -> Measured:
    """Runs argv to its end, output to log_path, while sampling its process tree.

    Raises:
      RuntimeError: the process exited non-zero (the message ends with its log's tail).
    """
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_before = machine_busy_seconds()
    started = time.monotonic()
    with open(log_path, 'w', encoding='utf-8') as log:
        child = subprocess.Popen(list(argv), cwd=str(cwd), env=dict(env), stdout=log, stderr=subprocess.STDOUT)
        sampler = TreeSampler(child.pid, interval)
        sampler.start()
        code = child.wait()
        sampler.stop()
    wall = time.monotonic() - started
    busy = machine_busy_seconds() - busy_before
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code != 0:
        tail = log_path.read_text(encoding='utf-8', errors='replace')[-3000:]
        raise RuntimeError(f'{log_path.stem} exited {code}; log {log_path}:\n{tail}')
    # RUSAGE_CHILDREN covers the descendants each process waited for (Beam's SDK workers, spaCy's
    # n_process children) and not this process, so the sampler's own /proc reads stay out of it.
    cpu = (children_after.ru_utime - children_before.ru_utime) + (children_after.ru_stime - children_before.ru_stime)
    return Measured(wall_seconds=round(wall, 2), cpu_seconds=round(cpu, 2),
                    peak_rss_mb=round(sampler.peak_rss_kb / 1024, 1), peak_pss_mb=round(sampler.peak_pss_kb / 1024, 1),
                    max_processes=sampler.max_processes,
                    background_cores=round(max(0.0, busy - cpu) / wall, 2) if wall else 0.0)
