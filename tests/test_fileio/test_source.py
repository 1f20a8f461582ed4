"""open_dsa_series: frames decoded on demand equal the whole-series read."""
import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.uid import (JPEG2000Lossless, JPEGLosslessSV1, JPEGLSLossless,
                         RLELossless)

from mmdsa.fileio import (DSAReadError, open_dsa_series, read_dsa_series,
                          series_key)
from mmdsa.fileio.dicom import DEFER_SIZE

from .helpers import compress, make_dataset, save

SYNTAXES = [None, RLELossless, JPEGLSLossless, JPEG2000Lossless,
            JPEGLosslessSV1]


def _pixels(shape=(6, 48, 40), high=4096, seed=0):
    return np.random.default_rng(seed).integers(0, high, shape,
                                                dtype=np.uint16)


def _series_inputs(tmp_path):
    """One path per input kind read_dsa_series accepts."""
    pixels = _pixels()
    paths = {}
    paths['dicom'] = save(make_dataset(pixels, bits_stored=12),
                          tmp_path / 'cine.dcm')
    paths['dicom_mono1_rescale'] = save(
        make_dataset(pixels, bits_stored=12, photometric='MONOCHROME1',
                     RescaleSlope='0.5', RescaleIntercept='-3'),
        tmp_path / 'mono1.dcm')
    folder = tmp_path / 'dicom_folder'
    folder.mkdir()
    for i, frame in enumerate(pixels):
        save(make_dataset(frame, bits_stored=12, InstanceNumber=i + 1),
             folder / f'f{len(pixels) - i}.dcm')
    paths['dicom_folder'] = str(folder)
    png = tmp_path / 'png'
    png.mkdir()
    for i, frame in enumerate(pixels):
        Image.fromarray(frame).save(png / f'frame_{i}.png')
    paths['png_folder'] = str(png)
    npy = tmp_path / 'npy'
    npy.mkdir()
    for i, frame in enumerate(pixels):
        np.save(npy / f'frame_{i}.npy', frame)
    paths['npy_folder'] = str(npy)
    np.save(tmp_path / 'stack.npy', pixels.astype(np.float32) / 3)
    paths['npy_file'] = str(tmp_path / 'stack.npy')
    np.save(tmp_path / 'one.npy', pixels[0])
    paths['npy_2d'] = str(tmp_path / 'one.npy')
    Image.fromarray(pixels[0]).save(tmp_path / 'one.png')
    paths['png_file'] = str(tmp_path / 'one.png')
    return paths


def test_every_input_kind_reads_frames_like_the_whole_series(tmp_path):
    for kind, path in _series_inputs(tmp_path).items():
        whole = read_dsa_series(path)
        source = open_dsa_series(path)
        assert source.num_frames == whole.num_frames, kind
        assert source.frame_shape == whole.frames.shape[1:], kind
        assert source.meta == whole.meta, kind
        np.testing.assert_array_equal(source.frame_times_ms,
                                      whole.frame_times_ms)
        idx = [whole.num_frames - 1, 0, whole.num_frames // 2, 0]
        np.testing.assert_array_equal(source.read_frames(idx),
                                      whole.frames[idx], err_msg=kind)
        with pytest.raises(IndexError, match='outside'):
            source.read_frames([whole.num_frames])


@pytest.mark.parametrize('syntax', SYNTAXES)
def test_single_frames_of_every_transfer_syntax(tmp_path, syntax):
    pixels = _pixels()
    ds = make_dataset(pixels, bits_stored=12, RescaleSlope='2',
                      RescaleIntercept='-100')
    if syntax is not None:
        compress(ds, syntax)
    path = save(ds, tmp_path / 'a.dcm')
    whole = read_dsa_series(path)
    # lossless: the pydicom-decoded values are the original pixels
    np.testing.assert_array_equal(whole.frames, pixels * 2.0 - 100)
    source = open_dsa_series(path)
    for i in (4, 0, 5):
        np.testing.assert_array_equal(source.read_frames([i])[0],
                                      whole.frames[i])


def test_uncompressed_pixel_data_is_memory_mapped(tmp_path, monkeypatch):
    pixels = _pixels()
    assert pixels.nbytes > DEFER_SIZE
    path = save(make_dataset(pixels, bits_stored=12), tmp_path / 'a.dcm')
    source = open_dsa_series(path)
    # the pixel data has not been read: the element is still deferred
    elem = source._ds.get_item('PixelData', keep_deferred=True)
    assert isinstance(elem, pydicom.dataelem.RawDataElement)
    assert elem.value is None
    mapped = []
    orig = np.memmap.__new__

    def spy(cls, *args, **kwargs):
        mapped.append(kwargs.get('offset'))
        return orig(cls, *args, **kwargs)

    monkeypatch.setattr(np.memmap, '__new__', spy)
    np.testing.assert_array_equal(source.read_frames([3])[0], pixels[3])
    assert mapped == [elem.value_tell]


def test_series_key_changes_with_the_files(tmp_path):
    path = save(make_dataset(_pixels()), tmp_path / 'a.dcm')
    key = series_key(path)
    assert series_key(path) == key
    with open(path, 'ab') as f:
        f.write(b'\0\0')
    assert series_key(path) != key
    folder = tmp_path / 'f'
    folder.mkdir()
    save(make_dataset(_pixels()[0], InstanceNumber=1), folder / 'a.dcm')
    key = series_key(folder)
    save(make_dataset(_pixels()[1], InstanceNumber=2), folder / 'b.dcm')
    assert series_key(folder) != key
    with pytest.raises(DSAReadError, match='no such file'):
        series_key(tmp_path / 'missing.dcm')


def _stored_inputs(tmp_path):
    """DICOM files whose stored integers read_stored hands out."""
    pixels = _pixels()
    dirty = pixels | np.uint16(0x5000)  # garbage above BitsStored
    signed = (pixels.astype(np.int32) - 2048).astype(np.int16)
    item = pydicom.Dataset()
    item.LUTDescriptor = [4096, 0, 16]
    item.LUTData = (np.arange(4096)**2 // 300 + 7).astype('<u2').tobytes()
    item.ModalityLUTType = 'US'
    return dict(
        plain=save(make_dataset(pixels, bits_stored=12), tmp_path / 'a.dcm'),
        dirty=save(make_dataset(dirty, bits_stored=12), tmp_path / 'd.dcm'),
        mono1=save(make_dataset(pixels, bits_stored=12,
                                photometric='MONOCHROME1',
                                RescaleSlope='0.5', RescaleIntercept='-3'),
                   tmp_path / 'm.dcm'),
        signed=save(make_dataset(signed, bits_stored=12, signed=True),
                    tmp_path / 's.dcm'),
        lut=save(make_dataset(pixels, bits_stored=12,
                              ModalityLUTSequence=[item]),
                 tmp_path / 'l.dcm'),
        eight=save(make_dataset((pixels // 16).astype(np.uint8)),
                   tmp_path / 'e.dcm'),
        jpeg=save(compress(make_dataset(pixels, bits_stored=12),
                           JPEGLosslessSV1), tmp_path / 'j.dcm'),
        jpeg_ls=save(compress(make_dataset(pixels, bits_stored=12),
                              JPEGLSLossless), tmp_path / 'jl.dcm'))


def test_read_stored_values_equal_read_frames(tmp_path):
    for kind, path in _stored_inputs(tmp_path).items():
        source = open_dsa_series(path)
        idx = [5, 0, 2, 0]
        stored = source.read_stored(idx)
        assert stored is not None, kind
        assert len(stored.frames) == len(idx)
        assert stored.values.dtype == np.float32
        assert stored.valid == ((-2048, 2047) if kind == 'signed' else
                                (0, 255) if kind == 'eight' else (0, 4095))
        unsigned = f'u{stored.frames[0].dtype.itemsize}'
        got = np.stack([stored.values[f.view(unsigned)]
                        for f in stored.frames])
        np.testing.assert_array_equal(got, source.read_frames(idx),
                                      err_msg=kind)
        with pytest.raises(IndexError, match='outside'):
            source.read_stored([source.num_frames])


def test_read_stored_of_uncompressed_data_is_a_view(tmp_path):
    source = open_dsa_series(_stored_inputs(tmp_path)['plain'])
    frames = source.read_stored([1, 3]).frames
    assert all(isinstance(f, np.memmap) and not f.flags.writeable
               for f in frames)


def test_read_stored_is_none_without_stored_integers(tmp_path):
    inputs = _series_inputs(tmp_path)
    for kind in ('dicom_folder', 'png_folder', 'npy_folder', 'npy_file',
                 'npy_2d', 'png_file'):
        assert open_dsa_series(inputs[kind]).read_stored([0]) is None, kind
    wide = save(make_dataset(_pixels().astype(np.uint32), bits_stored=20),
                tmp_path / 'w.dcm')
    assert open_dsa_series(wide).read_stored([0]) is None
