"""The one cache folder convention (transforms/core/cache.py)."""
import pathlib

import pytest

from transforms.core.cache import cache_dir


@pytest.mark.parametrize('own, xdg, expected', [
    ('/c/own', '/c/xdg', '/c/own'),
    ('/c/own', None, '/c/own'),
    (None, '/c/xdg', '/c/xdg/newsbeam'),
    ('', '/c/xdg', '/c/xdg/newsbeam'),
    (None, None, 'HOME/.cache/newsbeam'),
    (None, '', 'HOME/.cache/newsbeam'),
])
def test_cache_dir(own, xdg, expected, monkeypatch, tmp_path):
    monkeypatch.setenv('HOME', str(tmp_path))
    for name, value in (('NEWSBEAM_CACHE', own), ('XDG_CACHE_HOME', xdg)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)

    assert cache_dir() == pathlib.Path(expected.replace('HOME', str(tmp_path)))
