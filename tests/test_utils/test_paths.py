"""Output names built from ids stay inside their folder (mmdsa.utils.paths)."""
import os

import pytest

from mmdsa.utils.paths import (MAX_NAME_BYTES, UnsafePathError,
                               check_out_dir, confined_path, display_path,
                               safe_name, unique_names)

HOSTILE = ['x/../../../../ESCAPED', '../up', '..', '.', '/etc/passwd',
           'a\\..\\b', 'nul\0byte', 'C:evil', '.hidden', 'line\nbreak']


@pytest.mark.parametrize('name', HOSTILE)
def test_hostile_ids_stay_in_the_folder(tmp_path, name):
    out = tmp_path / 'out'
    path = confined_path(out, name, '.png')
    assert os.path.dirname(os.path.abspath(path)) == str(out)
    base = os.path.basename(path)
    assert '/' not in base and '\\' not in base and '\0' not in base
    assert not base.startswith('.')
    assert base not in ('.png', '..png')


def test_encoding_is_injective_and_keeps_plain_ids():
    names = ['a/b', 'a%2Fb', 'a__b', 'a_b', '.a', '%2Ea', 'series_01']
    encoded = [safe_name(n) for n in names]
    assert len(set(encoded)) == len(names), encoded
    assert safe_name('series_01') == 'series_01'
    assert safe_name('Ünïcode 1') == 'Ünïcode 1'


def test_non_utf8_and_long_names():
    raw = os.fsdecode(b'caf\xe9')   # a Latin-1 file name on a UTF-8 system
    name = safe_name(raw)
    assert name == 'caf%E9'
    name.encode('utf-8')   # writable as UTF-8
    assert display_path(raw) == 'caf\\xe9'
    long = safe_name('x' * 1000)
    assert len(long.encode()) <= MAX_NAME_BYTES
    assert long != safe_name('x' * 999)


def test_refusals(tmp_path):
    with pytest.raises(UnsafePathError, match='empty'):
        safe_name('')
    with pytest.raises(UnsafePathError, match='separator'):
        confined_path(tmp_path, 'a', '/../b.png')


def test_unique_names():
    assert unique_names(['s', 's', 's_2']) == ['s', 's_3', 's_2']
    assert unique_names(['a', 'b']) == ['a', 'b']


def test_out_dir_inside_an_input_series_is_refused(tmp_path):
    series = tmp_path / 'series'
    series.mkdir()
    (series / 'f1.dcm').write_bytes(b'x')
    for out in (series, series / 'sub', tmp_path / 'link'):
        if out.name == 'link':
            out.symlink_to(series)
        with pytest.raises(UnsafePathError, match='outside the input'):
            check_out_dir(out, [series / 'f1.dcm', series])
    check_out_dir(tmp_path / 'results', [series, None])   # fine
    check_out_dir(tmp_path, [series / 'f1.dcm'])   # a file input: fine
