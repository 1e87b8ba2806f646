"""Unit tests for transforms.core.gazetteer: exact lookups and the on-disk cache (no Beam)."""
import pytest

from transforms.core import gazetteer as gazetteer_module
from transforms.core.gazetteer import (
    Gazetteer, display_name, gazetteer, in_scope, locate_place)


def test_city_resolves_to_country_and_zone():
    assert locate_place('Tehran')[:3] == ('Tehran', 'IRN', 'Asia/Tehran')


@pytest.mark.parametrize('name, geonames_id, latitude, longitude', [
    ('Tehran', 112931, 35.69, 51.42),            # a city: its own id and point
    ('Iran', 130758, 35.69, 51.42),              # a country: its id, its capital's point
    ('California', 5332921, 34.05, -118.24),     # a US state: its id, its largest city's point
])
def test_places_carry_geonames_ids_and_coordinates(name, geonames_id, latitude, longitude):
    place = locate_place(name)
    assert place.geonames_id == geonames_id
    assert (round(place.latitude, 2), round(place.longitude, 2)) == (latitude, longitude)


@pytest.mark.parametrize('region, state, zone', [
    ('Ore.', 'OR', 'America/Los_Angeles'),
    ('Ill.', 'IL', 'America/Chicago'),
])
def test_region_scope_picks_the_city_in_that_state(region, state, zone):
    index = gazetteer()
    scopes = index.region_scopes(region)
    assert scopes[0] == ('US', state)
    city = [city for city in index.cities('PORTLAND') if in_scope(city, scopes)][0]
    assert (city.country, city.admin1, city.timezone) == ('US', state, zone)
    assert display_name(city, 'PORTLAND') == 'Portland'


def test_country_names():
    index = gazetteer()
    assert index.alpha3(index.region_scopes('Argentina')[0]) == 'ARG'
    assert index.alpha3(index.region_scopes('Calif.')[0]) == 'USA'
    assert locate_place('BAHRAIN')[:3] == ('Bahrain', 'BHR', 'Asia/Bahrain')
    assert locate_place('Blorptown') is None


def test_display_name_keeps_printed_punctuation_in_ascii():
    index = gazetteer()
    assert display_name(index.cities('ST. PETERSBURG')[0], 'ST. PETERSBURG') == 'St. Petersburg'
    assert locate_place('São Paulo')[:3] == ('Sao Paulo', 'BRA', 'America/Sao_Paulo')


def test_near_misses_correct_a_slip_towards_a_big_city():
    key, city = gazetteer().near_misses('TERHAN')[0]
    assert (key, city.country, city.timezone) == ('tehran', 'IR', 'Asia/Tehran')
    assert display_name(city, key) == 'Tehran'
    assert gazetteer().near_misses('TERHA') == []


@pytest.fixture(name='counted_build', scope='module')
def fixture_counted_build():
    """The real tables, built once for the module; the tests count how often a build is asked for."""
    return gazetteer_module._build_tables()  # pylint: disable=protected-access


@pytest.fixture(name='builds')
def fixture_builds(monkeypatch, counted_build):
    calls = []

    def build():
        calls.append(1)
        return counted_build

    monkeypatch.setattr(gazetteer_module, '_build_tables', build)
    return calls


def _cache_files(directory):
    return sorted(directory.glob('gazetteer-*.marshal'))


def test_second_load_reads_the_cache_file(tmp_path, builds):
    first = Gazetteer.load(tmp_path)
    assert len(builds) == 1 and len(_cache_files(tmp_path)) == 1
    second = Gazetteer.load(tmp_path)
    assert len(builds) == 1
    assert second.cities('Tehran') == first.cities('Tehran')
    assert second.region_scopes('Ore.') == (('US', 'OR'),)


@pytest.mark.parametrize('damage', [
    lambda data: b'not a cache file',
    lambda data: data[:len(data) // 2],
    lambda data: data[:-10] + bytes(10),
], ids=['garbage', 'truncated', 'bytes-changed'])
def test_corrupt_cache_file_is_rebuilt(tmp_path, builds, damage):
    Gazetteer.load(tmp_path)
    [cache_file] = _cache_files(tmp_path)
    cache_file.write_bytes(damage(cache_file.read_bytes()))
    assert Gazetteer.load(tmp_path).cities('Tehran')[0].timezone == 'Asia/Tehran'
    assert len(builds) == 2
    # The rebuilt file is sound again.
    Gazetteer.load(tmp_path)
    assert len(builds) == 2


def test_unwritable_cache_directory_builds_in_memory(tmp_path, builds):
    not_a_directory = tmp_path / 'file'
    not_a_directory.write_text('')
    index = Gazetteer.load(not_a_directory / 'newsbeam')
    assert index.cities('Tehran')[0].country == 'IR'
    assert len(builds) == 1


def test_default_cache_directory_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv('NEWSBEAM_CACHE', raising=False)
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path))
    # pylint: disable-next=protected-access
    assert gazetteer_module._default_cache_directory() == tmp_path / 'newsbeam'


def test_default_cache_directory_is_newsbeams_cache(monkeypatch, tmp_path):
    # The same folder as the runner components': $NEWSBEAM_CACHE first.
    monkeypatch.setenv('NEWSBEAM_CACHE', str(tmp_path / 'own'))
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'xdg'))
    # pylint: disable-next=protected-access
    assert gazetteer_module._default_cache_directory() == tmp_path / 'own'
