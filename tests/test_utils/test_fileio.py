"""The one atomic writer (mmdsa.utils.fileio; issues 14.8 and 15.3)."""
import json
import os
import re
import stat

import numpy as np
import pytest

from mmdsa.utils.fileio import (atomic_write, make_temp_sibling_dir,
                                remove_stale_temp_files, replace_dir,
                                write_json_atomic)
from tests.conftest import REPO_ROOT


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield 0o022
    os.umask(old)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize('umask', [0o022, 0o002, 0o077])
def test_permissions_follow_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        a = atomic_write(tmp_path / 'a.txt', 'text')
        b = atomic_write(tmp_path / 'b.png',
                         writer=lambda p: open(p, 'wb').write(b'png'))
        c = write_json_atomic(tmp_path / 'c.json', {'x': 1})
        d = make_temp_sibling_dir(tmp_path / 'd')
    finally:
        os.umask(old)
    for path in (a, b, c):
        assert _mode(path) == 0o666 & ~umask, path
    assert _mode(d) == 0o777 & ~umask


def test_bytes_text_json_and_writer(tmp_path):
    assert atomic_write(tmp_path / 'b.bin', b'\x00\x01') == str(
        tmp_path / 'b.bin')
    assert (tmp_path / 'b.bin').read_bytes() == b'\x00\x01'
    atomic_write(tmp_path / 't.txt', 'é')
    assert (tmp_path / 't.txt').read_text(encoding='utf-8') == 'é'
    write_json_atomic(tmp_path / 'sub' / 'j.json', {'a': [1, 2]})
    assert json.loads((tmp_path / 'sub' / 'j.json').read_text()) == {
        'a': [1, 2]}
    seen = []

    def save(p):
        seen.append(p)
        np.save(p, np.arange(3))   # np.save keeps a path ending in .npy

    atomic_write(tmp_path / 'x.npy', writer=save)
    assert seen[0].endswith('.tmp.npy')   # the target's extension stays last
    np.testing.assert_array_equal(np.load(tmp_path / 'x.npy'), np.arange(3))
    assert sorted(os.listdir(tmp_path)) == ['b.bin', 'sub', 't.txt', 'x.npy']


@pytest.mark.parametrize('exc', [RuntimeError, KeyboardInterrupt])
def test_failure_mid_write_keeps_the_old_file(tmp_path, exc):
    target = tmp_path / 'result.json'
    target.write_text('old')

    def half_then_fail(p):
        with open(p, 'w') as f:
            f.write('{"half":')
        raise exc('killed')

    with pytest.raises(exc):
        atomic_write(target, writer=half_then_fail)
    assert target.read_text() == 'old'
    assert os.listdir(tmp_path) == ['result.json']


def test_unserialisable_json_keeps_the_old_file(tmp_path):
    target = tmp_path / 'r.json'
    target.write_text('old')
    with pytest.raises(TypeError):
        write_json_atomic(target, {'x': object()})
    assert target.read_text() == 'old'
    assert os.listdir(tmp_path) == ['r.json']


def test_bad_arguments(tmp_path):
    with pytest.raises(TypeError, match='exactly one'):
        atomic_write(tmp_path / 'a', 'x', writer=print)
    with pytest.raises(TypeError, match='exactly one'):
        atomic_write(tmp_path / 'a')
    with pytest.raises(TypeError, match='bytes or str'):
        atomic_write(tmp_path / 'a', 3)
    (tmp_path / 'd').mkdir()
    with pytest.raises(IsADirectoryError, match='existing folder'):
        atomic_write(tmp_path / 'd', 'x')


def _dead_pid():
    import subprocess
    import sys
    proc = subprocess.Popen([sys.executable, '-c', 'pass'])
    proc.wait()
    return proc.pid


def test_remove_stale_temp_files(tmp_path):
    dead = _dead_pid()
    target = tmp_path / 'epoch_1.pth'
    stale = tmp_path / f'.epoch_1.pth.{dead}-abcdef12.tmp.pth'
    other = tmp_path / f'.epoch_2.pth.{dead}-abcdef12.tmp.pth'
    running = tmp_path / f'.epoch_1.pth.{os.getpid()}-abcdef12.tmp.pth'
    user = tmp_path / 'epoch_1.pth.bak'
    for p in (stale, other, running, user):
        p.write_bytes(b'x')
    assert remove_stale_temp_files(target) == [str(stale)]
    assert sorted(os.listdir(tmp_path)) == sorted(
        [other.name, running.name, user.name])
    assert remove_stale_temp_files(tmp_path / 'epoch_*.pth') == [str(other)]
    assert sorted(os.listdir(tmp_path)) == sorted([running.name, user.name])


def test_replace_dir(tmp_path):
    dst = tmp_path / 'set'
    dst.mkdir()
    (dst / 'old.txt').write_text('old')
    src = make_temp_sibling_dir(dst)
    (tmp_path / os.path.basename(src) / 'new.txt').write_text('new')
    replace_dir(src, dst)
    assert os.listdir(dst) == ['new.txt']
    assert os.listdir(tmp_path) == ['set']


def test_callers_write_with_the_umask_mode(tmp_path, umask_022):
    """Outputs that went through mkstemp (0600) before: prediction files,
    synthetic DICOM + annotations, figures."""
    from mmdsa.evaluation.metrics import write_prediction_file
    from mmdsa.synth import generate_perforation_dataset
    from mmdsa.visualization import draw_series_detections
    pred = tmp_path / 'pred.json'
    write_prediction_file(str(pred), 'thrombus', 'm', [])
    ann = generate_perforation_dataset(str(tmp_path / 'syn'), num_series=1,
                                       image_size=40, num_frames=(3, 3),
                                       progress=False)
    dcm = next((tmp_path / 'syn' / 'dicom').glob('*.dcm'))
    png = draw_series_detections(np.zeros((3, 16, 16), np.float32),
                                 str(tmp_path / 'fig.png'))
    for path in (pred, ann, dcm, png):
        assert _mode(path) == 0o644, path


def test_every_output_goes_through_the_one_writer():
    """No hand-written temp file + rename outside mmdsa/utils/fileio.py."""
    pattern = re.compile(r'os\.replace\(|os\.rename\(|mkstemp\(|mkdtemp\(')
    offenders = []
    for folder in ('mmdsa', 'tools'):
        for path in (REPO_ROOT / folder).rglob('*.py'):
            if path == REPO_ROOT / 'mmdsa' / 'utils' / 'fileio.py':
                continue
            for i, line in enumerate(path.read_text().splitlines(), 1):
                if pattern.search(line):
                    offenders.append(f'{path.relative_to(REPO_ROOT)}:{i}')
    assert offenders == []
