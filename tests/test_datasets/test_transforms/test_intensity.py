"""StoredToUint8: the fast stored-integer mapping equals map_to_uint8."""
import numpy as np
import pytest

from mmdsa.datasets.transforms import intensity
from mmdsa.datasets.transforms.intensity import StoredToUint8, map_to_uint8

U16 = np.arange(65536, dtype=np.uint16)


def _codes(dtype):
    """Every value of an 8/16-bit integer dtype as one (H, W) frame."""
    dtype = np.dtype(dtype)
    return np.arange(1 << (8 * dtype.itemsize),
                     dtype=f'u{dtype.itemsize}').view(dtype).reshape(-1, 256)


def _values(dtype, slope=1.0, intercept=0.0):
    """float32 value of each bit pattern, as value_table computes it."""
    values = _codes(dtype).reshape(-1).astype(np.float32)
    values *= np.float32(slope)
    values += np.float32(intercept)
    return values


CASES = [
    # (dtype, valid, slope, intercept, lo, hi)
    (np.uint16, (0, 4095), 1.0, 0.0, 0.0, 4095.0),  # 'bits', 12 bits
    (np.uint16, (0, 4095), 1.0, 0.0, 0.0, 1023.0),  # 'bits=10'
    (np.uint16, (0, 4095), 1.0, 0.0, 1612.0, 2806.0),  # ties x.5
    (np.uint16, (0, 4095), 1.0, 0.0, 1621.0, 2803.0),
    (np.uint16, (0, 4095), 1.0, 0.0, 812.5, 3902.25),  # fractional
    (np.uint16, (0, 4095), 1.0, 0.0, 500.0, 2500.0),  # DICOM window
    (np.uint16, (0, 4095), 1.0, 0.0, -135.5, 215.5),
    (np.uint16, (0, 4095), 1.0, 0.0, 7.0, 7.0),  # flat: all 128
    (np.uint16, (0, 65535), 1.0, 0.0, 100.0, 60000.0),
    (np.uint16, (0, 4095), -0.5, 2044.5, 100.0, 1900.0),  # MONOCHROME1
    (np.uint16, (0, 4095), 2.0, -5.0, 17.0, 8000.0),
    (np.int16, (-2048, 2047), 1.0, 0.0, -1000.0, 1500.0),
    (np.int16, (-2048, 2047), 1.0, 0.0, -1000.3, 1499.7),
    (np.uint8, (0, 255), 1.0, 0.0, 10.0, 200.0),
]


@pytest.mark.parametrize('case', CASES, ids=str)
def test_every_stored_value_maps_as_map_to_uint8(case):
    dtype, valid, slope, intercept, lo, hi = case
    values = _values(dtype, slope, intercept)
    mapper = StoredToUint8(values, dtype, valid, lo, hi)
    frame = _codes(dtype)
    expected = map_to_uint8(values, lo, hi).reshape(frame.shape)
    np.testing.assert_array_equal(mapper(frame), expected)
    # valid values only (the kernel's domain when checked), and odd layouts
    low, high = valid
    inside = np.sort(frame.reshape(-1))
    inside = inside[(inside >= low) & (inside <= high)]
    rows = inside[:inside.size // 3 * 3].reshape(-1, 3)
    np.testing.assert_array_equal(
        mapper(rows), map_to_uint8(values[rows.view(
            f'u{np.dtype(dtype).itemsize}')], lo, hi))
    strided = np.ascontiguousarray(rows.T)[:, ::2]
    np.testing.assert_array_equal(
        mapper(strided), map_to_uint8(values[strided.view(
            f'u{np.dtype(dtype).itemsize}')], lo, hi))


@pytest.mark.parametrize('case', [c for c in CASES if c[2] == 1.0 and
                                  c[0] != np.uint8], ids=str)
def test_common_ranges_get_the_fast_kernel(case):
    dtype, valid, slope, intercept, lo, hi = case
    intensity._KERNELS.clear()
    mapper = StoredToUint8(_values(dtype, slope, intercept), dtype, valid,
                           lo, hi)
    assert mapper.kernel is not None


def test_a_kernel_is_used_only_where_it_matches_every_value():
    """Ties (x.5 exactly) round half to even in map_to_uint8; the fused
    OpenCV kernel ``x * s - lo * s`` gets one of them wrong, so it must not
    be used for this range."""
    lo, hi = 1612.0, 2806.0
    values = _values(np.uint16)
    frame = U16[:4096].reshape(16, 256)
    expected = map_to_uint8(values, lo, hi)[:4096].reshape(frame.shape)
    fused = np.empty(frame.shape, np.uint8)
    scale = float(np.float32(255.0 / (hi - lo)))
    intensity._apply_kernel(frame, fused, (
        scale, float(np.float32(-lo * scale)), int(lo), None, 0))
    assert (fused != expected).sum() == 1
    intensity._KERNELS.clear()
    checked = StoredToUint8(values, np.uint16, (0, 4095), lo, hi)
    assert checked.kernel is not None
    np.testing.assert_array_equal(checked(frame), expected)


def test_values_outside_bits_stored_use_the_table():
    """Masked data: the table is periodic above BitsStored, so a frame
    holding such values is mapped through the table."""
    codes = U16
    values = (codes & np.uint16(0x0FFF)).astype(np.float32)
    mapper = StoredToUint8(values, np.uint16, (0, 4095), 100.0, 3000.0)
    assert mapper.check
    frame = (np.arange(4096, dtype=np.uint16) | np.uint16(0x3000)).reshape(
        16, 256)
    np.testing.assert_array_equal(
        mapper(frame), map_to_uint8(values[frame], 100.0, 3000.0))


def test_refuses_frames_of_another_dtype():
    mapper = StoredToUint8(_values(np.uint16), np.uint16, (0, 4095), 0.0,
                           4095.0)
    with pytest.raises(ValueError, match='expected uint16'):
        mapper(np.zeros((2, 2), np.int16))
