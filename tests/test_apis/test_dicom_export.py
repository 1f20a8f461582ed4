"""Secondary Capture export: valid Part 10 files that pydicom reads back,
in the source's study and patient, with new series / SOP UIDs and the
"not for diagnostic use" label in the header and in the pixels."""
import datetime

import numpy as np
import pydicom
import pytest

from mmdsa.apis.dicom_export import (NOT_FOR_DIAGNOSTIC_USE,
                                     SC_MULTIFRAME_TRUE_COLOR,
                                     DicomExportError, write_result_dicom)
from mmdsa.synth.dicom_writer import write_xa_dicom
from mmdsa.visualization.cine import (COLOURS, FOOTER_PX, render_cine_frames)

STUDY = '1.2.826.0.1.3680043.8.498.111'
SERIES = '1.2.826.0.1.3680043.8.498.222'
SOP = '1.2.826.0.1.3680043.8.498.333'


@pytest.fixture
def source(tmp_path):
    frames = (np.random.default_rng(0).integers(0, 4095, (4, 32, 40))
              .astype(np.uint16))
    path = tmp_path / 'src.dcm'
    write_xa_dicom(str(path), frames, 333.0, 'PA', 'P0042', STUDY, SERIES,
                   SOP, datetime.datetime(2024, 1, 3, 10, 12), series_number=3)
    return path, frames


def test_secondary_capture_reads_back_in_the_source_study(source, tmp_path):
    path, frames = source
    canvases = render_cine_frames(frames, trajectory={1: [4, 4, 20, 20]},
                                  footer=NOT_FOR_DIAGNOSTIC_USE,
                                  title='positive')
    out = write_result_dicom(str(path), canvases,
                             str(tmp_path / 'out' / 'src_result.dcm'),
                             description='perforation', fps=3,
                             comment='verdict positive (score 0.7)')
    ds = pydicom.dcmread(out)  # Part 10: preamble + file meta
    src = pydicom.dcmread(str(path))
    assert ds.file_meta.MediaStorageSOPClassUID == SC_MULTIFRAME_TRUE_COLOR
    assert ds.SOPClassUID == SC_MULTIFRAME_TRUE_COLOR
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert ds.StudyInstanceUID == src.StudyInstanceUID == STUDY
    assert ds.PatientID == src.PatientID == 'P0042'
    assert ds.PatientName == src.PatientName
    assert ds.StudyDate == src.StudyDate
    assert ds.SeriesInstanceUID not in (SERIES, STUDY)
    assert ds.SOPInstanceUID != SOP
    assert pydicom.uid.UID(ds.SeriesInstanceUID).is_valid
    assert pydicom.uid.UID(ds.SOPInstanceUID).is_valid
    assert NOT_FOR_DIAGNOSTIC_USE in ds.SeriesDescription
    assert NOT_FOR_DIAGNOSTIC_USE in ds.ImageComments
    assert 'positive' in ds.ImageComments
    assert ds.BurnedInAnnotation == 'YES'
    assert ds.SourceImageSequence[0].ReferencedSOPInstanceUID == SOP
    assert ds.NumberOfFrames == 4
    assert ds.FrameIncrementPointer == 0x00181063
    assert float(ds.FrameTime) == pytest.approx(333.333, abs=1e-3)
    pixels = ds.pixel_array
    assert pixels.shape == (4,) + canvases[0].shape
    assert np.array_equal(pixels, np.stack(canvases))
    footer = pixels[0, -FOOTER_PX:]
    assert np.all(footer == COLOURS['banner'], axis=-1).sum() > 50
    # a second export: a new SOP and series, the same study
    again = pydicom.dcmread(write_result_dicom(
        str(path), canvases, str(tmp_path / 'out' / 'again.dcm')))
    assert again.StudyInstanceUID == STUDY
    assert again.SeriesInstanceUID != ds.SeriesInstanceUID
    # a file mmdsa wrote may be replaced
    write_result_dicom(str(path), canvases, out)


def test_refuses_non_dicom_source_and_foreign_output(source, tmp_path):
    path, frames = source
    canvases = render_cine_frames(frames)
    npy = tmp_path / 'series.npy'
    np.save(npy, frames)
    with pytest.raises(DicomExportError, match='needs a DICOM source'):
        write_result_dicom(str(npy), canvases, str(tmp_path / 'x.dcm'))
    with pytest.raises(DicomExportError, match='not written by mmdsa'):
        write_result_dicom(str(path), canvases, str(path))
    assert pydicom.dcmread(str(path)).SOPInstanceUID == SOP
