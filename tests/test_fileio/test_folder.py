"""Folders of DICOM / PNG / NPY frames and .npy files."""
import numpy as np
import pytest
from PIL import Image

from mmdsa.fileio import DSAReadError, read_dsa_series

from .helpers import make_dataset, save


def _frame(value, shape=(4, 5)):
    return np.full(shape, value, dtype=np.uint16)


def _write_series(folder, numbers, **tags):
    """One single-frame file per InstanceNumber; frame value = 10 * number."""
    folder.mkdir(exist_ok=True)
    for i, number in enumerate(numbers):
        ds = make_dataset(_frame(10 * number), InstanceNumber=number, **tags)
        save(ds, folder / f'img_{len(numbers) - i:02d}.dcm')
    return folder


def _reason(path):
    with pytest.raises(DSAReadError) as info:
        read_dsa_series(path)
    assert str(info.value).startswith(str(path))
    return info.value.reason


def test_dicom_folder_ordered_by_instance_number(tmp_path):
    folder = _write_series(tmp_path / 'run', [3, 1, 4, 2], FrameTime='50')
    series = read_dsa_series(folder)
    assert series.frames.shape == (4, 4, 5)
    np.testing.assert_array_equal(series.frames[:, 0, 0], [10, 20, 30, 40])
    assert series.meta['source_format'] == 'dicom_folder'
    assert series.meta['path'] == str(folder)
    assert [p[-6:] for p in series.meta['files']] == [
        '03.dcm', '01.dcm', '04.dcm', '02.dcm']
    assert series.frame_time_source == 'FrameTime'
    np.testing.assert_allclose(series.frame_times_ms, [0, 50, 100, 150])


def test_dicom_folder_ties_broken_by_acquisition_time(tmp_path):
    folder = tmp_path / 'run'
    folder.mkdir()
    for name, time, value in (('a.dcm', '101500', 2), ('b.dcm', '101000', 1),
                              ('c.dcm', '102000', 3)):
        ds = make_dataset(_frame(value), InstanceNumber=1,
                          AcquisitionDate='20240101', AcquisitionTime=time)
        save(ds, folder / name)
    series = read_dsa_series(folder)
    np.testing.assert_array_equal(series.frames[:, 0, 0], [1, 2, 3])
    assert series.meta['acquisition_datetime'] == '2024-01-01T10:10:00'


def test_dicom_folder_ignores_hidden_and_dicomdir(tmp_path):
    folder = _write_series(tmp_path / 'run', [1, 2])
    (folder / '.DS_Store').write_bytes(b'junk')
    (folder / 'DICOMDIR').write_bytes(b'junk')
    assert read_dsa_series(folder).num_frames == 2


def test_mixed_series(tmp_path):
    folder = _write_series(tmp_path / 'run', [1, 2])
    save(make_dataset(_frame(0), InstanceNumber=3, series_uid='9.9'),
         folder / 'other.dcm')
    reason = _reason(folder)
    assert 'mixed series' in reason and '9.9' in reason


def test_frames_of_different_sizes(tmp_path):
    folder = _write_series(tmp_path / 'run', [1, 2])
    save(make_dataset(_frame(0, (6, 5)), InstanceNumber=3),
         folder / 'big.dcm')
    reason = _reason(folder)
    assert 'different sizes' in reason and 'big.dcm is 6 x 5' in reason


def test_multiframe_file_among_many(tmp_path):
    folder = _write_series(tmp_path / 'run', [1, 2])
    save(make_dataset(np.zeros((2, 4, 5), np.uint16), InstanceNumber=3),
         folder / 'multi.dcm')
    assert 'multi.dcm is a multi-frame file' in _reason(folder)


def test_non_dicom_file_in_folder(tmp_path):
    folder = _write_series(tmp_path / 'run', [1, 2])
    (folder / 'notes.txt').write_text('not dicom')
    with pytest.raises(DSAReadError, match='not a DICOM file') as info:
        read_dsa_series(folder)
    assert info.value.path.endswith('notes.txt')


def test_empty_folder(tmp_path):
    (tmp_path / 'empty' / 'sub').mkdir(parents=True)
    assert 'empty folder' in _reason(tmp_path / 'empty')


def test_mixed_file_kinds(tmp_path):
    folder = _write_series(tmp_path / 'run', [1])
    np.save(folder / 'f.npy', np.zeros((4, 5)))
    assert 'mixed file kinds' in _reason(folder)


def test_png_folder_natural_order_8_and_16_bit(tmp_path):
    folder = tmp_path / 'png'
    folder.mkdir()
    for index in (1, 2, 10):
        Image.fromarray(np.full((3, 4), index, np.uint8)).save(
            folder / f'frame{index}.png')
    series = read_dsa_series(folder)
    np.testing.assert_array_equal(series.frames[:, 0, 0], [1, 2, 10])
    assert series.frame_time_source == 'none'
    np.testing.assert_allclose(series.frame_times_ms, [0, 1000, 2000])
    assert series.meta['bits_stored'] == 8 and series.meta['view'] == 'unknown'
    folder16 = tmp_path / 'png16'
    folder16.mkdir()
    Image.fromarray(np.full((3, 4), 4000, np.uint16)).save(folder16 / 'a.png')
    series = read_dsa_series(folder16)
    np.testing.assert_array_equal(series.frames, np.full((1, 3, 4), 4000))


def test_png_colour_rejected_grey_rgb_accepted(tmp_path):
    folder = tmp_path / 'png'
    folder.mkdir()
    grey = np.dstack([np.full((3, 4), 7, np.uint8)] * 3)
    Image.fromarray(grey).save(folder / 'a.png')
    np.testing.assert_array_equal(read_dsa_series(folder).frames, 7)
    colour = grey.copy()
    colour[0, 0, 1] = 9
    Image.fromarray(colour).save(folder / 'b.png')
    with pytest.raises(DSAReadError, match='different channels'):
        read_dsa_series(folder)


def test_npy_folder_and_file(tmp_path):
    folder = tmp_path / 'npy'
    folder.mkdir()
    frames = np.random.default_rng(0).random((3, 4, 5))
    for i, frame in enumerate(frames):
        np.save(folder / f'f{i}.npy', frame)
    np.testing.assert_allclose(read_dsa_series(folder).frames, frames,
                               rtol=1e-6)
    np.save(tmp_path / 'stack.npy', frames.astype(np.float32))
    series = read_dsa_series(tmp_path / 'stack.npy')
    assert series.frames.dtype == np.float32
    np.testing.assert_allclose(series.frames, frames, rtol=1e-6)
    np.save(tmp_path / 'one.npy', frames[0])
    assert read_dsa_series(tmp_path / 'one.npy').frames.shape == (1, 4, 5)


def test_npy_errors(tmp_path):
    bad = np.zeros((2, 3, 4, 5))
    np.save(tmp_path / 'bad.npy', bad)
    assert 'shape (2, 3, 4, 5)' in _reason(tmp_path / 'bad.npy')
    np.save(tmp_path / 'nan.npy', np.full((1, 2, 2), np.nan))
    assert 'NaN' in _reason(tmp_path / 'nan.npy')
    np.save(tmp_path / 'empty.npy', np.zeros((0, 4, 5)))
    assert 'zero frames' in _reason(tmp_path / 'empty.npy')
    (tmp_path / 'broken.npy').write_bytes(b'\x93NUMPY garbage')
    assert 'not a readable .npy' in _reason(tmp_path / 'broken.npy')
    folder = tmp_path / 'sizes'
    folder.mkdir()
    np.save(folder / 'a.npy', np.zeros((4, 5)))
    np.save(folder / 'b.npy', np.zeros((4, 6)))
    assert 'different sizes' in _reason(folder)
