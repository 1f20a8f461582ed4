"""The reader refuses what it cannot read correctly, naming file and field,
instead of allocating terabytes, scoring NaN or reading frames twice."""
import shutil
import warnings

import numpy as np
import pytest
from pydicom.uid import (CTImageStorage, MRImageStorage, RLELossless,
                         SecondaryCaptureImageStorage)

from mmdsa.fileio import DSAReadError, open_dsa_series, read_dsa_series

from .helpers import make_dataset, save


def _pixels(shape=(3, 16, 16)):
    return np.arange(np.prod(shape), dtype=np.uint16).reshape(shape) % 4096


def _patch(path, old, new):
    """Replace a unique byte string in a saved file (for invalid values
    pydicom will not write)."""
    data = open(path, 'rb').read()
    assert data.count(old) == 1 and len(old) == len(new)
    with open(path, 'wb') as f:
        f.write(data.replace(old, new))
    return path


@pytest.mark.parametrize('tags', [dict(NumberOfFrames=2**31 - 1),
                                  dict(Rows=65535, Columns=65535)])
def test_header_larger_than_pixel_data(tmp_path, tags):
    path = save(make_dataset(_pixels(), **tags), tmp_path / 'a.dcm')
    with pytest.raises(DSAReadError, match='Pixel Data holds 1536 bytes'):
        read_dsa_series(path)
    with pytest.raises(DSAReadError, match='Pixel Data holds'):
        open_dsa_series(path)
    folder = tmp_path / 'f'
    folder.mkdir()
    for i in range(2):
        save(make_dataset(_pixels()[i], InstanceNumber=i + 1,
                          **dict(tags, NumberOfFrames=None)
                          if 'Rows' in tags else {}), folder / f'{i}.dcm')
    if 'Rows' in tags:
        with pytest.raises(DSAReadError, match='Pixel Data holds'):
            read_dsa_series(folder)


def test_compressed_header_with_absurd_frame_count(tmp_path):
    ds = make_dataset(_pixels())
    ds.compress(RLELossless)
    ds.NumberOfFrames = 2**31 - 1
    with pytest.raises(DSAReadError, match='NumberOfFrames is 2147483647'):
        read_dsa_series(save(ds, tmp_path / 'a.dcm'))


def test_compressed_series_too_large_for_memory(tmp_path):
    ds = make_dataset(_pixels((6, 16, 16)))
    ds.compress(RLELossless)
    ds.Rows = ds.Columns = 65535  # 6 x 65535^2 float32: 96 GiB
    with pytest.raises(DSAReadError, match=r'need 96\.0 GiB'):
        read_dsa_series(save(ds, tmp_path / 'a.dcm'))


@pytest.mark.parametrize('slope', ['NaN', 'inf', '-inf', '0'])
def test_bad_rescale_slope(tmp_path, slope):
    path = save(make_dataset(_pixels(), RescaleSlope='1234567'),
                tmp_path / 'a.dcm')
    _patch(path, b'1234567 ', slope.encode().ljust(8))
    with pytest.raises(DSAReadError, match='a.dcm: RescaleSlope'):
        read_dsa_series(path)


def test_bad_rescale_intercept(tmp_path):
    path = save(make_dataset(_pixels(), RescaleIntercept='1234567'),
                tmp_path / 'a.dcm')
    _patch(path, b'1234567 ', b'NaN     ')
    with pytest.raises(DSAReadError, match='RescaleIntercept.*finite'):
        read_dsa_series(path)


def test_invalid_integer_strings_name_file_and_field(tmp_path):
    path = save(make_dataset(_pixels(), NumberOfFrames=7777),
                tmp_path / 'nf.dcm')
    _patch(path, b'7777', b'abc ')
    with pytest.raises(DSAReadError,
                       match="nf.dcm: NumberOfFrames: expected an integer, "
                       "got 'abc'"):
        read_dsa_series(path)
    folder = tmp_path / 'run'
    folder.mkdir()
    save(make_dataset(_pixels()[0], InstanceNumber=1), folder / 'a.dcm')
    bad = save(make_dataset(_pixels()[1], InstanceNumber=7777),
               folder / 'b.dcm')
    _patch(bad, b'7777', b'x1  ')
    with pytest.raises(DSAReadError,
                       match="b.dcm: InstanceNumber: expected an integer, "
                       "got 'x1'"):
        read_dsa_series(folder)


def test_frame_copied_under_a_second_name(tmp_path):
    folder = tmp_path / 'run'
    folder.mkdir()
    for i in range(3):
        save(make_dataset(_pixels()[i], InstanceNumber=i + 1),
             folder / f'IM{i}.dcm')
    shutil.copy(folder / 'IM1.dcm', folder / 'IM1 copy.dcm')
    with pytest.raises(DSAReadError, match=r'IM1 copy\.dcm and IM1\.dcm '
                       'hold the same SOPInstanceUID'):
        read_dsa_series(folder)


def test_duplicate_instance_numbers_are_reported(tmp_path):
    folder = tmp_path / 'run'
    folder.mkdir()
    for name, number in (('a.dcm', 1), ('b.dcm', 2), ('c.dcm', 2)):
        save(make_dataset(_pixels()[number], InstanceNumber=number),
             folder / name)
    with pytest.warns(UserWarning, match=r'ambiguous \(InstanceNumber 2: '
                      r'b.dcm, c.dcm\)'):
        series = read_dsa_series(folder)
    assert series.num_frames == 3
    save(make_dataset(_pixels()[0], InstanceNumber=None), folder / 'd.dcm')
    with pytest.warns(UserWarning, match='no InstanceNumber: d.dcm'):
        read_dsa_series(folder)


def test_unique_instance_numbers_do_not_warn(tmp_path):
    folder = tmp_path / 'run'
    folder.mkdir()
    for i in range(3):
        save(make_dataset(_pixels()[i], InstanceNumber=i + 1),
             folder / f'{i}.dcm')
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        read_dsa_series(folder)


@pytest.mark.parametrize('modality,sop', [('CT', CTImageStorage),
                                          ('MR', MRImageStorage),
                                          ('CT', SecondaryCaptureImageStorage),
                                          ('', CTImageStorage)])
def test_other_modalities_refused_unless_asked(tmp_path, modality, sop):
    ds = make_dataset(_pixels(), Modality=modality or None, SOPClassUID=sop)
    ds.file_meta.MediaStorageSOPClassUID = sop
    path = save(ds, tmp_path / 'a.dcm')
    with pytest.raises(DSAReadError, match=r"a.dcm: Modality is .*expected "
                       r"XA or RF.*modalities='any'"):
        read_dsa_series(path)
    assert read_dsa_series(path, modalities='any').num_frames == 3
    assert read_dsa_series(path, modalities=(modality or 'OT', )) \
        if modality else True


@pytest.mark.parametrize('modality,sop', [
    ('XA', None), ('RF', None), ('OT', SecondaryCaptureImageStorage),
    ('', SecondaryCaptureImageStorage), ('XA', SecondaryCaptureImageStorage),
    ('', None)])
def test_xray_and_secondary_capture_accepted(tmp_path, modality, sop):
    ds = make_dataset(_pixels(), Modality=modality or None)
    if sop is not None:
        ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = sop
    assert read_dsa_series(save(ds, tmp_path / 'a.dcm')).num_frames == 3
