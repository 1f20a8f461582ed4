"""write_frames round trips through read_dsa_series."""
import numpy as np
import pytest

from mmdsa.fileio import read_dsa_series, write_frames


def test_npy_round_trip(tmp_path):
    frames = np.random.default_rng(0).random((3, 4, 5)) * 100
    path = write_frames(frames, tmp_path / 'a.npy')
    np.testing.assert_allclose(read_dsa_series(path).frames, frames,
                               rtol=1e-6)
    with pytest.raises(FileExistsError):
        write_frames(frames, path)
    write_frames(frames * 2, path, overwrite=True)
    np.testing.assert_allclose(read_dsa_series(path).frames, frames * 2,
                               rtol=1e-6)
    assert [p.name for p in tmp_path.iterdir()] == ['a.npy']


@pytest.mark.parametrize('high, bits', [(255, 8), (4095, 16)])
def test_png_round_trip(tmp_path, high, bits):
    frames = np.random.default_rng(0).integers(0, high + 1, (12, 4, 5))
    folder = write_frames(frames.astype(np.float32), tmp_path / 'png')
    series = read_dsa_series(folder)
    np.testing.assert_array_equal(series.frames, frames)  # order kept
    assert series.meta['bits_stored'] == bits
    write_frames(frames[:2], folder, overwrite=True)
    assert read_dsa_series(folder).num_frames == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ['png']


def test_bad_frames(tmp_path):
    with pytest.raises(ValueError, match=r'\[0, 65535\]'):
        write_frames(np.full((1, 2, 2), 70000.0), tmp_path / 'png')
    with pytest.raises(ValueError, match='NaN'):
        write_frames(np.full((1, 2, 2), np.nan), tmp_path / 'a.npy')
    with pytest.raises(ValueError, match=r'\(T, H, W\)'):
        write_frames(np.zeros((2, 2)), tmp_path / 'a.npy')
    assert list(tmp_path.iterdir()) == []
