"""Where newsbeam keeps what it builds or downloads once and reuses across runs.

One folder for everything: the gazetteer index, the jars of the Java components, the Prism binary
and the test-only components.  ``$NEWSBEAM_CACHE`` names it; else ``$XDG_CACHE_HOME/newsbeam``;
else ``~/.cache/newsbeam``.
"""
import os
from pathlib import Path

SUBDIRECTORY = 'newsbeam'


def cache_dir() -> Path:
    """newsbeam's cache folder (not created here).

    Raises:
      RuntimeError: neither variable is set and there is no home directory (some containers).
    """
    own = os.environ.get('NEWSBEAM_CACHE')
    if own:
        return Path(own)
    base = os.environ.get('XDG_CACHE_HOME')
    return Path(base) / SUBDIRECTORY if base else Path.home() / '.cache' / SUBDIRECTORY
