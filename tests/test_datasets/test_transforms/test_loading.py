import numpy as np
import pytest

from mmdsa.datasets.transforms import LoadDSASeries, LoadDSAWindow, to_uint8


def test_intensity_modes():
    frames = np.array([[[0, 1000], [2000, 4095]]], dtype=np.float32)
    np.testing.assert_array_equal(
        to_uint8(frames, 'bits', bits=12)[0],
        np.rint(frames[0] * 255 / 4095).astype(np.uint8))
    np.testing.assert_array_equal(
        to_uint8(frames, 'window', window=(1000, 2000))[0],
        [[0, 128], [255, 255]])
    mm = to_uint8(frames, 'minmax', percentiles=(0, 100))
    assert mm.min() == 0 and mm.max() == 255
    with pytest.raises(ValueError, match='f.dcm.*bit depth'):
        to_uint8(frames, 'bits', where='f.dcm')
    with pytest.raises(ValueError, match='intensity'):
        to_uint8(frames, 'gamma')


def test_cache_and_resize(cls_root, monkeypatch):
    from mmdsa.datasets.transforms import loading
    path = str(cls_root / 'npy' / 'S0_PA.npy')
    load = LoadDSASeries(resize=(16, 8), cache_size=1)
    res = load(dict(img_path=path))
    assert len(res['imgs']) == 7 and res['imgs'][0].shape == (8, 16)
    assert res['ori_shape'] == (32, 32) and res['view_lengths'] == [7]
    calls = []
    orig = loading.open_dsa_series
    monkeypatch.setattr(loading, 'open_dsa_series',
                        lambda p, m: calls.append(p) or orig(p, m))
    load(dict(img_path=path))
    assert calls == []  # served from the cache
    load(dict(img_path=str(cls_root / 'npy' / 'S1_PA.npy')))
    load(dict(img_path=path))  # evicted (cache_size=1): decoded again
    assert len(calls) == 2
    assert 'resize=(16, 8)' in repr(load)
    with pytest.raises(FileNotFoundError, match='missing.npy'):
        load(dict(img_path=str(cls_root / 'missing.npy')))


def test_window_indices_and_errors(det_root):
    win = LoadDSAWindow(num_frames=5, stride=2)
    assert win.window_indices(0, 6) == [0, 0, 0, 2, 4]
    assert win.window_indices(5, 6) == [1, 3, 5, 5, 5]
    assert LoadDSAWindow(num_frames=1).window_indices(3, 6) == [3]
    with pytest.raises(ValueError, match='odd'):
        LoadDSAWindow(num_frames=4)
    res = dict(img_path=str(det_root / 'npy' / 'V1.npy'), frame_id=0,
               series_length=9)
    with pytest.raises(ValueError, match='series_length=9.*6 frames'):
        LoadDSAWindow(num_frames=3)(res)


def test_dicom_series(xa_dicom):
    pytest.importorskip('mmdsa.fileio', reason='reader not available')
    from mmdsa import fileio
    if not hasattr(fileio, 'read_dsa_series'):
        pytest.skip('mmdsa.fileio.read_dsa_series not available yet')
    path, frames = xa_dicom
    res = LoadDSASeries(intensity='bits')(dict(img_path=path))
    expected = np.rint(frames.astype(np.float32) * 255 / 4095)
    np.testing.assert_array_equal(np.stack(res['imgs']), expected)


def test_map_to_uint8_equals_clip_rint():
    from mmdsa.datasets.transforms.intensity import map_to_uint8
    ties = np.arange(-3, 260, dtype=np.float32) + np.float32(0.5)
    values = np.concatenate([
        ties, np.arange(-70000, 140000, dtype=np.float32) / np.float32(1.7)
    ])
    for lo, hi in ((0.0, 255.0), (0.0, 4095.0), (12.5, 3999.25),
                   (-100.3, 70000.1), (1000.0, 1001.0)):
        expected = (values - lo) * (255.0 / (hi - lo))
        expected = np.clip(np.rint(expected), 0, 255).astype(np.uint8)
        np.testing.assert_array_equal(map_to_uint8(values, lo, hi), expected)
        np.testing.assert_array_equal(
            map_to_uint8(values[:120].reshape(2, 3, 4, 5), lo, hi),
            expected[:120].reshape(2, 3, 4, 5))
    assert (map_to_uint8(values, 5.0, 5.0) == 128).all()
