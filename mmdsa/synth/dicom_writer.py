"""Writing multi-frame X-Ray Angiographic (XA) DICOM files with pydicom.

Everything written is derived from the arguments: UIDs come from
:func:`synthetic_uid` (a hash of the given strings, no clock, no random
uuid), so the same inputs give byte-identical files.
"""
import datetime
import uuid

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.tag import Tag
from pydicom.uid import (PYDICOM_IMPLEMENTATION_UID, UID,
                         ExplicitVRLittleEndian, XRayAngiographicImageStorage)

from mmdsa.utils.fileio import atomic_write

from .projection import FIELD_OF_VIEW_MM, VIEWS, check_view

FRAME_TIME_VECTOR = Tag(0x0018, 0x1065)
FRAME_TIME = Tag(0x0018, 0x1063)


_UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, 'mmdsa/synth')


def synthetic_uid(*parts):
    """Deterministic DICOM UID from the given parts.

    A name-based (SHA-1) UUID of the parts written as ``2.25.<uuid int>``
    (DICOM PS3.5 B.2), so the same parts always give the same UID.
    """
    name = '|'.join(str(p) for p in parts)
    return UID(f'2.25.{uuid.uuid5(_UID_NAMESPACE, name).int}')


def _check_frames(frames):
    arr = np.asarray(frames)
    if arr.ndim != 3 or arr.dtype != np.uint16:
        raise ValueError(f'write_xa_dicom frames: expected a (T, H, W) uint16 '
                         f'array, got {arr.dtype} {arr.shape}')
    if arr.size and int(arr.max()) > 4095:
        raise ValueError(f'write_xa_dicom frames: expected 12-bit values '
                         f'(<= 4095), got max {int(arr.max())}')
    return arr


def write_xa_dicom(path, frames, frame_time_ms, view, patient_id,
                   study_uid, series_uid, sop_uid, acquisition_datetime,
                   series_number=1, window=(1800.0, 2400.0),
                   description=''):
    """Write a multi-frame XA DICOM file (explicit VR little endian).

    Args:
        path (str): output ``.dcm`` path (written atomically).
        frames (np.ndarray): (T, H, W) uint16 with 12-bit values.
        frame_time_ms (float | sequence): one interval (ms) for a constant
            rate (written as FrameTime), or T per-frame times since the first
            frame (written as FrameTimeVector of T intervals, the first 0);
            FrameIncrementPointer names the element that holds the timing.
        view (str): 'PA' (positioner 0/0, ViewPosition PA) or 'LAT' (90/0,
            ViewPosition LL).
        patient_id (str): PatientID (also the pseudonymous PatientName).
        study_uid, series_uid, sop_uid (str): instance UIDs.
        acquisition_datetime (datetime.datetime): start of the run.
        series_number (int): SeriesNumber.
        window (tuple): (WindowCenter, WindowWidth).
        description (str): SeriesDescription suffix.

    Returns:
        str: ``path``.
    """
    arr = _check_frames(frames)
    check_view(view)
    if not isinstance(acquisition_datetime, datetime.datetime):
        raise TypeError(f'write_xa_dicom acquisition_datetime: expected a '
                        f'datetime.datetime, got {acquisition_datetime!r}')
    t, h, w = arr.shape
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = XRayAngiographicImageStorage
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = 'MMDSA_SYNTH'
    ds = Dataset()
    ds.file_meta = meta
    date = acquisition_datetime.strftime('%Y%m%d')
    time = acquisition_datetime.strftime('%H%M%S')
    ds.SpecificCharacterSet = 'ISO_IR 100'
    ds.ImageType = ['ORIGINAL', 'PRIMARY', 'SINGLE PLANE']
    ds.SOPClassUID = XRayAngiographicImageStorage
    ds.SOPInstanceUID = sop_uid
    ds.StudyDate = ds.SeriesDate = ds.AcquisitionDate = ds.ContentDate = date
    ds.StudyTime = ds.SeriesTime = ds.AcquisitionTime = ds.ContentTime = time
    ds.AcquisitionDateTime = acquisition_datetime.strftime('%Y%m%d%H%M%S')
    ds.AccessionNumber = ''
    ds.Modality = 'XA'
    ds.Manufacturer = 'mmdsa synthetic'
    ds.ReferringPhysicianName = ''
    ds.StudyDescription = 'Synthetic cerebral DSA'
    ds.SeriesDescription = f'{view} {description}'.strip()
    ds.PatientName = patient_id
    ds.PatientID = patient_id
    ds.PatientBirthDate = ''
    ds.PatientSex = ''
    ds.BodyPartExamined = 'HEAD'
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.StudyID = '1'
    ds.SeriesNumber = int(series_number)
    ds.InstanceNumber = 1
    ds.PatientOrientation = ''
    spec = VIEWS[view]
    ds.PositionerPrimaryAngle = spec['primary_angle']
    ds.PositionerSecondaryAngle = spec['secondary_angle']
    ds.ViewPosition = spec['view_position']
    ds.PositionerMotion = 'STATIC'
    # X-Ray Acquisition module: the simulation has no exposure physics, so
    # the Type 2 / 2C exposure values are present and empty (unknown);
    # RadiationSetting (Type 1) is GR, the high-dose acquisition of DSA.
    ds.KVP = None
    ds.RadiationSetting = 'GR'
    ds.XRayTubeCurrent = None
    ds.ExposureTime = None
    ds.Exposure = None
    times = np.atleast_1d(np.asarray(frame_time_ms, dtype=np.float64))
    if times.size == 1:
        ds.FrameTime = round(float(times[0]), 3)
        ds.FrameIncrementPointer = FRAME_TIME
    elif times.size == t:
        intervals = np.concatenate([[0.0], np.diff(times)])
        if np.any(intervals[1:] <= 0):
            raise ValueError('write_xa_dicom frame_time_ms: expected '
                             'increasing frame times, got '
                             f'{times.tolist()}')
        # no FrameTime next to it: the Cine module allows FrameTime only
        # when FrameIncrementPointer names it
        ds.FrameTimeVector = [round(float(x), 3) for x in intervals]
        ds.FrameIncrementPointer = FRAME_TIME_VECTOR
    else:
        raise ValueError(f'write_xa_dicom frame_time_ms: expected one value '
                         f'or {t} frame times, got {times.size}')
    ds.ImagerPixelSpacing = [round(FIELD_OF_VIEW_MM / h, 6),
                             round(FIELD_OF_VIEW_MM / w, 6)]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.NumberOfFrames = t
    ds.Rows = h
    ds.Columns = w
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.PixelIntensityRelationship = 'LIN'
    ds.WindowCenter = round(float(window[0]), 1)
    ds.WindowWidth = round(float(window[1]), 1)
    ds.LossyImageCompression = '00'
    ds.PixelData = np.ascontiguousarray(arr, dtype='<u2').tobytes()
    return atomic_write(
        path, writer=lambda tmp: ds.save_as(tmp, enforce_file_format=True))
