"""Results back into DICOM: a Multi-frame True Color Secondary Capture
object with the result burned in, in the source series' study, so that a
PACS viewer shows it next to the source series.

The new object copies the patient and study (Patient ID / name / birth date
/ sex, Study Instance UID, date, time, ID, accession number, referring
physician) from the source, gets a new Series Instance UID and SOP
Instance UID, references the source image(s) in Source Image Sequence, and
says "NOT FOR DIAGNOSTIC USE" in the pixels (see
:mod:`mmdsa.visualization.cine`), in the Series Description and in the
Image Comments, with Burned In Annotation = YES.
"""
import datetime
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np

NOT_FOR_DIAGNOSTIC_USE = 'NOT FOR DIAGNOSTIC USE'
#: Multi-frame True Color Secondary Capture Image Storage.
SC_MULTIFRAME_TRUE_COLOR = '1.2.840.10008.5.1.4.1.1.7.4'
#: (0018,1063) Frame Time, the element FrameIncrementPointer names.
FRAME_TIME_TAG = 0x00181063
MARKER = 'mmdsa result'
PATIENT_STUDY_KEYWORDS = (
    'PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex',
    'StudyInstanceUID', 'StudyDate', 'StudyTime', 'StudyID',
    'AccessionNumber', 'ReferringPhysicianName', 'StudyDescription',
    'IssuerOfPatientID')
#: Type 2 elements written empty when the source lacks them.
_TYPE2 = ('PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex',
          'StudyDate', 'StudyTime', 'StudyID', 'AccessionNumber',
          'ReferringPhysicianName')


class DicomExportError(ValueError):
    """The source cannot be exported to (not DICOM) or the output path is
    taken by a file mmdsa did not write."""


def source_datasets(path: str) -> List:
    """Headers (no pixels) of the source series' DICOM file(s).

    Args:
        path (str): A DICOM file or a folder of single-frame DICOM files.

    Returns:
        list[pydicom.Dataset]: One per file, in the folder reader's order.

    Raises:
        DicomExportError: The source is PNG / NPY, or not readable DICOM.
    """
    import pydicom
    from mmdsa.fileio.folder import list_frame_files
    if osp.isdir(path):
        kind, files = list_frame_files(path)
    else:
        ext = osp.splitext(path)[1].lower()
        kind, files = ('npy' if ext == '.npy' else
                       'png' if ext == '.png' else 'dicom'), [path]
    if kind != 'dicom':
        raise DicomExportError(
            f'{path}: --dicom-out needs a DICOM source series (its study and'
            f' patient are copied), got {kind.upper()} frames')
    out = []
    for f in files:
        try:
            out.append(pydicom.dcmread(f, stop_before_pixels=True))
        except (pydicom.errors.InvalidDicomError, OSError, ValueError) as e:
            raise DicomExportError(f'{f}: cannot read the DICOM header: {e}')
    for ds in out:
        if 'StudyInstanceUID' not in ds:
            raise DicomExportError(
                f'{path}: field StudyInstanceUID: expected the source study '
                'UID, got none')
    return out


def _check_ours(out_file: str) -> None:
    if not osp.exists(out_file):
        return
    import pydicom
    try:
        ds = pydicom.dcmread(out_file, stop_before_pixels=True)
        ours = str(ds.get('SeriesDescription', '')).startswith(MARKER)
    except Exception:  # noqa: BLE001  (anything unreadable is not ours)
        ours = False
    if not ours:
        raise DicomExportError(f'{out_file}: exists and was not written by '
                               'mmdsa; choose another --dicom-out folder')


def build_secondary_capture(sources: Sequence, canvases: Sequence[np.ndarray],
                            description: str, fps: float = 3.0,
                            comment: str = ''):
    """The Secondary Capture dataset (with file meta), not yet written.

    Args:
        sources (list[pydicom.Dataset]): Source headers
            (:func:`source_datasets`); the first gives patient and study.
        canvases (list[np.ndarray]): T frames (H, W, 3) uint8 RGB with the
            result burned in.
        description (str): Appended to the Series Description.
        fps (float): Cine rate (Frame Time = 1000 / fps ms).
        comment (str): Image Comments text (e.g. the verdict).

    Returns:
        pydicom.FileDataset-like ``Dataset`` with ``file_meta``.
    """
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import (PYDICOM_IMPLEMENTATION_UID,
                             ExplicitVRLittleEndian, generate_uid)
    frames = np.stack([np.asarray(c) for c in canvases])
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError('build_secondary_capture: expected canvases of '
                         '(H, W, 3) uint8, got '
                         f'{frames.shape} {frames.dtype}')
    src = sources[0]
    now = datetime.datetime.now()
    sop_uid = generate_uid()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SC_MULTIFRAME_TRUE_COLOR
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = 'MMDSA'
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = src.get('SpecificCharacterSet', 'ISO_IR 100')
    for key in PATIENT_STUDY_KEYWORDS:
        if key in src:
            setattr(ds, key, src.data_element(key).value)
        elif key in _TYPE2:
            setattr(ds, key, '')
    ds.SOPClassUID = SC_MULTIFRAME_TRUE_COLOR
    ds.SOPInstanceUID = sop_uid
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = 'OT'
    source_number = src.get('SeriesNumber')
    ds.SeriesNumber = (int(source_number) + 9000) if source_number not in (
        None, '') else 9000
    ds.SeriesDescription = (f'{MARKER} - {NOT_FOR_DIAGNOSTIC_USE} - '
                            f'{description}')[:64]
    ds.SeriesDate = ds.ContentDate = now.strftime('%Y%m%d')
    ds.SeriesTime = ds.ContentTime = now.strftime('%H%M%S')
    ds.InstanceNumber = 1
    ds.ImageType = ['DERIVED', 'SECONDARY']
    ds.ConversionType = 'WSD'
    ds.Manufacturer = 'mmdsa'
    ds.SecondaryCaptureDeviceManufacturer = 'mmdsa'
    ds.SecondaryCaptureDeviceManufacturerModelName = 'mmdsa inference'
    ds.DerivationDescription = (f'Model output drawn on the source series; '
                                f'{NOT_FOR_DIAGNOSTIC_USE}')[:1024]
    ds.ImageComments = f'{NOT_FOR_DIAGNOSTIC_USE}. {comment}'.strip()[:10240]
    ds.BurnedInAnnotation = 'YES'
    ds.PatientOrientation = ''
    refs = []
    for s in sources:
        if 'SOPInstanceUID' in s and 'SOPClassUID' in s:
            item = Dataset()
            item.ReferencedSOPClassUID = s.SOPClassUID
            item.ReferencedSOPInstanceUID = s.SOPInstanceUID
            refs.append(item)
    if refs:
        ds.SourceImageSequence = refs
        series = Dataset()
        series.SeriesInstanceUID = src.get('SeriesInstanceUID', '')
        series.ReferencedInstanceSequence = refs
        ds.ReferencedSeriesSequence = [series] if 'SeriesInstanceUID' in src \
            else []
    t, h, w, _ = frames.shape
    ds.SamplesPerPixel = 3
    ds.PhotometricInterpretation = 'RGB'
    ds.PlanarConfiguration = 0
    ds.Rows, ds.Columns = h, w
    ds.BitsAllocated = 8
    ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.NumberOfFrames = t
    ds.FrameTime = round(1000.0 / fps, 3)
    ds.FrameIncrementPointer = FRAME_TIME_TAG
    ds.RecommendedDisplayFrameRate = max(int(round(fps)), 1)
    ds.PixelData = np.ascontiguousarray(frames).tobytes()
    return ds


def write_result_dicom(source_path: str, canvases: Sequence[np.ndarray],
                       out_file: str, description: str = '',
                       fps: float = 3.0, comment: str = '',
                       sources: Optional[Sequence] = None) -> str:
    """Write the result as a multi-frame Secondary Capture (atomically).

    Args:
        source_path (str): The source DICOM file or folder.
        canvases (list[np.ndarray]): (H, W, 3) uint8 frames, see
            :func:`mmdsa.visualization.cine.render_cine_frames` (pass
            ``footer=NOT_FOR_DIAGNOSTIC_USE``).
        out_file (str): Destination ``.dcm``; an existing file is replaced
            only when mmdsa wrote it.
        description, fps, comment: See :func:`build_secondary_capture`.
        sources (list, optional): Pre-read :func:`source_datasets`.

    Returns:
        str: ``out_file``.
    """
    from mmdsa.visualization.output import write_output
    sources = sources or source_datasets(source_path)
    _check_ours(out_file)
    ds = build_secondary_capture(sources, canvases, description, fps,
                                 comment)
    return write_output(
        out_file, lambda tmp: ds.save_as(tmp, enforce_file_format=True))
