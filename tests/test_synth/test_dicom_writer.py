import datetime

import numpy as np
import pydicom
import pytest

from mmdsa.synth import synthetic_uid, write_xa_dicom

WHEN = datetime.datetime(2024, 3, 4, 10, 11, 12)


def _write(path, view='PA', times=(0.0, 250.0, 600.0, 1600.0)):
    frames = (np.arange(4 * 8 * 10).reshape(4, 8, 10) % 4096).astype(
        np.uint16)
    write_xa_dicom(str(path), frames, list(times), view, 'P0007',
                   synthetic_uid('study'), synthetic_uid('series', view),
                   synthetic_uid('sop', view), WHEN)
    return frames


def test_written_file_is_multiframe_xa(tmp_path):
    frames = _write(tmp_path / 'a.dcm', 'LAT')
    ds = pydicom.dcmread(tmp_path / 'a.dcm')
    assert ds.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
    assert ds.SOPClassUID == '1.2.840.10008.5.1.4.1.1.12.1'
    assert ds.Modality == 'XA' and int(ds.NumberOfFrames) == 4
    assert (ds.Rows, ds.Columns) == (8, 10)
    assert (ds.BitsAllocated, ds.BitsStored, ds.HighBit) == (16, 12, 11)
    assert ds.PhotometricInterpretation == 'MONOCHROME2'
    assert np.array_equal(ds.pixel_array, frames)
    assert list(ds.FrameTimeVector) == [0.0, 250.0, 350.0, 1000.0]
    assert ds.FrameIncrementPointer == pydicom.tag.Tag(0x0018, 0x1065)
    assert float(ds.PositionerPrimaryAngle) == 90.0
    assert float(ds.PositionerSecondaryAngle) == 0.0
    assert ds.ViewPosition == 'LL'
    assert ds.AcquisitionDateTime == '20240304101112'
    assert ds.PatientID == 'P0007' and ds.StudyInstanceUID == \
        synthetic_uid('study')
    assert float(ds.WindowCenter) > 0 and float(ds.WindowWidth) > 0


def test_constant_rate_and_pa_angles(tmp_path):
    frames = np.full((3, 4, 4), 2048, np.uint16)
    write_xa_dicom(str(tmp_path / 'b.dcm'), frames, 333.3, 'PA', 'P1',
                   '1.2.3', '1.2.4', '1.2.5', WHEN)
    ds = pydicom.dcmread(tmp_path / 'b.dcm')
    assert float(ds.FrameTime) == pytest.approx(333.3)
    assert ds.FrameIncrementPointer == pydicom.tag.Tag(0x0018, 0x1063)
    assert float(ds.PositionerPrimaryAngle) == 0.0 and ds.ViewPosition == 'PA'


def test_bytes_are_deterministic(tmp_path):
    _write(tmp_path / 'a.dcm')
    _write(tmp_path / 'b.dcm')
    assert (tmp_path / 'a.dcm').read_bytes() == (tmp_path / 'b.dcm'
                                                 ).read_bytes()
    assert synthetic_uid(1, 'x') == synthetic_uid(1, 'x') != \
        synthetic_uid(2, 'x')


@pytest.mark.parametrize('frames, times, match', [
    (np.zeros((2, 4, 4), np.float32), [0, 100], 'frames'),
    (np.full((2, 4, 4), 5000, np.uint16), [0, 100], '12-bit'),
    (np.zeros((2, 4, 4), np.uint16), [0, 100, 200], 'frame_time_ms'),
    (np.zeros((2, 4, 4), np.uint16), [100, 100], 'increasing'),
])
def test_bad_input(tmp_path, frames, times, match):
    with pytest.raises(ValueError, match=match):
        write_xa_dicom(str(tmp_path / 'c.dcm'), frames, times, 'PA', 'P',
                       '1.2', '1.3', '1.4', WHEN)
    with pytest.raises(TypeError, match='acquisition_datetime'):
        write_xa_dicom(str(tmp_path / 'c.dcm'), np.zeros((1, 2, 2),
                                                          np.uint16),
                       100.0, 'PA', 'P', '1.2', '1.3', '1.4', '2024')


@pytest.mark.parametrize('times', [(0.0, 250.0, 600.0, 1600.0), 333.3])
def test_dciodvfy_reports_no_errors(tmp_path, times):
    """The XA files meet the XA Image IOD (dicom3tools' dciodvfy)."""
    from tests.test_results.validators import dciodvfy_errors
    path = tmp_path / 'a.dcm'
    frames = (np.arange(4 * 8 * 10).reshape(4, 8, 10) % 4096).astype(
        np.uint16)
    write_xa_dicom(str(path), frames, times if isinstance(times, float)
                   else list(times), 'PA', 'P0007', synthetic_uid('study'),
                   synthetic_uid('series'), synthetic_uid('sop'), WHEN)
    assert dciodvfy_errors(path) == []
    ds = pydicom.dcmread(path)
    assert ds.RadiationSetting == 'GR'
    assert ('FrameTime' in ds) == isinstance(times, float)
