"""Decoding of generated DICOM files: rescale, MONOCHROME1, bits, codecs."""
import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.pixels import apply_modality_lut
from pydicom.uid import JPEG2000Lossless, RLELossless

from mmdsa.fileio import read_dsa_series

from .helpers import make_dataset, save


def _pixels(shape=(3, 8, 10), high=4096, seed=0, dtype=np.uint16):
    return np.random.default_rng(seed).integers(0, high, shape, dtype=dtype)


def test_multiframe_uncompressed_with_rescale(tmp_path):
    pixels = _pixels()
    path = save(make_dataset(pixels, bits_stored=12, RescaleSlope=2,
                             RescaleIntercept=-5), tmp_path / 'a.dcm')
    series = read_dsa_series(path)
    np.testing.assert_array_equal(series.frames, pixels * 2.0 - 5)
    assert series.meta['num_frames'] == 3


def test_single_frame_file(tmp_path):
    pixels = _pixels((8, 10), high=255, dtype=np.uint8)
    series = read_dsa_series(save(make_dataset(pixels), tmp_path / 'a.dcm'))
    assert series.frames.shape == (1, 8, 10)
    np.testing.assert_array_equal(series.frames[0], pixels)


def test_monochrome1_inverted_with_bits_stored(tmp_path):
    pixels = _pixels()
    ds = make_dataset(pixels, bits_stored=12, photometric='MONOCHROME1',
                      RescaleSlope=2, RescaleIntercept=10, WindowCenter=1000,
                      WindowWidth=500)
    series = read_dsa_series(save(ds, tmp_path / 'm1.dcm'))
    np.testing.assert_array_equal(series.frames,
                                  2.0 * (4095 - pixels.astype(float)) + 10)
    assert series.meta['inverted'] is True
    assert series.meta['photometric_interpretation'] == 'MONOCHROME1'
    # the window centre is mirrored like the values: (0*2+10)+(4095*2+10)-c
    assert series.meta['window_center'] == pytest.approx(8210 - 1000)
    assert series.meta['window_width'] == 500


def test_monochrome1_signed(tmp_path):
    pixels = np.array([[[-2048, -1, 0, 2047]]], dtype=np.int16)
    ds = make_dataset(pixels, bits_stored=12, signed=True,
                      photometric='MONOCHROME1')
    series = read_dsa_series(save(ds, tmp_path / 's.dcm'))
    np.testing.assert_array_equal(series.frames[0, 0], [2047, 0, -1, -2048])


def test_unused_high_bits_ignored_like_pydicom(tmp_path):
    pixels = _pixels()
    dirty = pixels | np.uint16(0xA000)  # garbage above bit 11
    path = save(make_dataset(dirty, bits_stored=12), tmp_path / 'u.dcm')
    series = read_dsa_series(path)
    np.testing.assert_array_equal(series.frames, pixels)
    np.testing.assert_array_equal(series.frames,
                                  pydicom.dcmread(path).pixel_array)


def test_signed_bits_stored_sign_extension_like_pydicom(tmp_path):
    values = np.array([[[-2048, -5, 0, 7, 2047]]], dtype=np.int16)
    raw = (values.view(np.uint16) & np.uint16(0x0FFF)).view(np.int16)
    path = save(make_dataset(raw, bits_stored=12, signed=True),
                tmp_path / 's.dcm')
    series = read_dsa_series(path)
    np.testing.assert_array_equal(series.frames, values)
    np.testing.assert_array_equal(series.frames[0],
                                  pydicom.dcmread(path).pixel_array)


def test_modality_lut_sequence(tmp_path):
    pixels = _pixels(high=16)
    item = Dataset()
    item.LUTDescriptor = [16, 0, 16]
    lut = (np.arange(16) ** 2 + 100).astype(np.uint16)
    item.LUTData = lut.astype("<u2").tobytes()
    item.ModalityLUTType = 'US'
    ds = make_dataset(pixels, bits_stored=4, ModalityLUTSequence=[item])
    path = save(ds, tmp_path / 'lut.dcm')
    series = read_dsa_series(path)
    np.testing.assert_array_equal(series.frames, lut[pixels])
    ref_ds = pydicom.dcmread(path)
    np.testing.assert_array_equal(
        series.frames, apply_modality_lut(ref_ds.pixel_array, ref_ds))
    # MONOCHROME1 with a LUT: mirrored over the LUT's output range
    ds.PhotometricInterpretation = 'MONOCHROME1'
    series = read_dsa_series(save(ds, tmp_path / 'lut1.dcm'))
    np.testing.assert_array_equal(series.frames,
                                  (100 + 325) - lut[pixels].astype(float))


@pytest.mark.parametrize('syntax', [RLELossless, JPEG2000Lossless])
def test_compressed_round_trip(tmp_path, syntax):
    pixels = _pixels((2, 64, 64))
    ds = make_dataset(pixels, bits_stored=12)
    ds.compress(syntax)
    path = save(ds, tmp_path / 'c.dcm')
    series = read_dsa_series(path)
    np.testing.assert_array_equal(series.frames, pixels)
    assert series.meta['transfer_syntax_uid'] == str(syntax)


def test_rescale_in_shared_functional_groups(tmp_path):
    pixels = _pixels(high=100)
    transform = Dataset()
    transform.RescaleSlope = '0.5'
    transform.RescaleIntercept = '3'
    group = Dataset()
    group.PixelValueTransformationSequence = [transform]
    ds = make_dataset(pixels, bits_stored=12,
                      SharedFunctionalGroupsSequence=[group])
    series = read_dsa_series(save(ds, tmp_path / 'enhanced.dcm'))
    np.testing.assert_allclose(series.frames, pixels * 0.5 + 3)
