"""Logarithmic mask subtraction."""
import math

import numpy as np
import pytest

from mmdsa.fileio import DSAReadError, log_subtract, read_dsa_series

from .helpers import make_dataset, save


def _raw_run():
    """Mask 999 (+1 = 1000); contrast in frames 1-2 at [1:3, 1:3]."""
    frames = np.full((3, 4, 4), 999.0)
    frames[1, 1:3, 1:3] = 1000.0 * math.exp(-0.5) - 1  # intensity x 0.61
    frames[2, 1:3, 1:3] = 1000.0 * math.exp(-2.0) - 1  # saturates at 0
    return frames


def test_log_subtract_values_and_convention():
    out = log_subtract(_raw_run())
    assert out.dtype == np.float32 and out.shape == (3, 4, 4)
    np.testing.assert_allclose(out[0], 2048.0)  # mask: flat mid-grey
    background = np.ones((4, 4), bool)
    background[1:3, 1:3] = False
    np.testing.assert_allclose(out[1:, background], 2048.0)
    # gain 2048 per unit log ratio: ratio e^-0.5 -> 2048 * (1 - 0.5)
    np.testing.assert_allclose(out[1, 1:3, 1:3], 1024.0, rtol=1e-5)
    np.testing.assert_allclose(out[2, 1:3, 1:3], 0.0, atol=1e-3)  # clipped


def test_log_subtract_mask_index_and_brighter_than_mask():
    frames = _raw_run()
    out = log_subtract(frames, mask_index=-1, max_value=255.0,
                       background=127.5, gain=50.0)
    np.testing.assert_allclose(out[2], 127.5)
    # relative to the darkest frame, less contrast is brighter
    np.testing.assert_allclose(out[0, 1, 1], 127.5 + 50.0 * 2.0, rtol=1e-5)
    np.testing.assert_allclose(out[1, 1, 1], 127.5 + 50.0 * 1.5, rtol=1e-5)
    np.testing.assert_allclose(out[1, 0, 0], 127.5)


def test_log_subtract_input_untouched_and_errors():
    frames = _raw_run()
    before = frames.copy()
    log_subtract(frames)
    np.testing.assert_array_equal(frames, before)
    with pytest.raises(ValueError, match='non-negative'):
        log_subtract(frames - 2000)
    with pytest.raises(ValueError, match=r'mask_index in \[-3, 2\]'):
        log_subtract(frames, mask_index=3)
    with pytest.raises(TypeError, match='int mask_index'):
        log_subtract(frames, mask_index=True)
    with pytest.raises(ValueError, match=r'shape \(T, H, W\)'):
        log_subtract(frames[0])
    with pytest.raises(ValueError, match='gain > 0'):
        log_subtract(frames, gain=0)
    with pytest.raises(ValueError, match=r'background in \[0, 255'):
        log_subtract(frames, max_value=255, background=300)
    np.testing.assert_allclose(log_subtract(frames, max_value=255)[0], 128)


def test_read_with_subtract_mask(tmp_path):
    raw = np.rint(_raw_run()).astype(np.uint16)
    path = save(make_dataset(raw), tmp_path / 'raw.dcm')
    series = read_dsa_series(path, subtract_mask=0)
    np.testing.assert_allclose(series.frames,
                               log_subtract(raw.astype(np.float32)))
    assert series.meta['subtraction'] == dict(method='log', mask_index=0)
    assert series.frames[1, 1, 1] < series.frames[1, 0, 0] == 2048.0
    with pytest.raises(DSAReadError, match='cannot subtract the mask'):
        read_dsa_series(path, subtract_mask=5)
