"""Every bad input raises DSAReadError naming the file and the reason."""
import pickle

import numpy as np
import pytest
from pydicom.pixels import get_decoder
from pydicom.uid import (BasicTextSRStorage, CTImageStorage, JPEG2000Lossless,
                         MPEG4HP41, RLELossless, RTDoseStorage)

from mmdsa.fileio import DSAReadError, read_dsa_series

from .helpers import make_dataset, save


def _raises(path, *fragments):
    with pytest.raises(DSAReadError) as info:
        read_dsa_series(path)
    err = info.value
    assert str(err) == f'{path}: {err.reason}'
    for fragment in fragments:
        assert fragment in err.reason, err.reason
    return info.value


def _pixels(shape=(2, 8, 8)):
    return np.arange(np.prod(shape), dtype=np.uint16).reshape(shape)


def test_error_is_value_error_and_picklable():
    err = DSAReadError('a.dcm', 'broken')
    assert isinstance(err, ValueError)
    assert str(err) == 'a.dcm: broken'
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.path, copy.reason, str(copy)) == ('a.dcm', 'broken',
                                                    'a.dcm: broken')


def test_missing_path(tmp_path):
    _raises(tmp_path / 'nope.dcm', 'no such file or folder')


def test_not_dicom(tmp_path):
    path = tmp_path / 'notes.dcm'
    path.write_text('hello, this is not DICOM at all' * 10)
    _raises(path, 'not a DICOM file')


def test_truncated_in_pixel_data(tmp_path):
    path = save(make_dataset(_pixels((4, 32, 32))), tmp_path / 'a.dcm')
    data = open(path, 'rb').read()
    with open(path, 'wb') as f:
        f.write(data[:-3000])
    _raises(path, 'truncated')


def test_truncated_in_header(tmp_path):
    path = save(make_dataset(_pixels()), tmp_path / 'a.dcm')
    data = open(path, 'rb').read()
    with open(path, 'wb') as f:
        f.write(data[:200])
    _raises(path, 'truncated')


def test_truncated_compressed(tmp_path):
    ds = make_dataset(np.random.default_rng(0).integers(
        0, 4096, (2, 64, 64), dtype=np.uint16), bits_stored=12)
    ds.compress(JPEG2000Lossless)
    path = save(ds, tmp_path / 'j2k.dcm')
    data = open(path, 'rb').read()
    with open(path, 'wb') as f:
        f.write(data[:-2000])
    _raises(path, 'truncated')


def test_compressed_frame_count_mismatch(tmp_path):
    ds = make_dataset(_pixels())
    ds.compress(RLELossless)
    ds.NumberOfFrames = 3
    _raises(save(ds, tmp_path / 'a.dcm'), 'holds 2 frame(s)',
            'NumberOfFrames is 3', 'truncated')
    ds.NumberOfFrames = 1
    _raises(save(ds, tmp_path / 'b.dcm'), 'more frames than NumberOfFrames')


def test_no_pixel_data(tmp_path):
    ds = make_dataset(_pixels(), SOPClassUID=CTImageStorage)
    del ds.PixelData
    _raises(save(ds, tmp_path / 'a.dcm'), 'no Pixel Data',
            'holds no image', 'CT Image Storage')


def test_empty_pixel_data(tmp_path):
    ds = make_dataset(_pixels())
    ds.PixelData = b''
    _raises(save(ds, tmp_path / 'a.dcm'), 'empty')


def test_structured_report(tmp_path):
    ds = make_dataset(_pixels(), SOPClassUID=BasicTextSRStorage,
                      Modality='SR')
    for keyword in ('PixelData', 'Rows', 'Columns', 'NumberOfFrames'):
        delattr(ds, keyword)
    ds.file_meta.MediaStorageSOPClassUID = BasicTextSRStorage
    _raises(save(ds, tmp_path / 'sr.dcm'), 'non-image',
            'Basic Text SR Storage')


def test_rt_dose_with_pixel_data(tmp_path):
    ds = make_dataset(_pixels(), SOPClassUID=RTDoseStorage, Modality='RTDOSE')
    _raises(save(ds, tmp_path / 'dose.dcm'), 'non-image', 'RT Dose Storage')


def test_colour_image(tmp_path):
    ds = make_dataset(np.zeros((4, 4, 3), np.uint8).reshape(4, 4, 3)[..., 0])
    ds.SamplesPerPixel = 3
    ds.PhotometricInterpretation = 'RGB'
    ds.PlanarConfiguration = 0
    ds.PixelData = np.zeros((4, 4, 3), np.uint8).tobytes()
    _raises(save(ds, tmp_path / 'rgb.dcm'), 'greyscale', 'RGB')


def test_bits_stored_above_bits_allocated(tmp_path):
    ds = make_dataset(_pixels())
    ds.BitsStored = 17
    _raises(save(ds, tmp_path / 'a.dcm'), 'BitsStored 17, BitsAllocated 16')


def test_folder_given_as_dicom_file_is_read_as_folder(tmp_path):
    (tmp_path / 'x.dcm').mkdir()
    _raises(tmp_path / 'x.dcm', 'empty folder')


def test_zero_frames(tmp_path):
    ds = make_dataset(_pixels())
    ds.NumberOfFrames = 0
    _raises(save(ds, tmp_path / 'a.dcm'), 'zero frames')


def test_transfer_syntax_without_any_decoder(tmp_path):
    ds = make_dataset(_pixels())
    ds.file_meta.TransferSyntaxUID = MPEG4HP41
    ds.PixelData = b'\xfe\xff\x00\xe0\x00\x00\x00\x00' \
        b'\xfe\xff\x00\xe0\x04\x00\x00\x00abcd\xfe\xff\xdd\xe0\x00\x00\x00\x00'
    ds['PixelData'].is_undefined_length = True
    ds['PixelData'].VR = 'OB'
    _raises(save(ds, tmp_path / 'mpeg.dcm'), 'MPEG-4', 'no pixel data decoder')


def test_missing_decoder_plugin_names_packages(tmp_path, monkeypatch):
    ds = make_dataset(np.random.default_rng(0).integers(
        0, 4096, (1, 64, 64), dtype=np.uint16), bits_stored=12)
    ds.compress(JPEG2000Lossless)
    path = save(ds, tmp_path / 'j2k.dcm')
    decoder = get_decoder(JPEG2000Lossless)
    # simulate a machine without pylibjpeg-openjpeg, Pillow and gdcm
    monkeypatch.setattr(decoder, '_available', {})
    monkeypatch.setattr(decoder, '_unavailable', {
        'pylibjpeg': ('pylibjpeg>=2.0', 'pylibjpeg-openjpeg>=2.0')})
    _raises(path, 'not installed', 'pylibjpeg-openjpeg', 'Pillow', 'gdcm',
            'JPEG 2000')


def test_bad_frame_time(tmp_path):
    ds = make_dataset(_pixels(), FrameTime='0')
    _raises(save(ds, tmp_path / 'a.dcm'), 'FrameTime', 'positive')
    ds = make_dataset(_pixels(), FrameTimeVector=[0, 10, 10])
    _raises(save(ds, tmp_path / 'b.dcm'), 'FrameTimeVector',
            'one increment per frame (2)', 'got 3')


def test_path_type():
    with pytest.raises(TypeError, match='str or os.PathLike'):
        read_dsa_series(42)
