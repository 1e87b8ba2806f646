"""The pinned components that newsbeam fetches or builds once into its cache, installed or from a checkout.

* ``kafka-expansion/pom.xml``: the jars of Beam's Kafka IO expansion service (``--streaming
  --kafka-topic``), copied from Maven Central with ``mvn``;
* ``prism/go.mod``, ``go.sum``: the Prism runner (the default streaming runner), built with ``go``
  from the Go module proxy, every module verified against ``go.sum`` (``-mod=readonly``).

Both pins are package data beside this module, so an installed newsbeam fetches exactly what a
checkout does; ``maven_libs`` takes any other pom too (the test-only components of
``tests/services.py``).  Everything goes into newsbeam's cache folder (``transforms/core/cache.py``),
once, and again only when the pinned files change (``made_once``).  Maven keeps its own downloads
in ``~/.m2`` as usual.

    python -m pipeline.components [kafka-expansion] [prism]    # fetch and build now; prints the paths

This module needs only the standard library (``scripts/*.sh`` run it with any Python 3.11).
"""
import contextlib
import fcntl
import hashlib
import os
import pathlib
import re
import shutil
import subprocess
import sys
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Sequence

from transforms.core.cache import cache_dir
from transforms.core.errors import NewsbeamError

HERE = pathlib.Path(__file__).resolve().parent
MAVEN_SETTINGS = HERE / 'maven-settings.xml'
PRISM_MODULE = HERE / 'prism'
LOG_TAIL_LINES = 40
# Exit status of ``python -m pipeline.components`` (and of scripts/*.sh) when mvn or go is missing.
MISSING_TOOL_STATUS = 3
_BEAM_MODULE = 'github.com/apache/beam/sdks/v2'


class ServiceError(RuntimeError):
    """A component could not be fetched or built, or a service did not start: the first line says which,
    the end of its log follows (``newsbeam`` prints the first line, and all of it with --verbose)."""


class MissingTool(ServiceError, NewsbeamError):
    """A tool that a component needs (java, mvn, go) is not installed: one line saying what to install,
    which ``newsbeam`` prints as it is (exit status 2: nothing was started)."""
    exit_status = 2


def require(tool: str, install: str, needed_for: str) -> str:
    """The tool's path on PATH.

    Raises:
      MissingTool: e.g. 'mvn not found on PATH: install Maven 3 (needed for the Kafka IO expansion service)'.
    """
    found = shutil.which(tool)
    if not found:
        raise MissingTool(f'{tool} not found on PATH: install {install} (needed for {needed_for})')
    return found


def digest(paths: Sequence[pathlib.Path]) -> str:
    """sha256 over the files' contents, in order."""
    total = hashlib.sha256()
    for path in paths:
        total.update(hashlib.sha256(path.read_bytes()).digest())
    return total.hexdigest()


def _remove(path: pathlib.Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


@contextlib.contextmanager
def _locked(lock: pathlib.Path) -> Iterator[None]:
    """One maker at a time (parallel test sessions, CI jobs sharing a cache); released when the process dies."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, 'w', encoding='utf-8') as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def made_once(target: pathlib.Path, pins: Sequence[pathlib.Path], make: Callable[[pathlib.Path], None]) -> pathlib.Path:
    """``target`` (a file or folder), made by ``make(target)`` unless it was made from these very pins.

    The stamp (``<target>.stamp``: the pins' sha256) is written after ``make`` returns, so a killed
    or failed make is made again from scratch next time, never taken for complete.
    """
    stamp = target.parent / f'{target.name}.stamp'
    want = digest(pins)
    with _locked(target.parent / f'{target.name}.lock'):
        if target.exists() and stamp.is_file() and stamp.read_text(encoding='ascii').strip() == want:
            return target
        _remove(stamp)
        _remove(target)
        make(target)
        stamp.write_text(want + '\n', encoding='ascii')
    return target


def build_step(command: List[str], what: str, cwd: Optional[pathlib.Path] = None,
               env: Optional[Mapping[str, str]] = None) -> None:
    """Runs one step of fetching or building a component.

    Raises:
      ServiceError: the step failed; the first line says which, the end of its output follows.
    """
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd,
                            env=None if env is None else dict(env), stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        tail = '\n'.join((result.stdout + result.stderr).splitlines()[-LOG_TAIL_LINES:])
        raise ServiceError(f'{what} failed (exit status {result.returncode} of {" ".join(command[:3])} ...):\n{tail}')


def maven_libs(pom: pathlib.Path, name: Optional[str] = None) -> pathlib.Path:
    """The folder of every jar of ``pom``'s dependencies, copied from Maven Central once.

    Args:
      pom: a pom.xml of packaging 'pom' that only lists dependencies.
      name: the component's name in the cache (default: the pom's folder name).

    Returns:
      ``<cache>/java/<name>/lib``, for ``java -cp 'lib/*'``.
    """
    name = name or pom.parent.name

    def fetch(lib: pathlib.Path) -> None:
        mvn = require('mvn', 'Maven 3', f'the Java component {name}, fetched from Maven Central')
        build_step([mvn, '-B', '-q', '-Dstyle.color=never', '-s', str(MAVEN_SETTINGS), '-f', str(pom),
                    'dependency:copy-dependencies', f'-DoutputDirectory={lib}'],
                   f'fetching the jars of {name} ({pom}) from Maven Central')

    return made_once(cache_dir() / 'java' / name / 'lib', [pom, MAVEN_SETTINGS], fetch)


def java_libs(component: str) -> pathlib.Path:
    """The jar folder of one of newsbeam's own Java components (``kafka-expansion``)."""
    return maven_libs(HERE / component / 'pom.xml', component)


def prism_version(go_mod: pathlib.Path = PRISM_MODULE / 'go.mod') -> str:
    """The Beam version that go.mod pins, e.g. '2.70.0'."""
    match = re.search(rf'^\s*{re.escape(_BEAM_MODULE)}\s+v(\S+)', go_mod.read_text(encoding='utf-8'), re.MULTILINE)
    if not match:
        raise ServiceError(f'no {_BEAM_MODULE} requirement in {go_mod}')
    return match.group(1)


def prism_binary() -> str:
    """Path of the Prism binary pinned in ``prism/go.mod``, built once into ``<cache>/bin/prism-VERSION``.

    go.sum was generated once with ``GONOSUMDB=github.com/apache/beam GOFLAGS=-mod=mod go get -tool
    ...@v2.70.0``: the checksum database has no record of github.com/apache/beam/sdks/v2@v2.70.0 (404),
    which is why a plain ``go install .../prism@v2.70.0`` fails.  The Beam module's hash is trusted
    from that first download; every other module's was checked against the checksum database.
    """
    cache = cache_dir()
    pins = [PRISM_MODULE / 'go.mod', PRISM_MODULE / 'go.sum']

    def build(binary: pathlib.Path) -> None:
        go = require('go', 'Go >= 1.24', 'the Prism runner, built from the Go module proxy')
        # Built from a copy: the installed package's folder may be read-only.
        module = cache / 'go' / 'prism-module'
        _remove(module)
        module.mkdir(parents=True)
        for pin in pins:
            shutil.copyfile(pin, module / pin.name)
        env = {**os.environ, 'GOPATH': str(cache / 'go'), 'GOMODCACHE': str(cache / 'go' / 'mod'),
               'GOFLAGS': '-mod=readonly -modcacherw', 'GOWORK': 'off'}
        build_step([go, 'build', '-trimpath', '-o', str(binary), f'{_BEAM_MODULE}/go/cmd/prism'],
                   f'building Prism {prism_version()}', cwd=module, env=env)

    return str(made_once(cache / 'bin' / f'prism-{prism_version()}', pins, build))


PACKAGE_COMPONENTS: Dict[str, Callable[[], object]] = {
    'kafka-expansion': lambda: java_libs('kafka-expansion'),
    'prism': prism_binary,
}


def fetch_main(argv: Sequence[str], components: Mapping[str, Callable[[], object]]) -> int:
    """``fetch [NAME ...]``: makes the named components (default: all), printing each one's path.

    Returns:
      0; ``MISSING_TOOL_STATUS`` when mvn, go or java is missing; 1 when a fetch or build failed.
    """
    names = list(argv) or list(components)
    unknown = [name for name in names if name not in components]
    if unknown:
        print(f'unknown component {unknown[0]!r}; one of: {", ".join(components)}', file=sys.stderr)
        return 2
    for name in names:
        try:
            print(components[name]())
        except MissingTool as error:
            print(f'{name}: {error}', file=sys.stderr)
            return MISSING_TOOL_STATUS
        except ServiceError as error:
            print(f'{name}: {error}', file=sys.stderr)
            return 1
    return 0
