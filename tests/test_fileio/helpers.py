"""Helpers writing small DICOM files for the fileio tests."""
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (ExplicitVRLittleEndian, XRayAngiographicImageStorage,
                         generate_uid)

REAL_XA = Path(__file__).resolve().parents[2] / '..' / 'shared' / 'data' / \
    'real_xa'


def make_dataset(pixels, bits_stored=None, signed=False,
                 photometric='MONOCHROME2', series_uid='1.2.3.4', **tags):
    """An XA dataset holding ``pixels`` (T, H, W) or (H, W) uncompressed.

    Extra keyword arguments become DICOM attributes (``None`` deletes).
    """
    pixels = np.asarray(pixels)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = XRayAngiographicImageStorage
    ds.SOPClassUID = XRayAngiographicImageStorage
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.Modality = 'XA'
    ds.PatientID = 'P0001'
    ds.StudyInstanceUID = '1.2.3'
    ds.SeriesInstanceUID = series_uid
    ds.Rows, ds.Columns = pixels.shape[-2:]
    if pixels.ndim == 3:
        ds.NumberOfFrames = pixels.shape[0]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    bits = pixels.dtype.itemsize * 8
    ds.BitsAllocated = bits
    ds.BitsStored = bits_stored or bits
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = int(signed)
    ds.PixelData = pixels.tobytes()
    for key, value in tags.items():
        if value is None:
            if key in ds:
                delattr(ds, key)
        else:
            setattr(ds, key, value)
    return ds


def save(ds, path):
    """Write ``ds`` as a DICOM Part 10 file and return the path as str."""
    ds.save_as(str(path), enforce_file_format=True)
    return str(path)


def compress(ds, syntax):
    """Compress ``ds`` in place with ``syntax`` (JPEG Lossless needs
    imagecodecs, a test requirement) and return it."""
    from pydicom.uid import JPEGLosslessSV1
    if syntax == JPEGLosslessSV1:
        import pytest
        pytest.importorskip('imagecodecs')
    from mmdsa.fileio.compress import compress_dataset
    return compress_dataset(ds, syntax)
