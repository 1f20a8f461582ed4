"""Decode the frames of one DICOM file into a float32 (T, H, W) array.

Pixel data goes through pydicom's pixel-data decoders (uncompressed, RLE,
and - with pylibjpeg / Pillow / GDCM / pyjpegls installed - the JPEG
family). The stored values are converted to float32 once, directly into the
output array, and the Modality LUT or rescale slope/intercept and the
MONOCHROME1 inversion are then applied in place.
"""
import struct

import numpy as np
import pydicom
from pydicom.errors import InvalidDicomError
from pydicom.pixels import apply_modality_lut, get_decoder
from pydicom.uid import (UID, DeflatedExplicitVRLittleEndian,
                         ExplicitVRLittleEndian, ImplicitVRLittleEndian)

from .dicom_meta import dicom_meta, frame_times, lookup
from .errors import DSAReadError
from .series import DSASeries

#: SOP class UID prefixes of objects that are not images to be read as
#: frames (structured reports, RT objects other than RT Image, presentation
#: states, waveforms, encapsulated documents, raw data / registrations /
#: segmentations, parametric maps, DICOMDIR).
NON_IMAGE_SOP_PREFIXES = (
    '1.2.840.10008.5.1.4.1.1.88.',  # structured reports
    '1.2.840.10008.5.1.4.1.1.481.2',  # RT dose
    '1.2.840.10008.5.1.4.1.1.481.3',  # RT structure set
    '1.2.840.10008.5.1.4.1.1.481.4',  # RT beams treatment record
    '1.2.840.10008.5.1.4.1.1.481.5',  # RT plan
    '1.2.840.10008.5.1.4.1.1.481.6',  # RT brachy treatment record
    '1.2.840.10008.5.1.4.1.1.481.7',  # RT treatment summary record
    '1.2.840.10008.5.1.4.1.1.481.8',  # RT ion plan
    '1.2.840.10008.5.1.4.1.1.481.9',  # RT ion beams treatment record
    '1.2.840.10008.5.1.4.1.1.11.',  # presentation states
    '1.2.840.10008.5.1.4.1.1.9.',  # waveforms
    '1.2.840.10008.5.1.4.1.1.104.',  # encapsulated PDF/CDA/STL...
    '1.2.840.10008.5.1.4.1.1.66',  # raw data, registration, segmentation
    '1.2.840.10008.5.1.4.1.1.67',  # real world value mapping
    '1.2.840.10008.5.1.4.1.1.30',  # parametric map
    '1.2.840.10008.1.3.10',  # DICOMDIR
)

#: What to install for each family of compressed transfer syntaxes.
_DECODER_HINTS = (
    ('1.2.840.10008.1.2.4.5', 'pylibjpeg + pylibjpeg-libjpeg, or Pillow, or '
     'gdcm (python-gdcm)'),  # JPEG baseline / extended
    ('1.2.840.10008.1.2.4.57', 'pylibjpeg + pylibjpeg-libjpeg, or gdcm'),
    ('1.2.840.10008.1.2.4.70', 'pylibjpeg + pylibjpeg-libjpeg, or gdcm'),
    ('1.2.840.10008.1.2.4.8', 'pyjpegls, or pylibjpeg + pylibjpeg-libjpeg, '
     'or gdcm'),  # JPEG-LS
    ('1.2.840.10008.1.2.4.9', 'pylibjpeg + pylibjpeg-openjpeg, or Pillow, or '
     'gdcm'),  # JPEG 2000 / HTJ2K (4.90-4.93, 4.201-4.203)
    ('1.2.840.10008.1.2.4.20', 'pylibjpeg + pylibjpeg-openjpeg'),
    ('1.2.840.10008.1.2.5', 'pylibjpeg + pylibjpeg-rle (or pydicom alone)'),
)

_GREYSCALE = ('MONOCHROME1', 'MONOCHROME2')


def decoder_install_hint(syntax):
    """The package(s) to install to decode transfer syntax ``syntax``."""
    for prefix, hint in _DECODER_HINTS:
        if str(syntax).startswith(prefix):
            return hint
    return 'pylibjpeg with its plugins (pylibjpeg-libjpeg, ' \
        'pylibjpeg-openjpeg), pyjpegls, Pillow or gdcm'


def read_dicom_dataset(path):
    """``pydicom.dcmread(path)`` with DSAReadError for unreadable files."""
    try:
        ds = pydicom.dcmread(str(path))
    except InvalidDicomError as exc:
        raise DSAReadError(
            path, 'not a DICOM file: no File Meta Information header or '
            '"DICM" prefix; expected a DICOM Part 10 file') from exc
    except IsADirectoryError as exc:
        raise DSAReadError(path, 'expected a file, got a folder') from exc
    except (EOFError, ValueError, KeyError, TypeError, AttributeError,
            NotImplementedError, struct.error) as exc:
        raise DSAReadError(
            path, 'cannot parse the DICOM file (truncated or corrupt?): '
            f'{type(exc).__name__}: {exc}') from exc
    except OSError as exc:
        raise DSAReadError(path, f'cannot open the file: {exc}') from exc
    if 'TransferSyntaxUID' not in ds.file_meta:
        raise DSAReadError(
            path, 'the file meta information has no TransferSyntaxUID '
            '(0002,0010): the file is truncated or not a valid Part 10 file')
    return ds


def check_image_dataset(ds, path):
    """Raise DSAReadError unless ``ds`` is a greyscale image with pixel data.

    Returns:
        int: The number of frames (NumberOfFrames, 1 when absent).
    """
    sop = ds.get('SOPClassUID') or ds.file_meta.get('MediaStorageSOPClassUID')
    if sop is not None and str(sop).startswith(NON_IMAGE_SOP_PREFIXES):
        raise DSAReadError(
            path, f'is a non-image object: SOP class "{UID(sop).name}" '
            f'({sop}); expected an X-ray image (e.g. X-Ray Angiographic '
            'Image Storage)')
    if 'PixelData' not in ds:
        other = [k for k in ('FloatPixelData', 'DoubleFloatPixelData')
                 if k in ds]
        name = UID(sop).name if sop is not None else 'unknown SOP class'
        if other:
            raise DSAReadError(
                path, f'{other[0]} (float pixel data) is not supported; '
                f'expected integer Pixel Data (SOP class: {name})')
        raise DSAReadError(
            path, 'no Pixel Data (7FE0,0010) element: the file is truncated '
            f'or holds no image (SOP class: {name})')
    missing = [
        k for k in ('Rows', 'Columns', 'BitsAllocated', 'BitsStored',
                    'SamplesPerPixel', 'PhotometricInterpretation',
                    'PixelRepresentation') if ds.get(k) in (None, '')
    ]
    if missing:
        raise DSAReadError(
            path, f'image pixel module incomplete: missing {missing}')
    bits_stored, bits_allocated = int(ds.BitsStored), int(ds.BitsAllocated)
    if not 1 <= bits_stored <= bits_allocated:
        raise DSAReadError(
            path, f'expected 1 <= BitsStored <= BitsAllocated, got '
            f'BitsStored {bits_stored}, BitsAllocated {bits_allocated}')
    photometric = str(ds.PhotometricInterpretation).strip()
    if photometric not in _GREYSCALE or int(ds.SamplesPerPixel) != 1:
        raise DSAReadError(
            path, 'expected a greyscale image (MONOCHROME1/MONOCHROME2, 1 '
            f'sample per pixel), got {photometric} with '
            f'{ds.SamplesPerPixel} samples per pixel')
    if int(ds.Rows) < 1 or int(ds.Columns) < 1:
        raise DSAReadError(
            path, f'expected a non-empty image, got {ds.Rows} x '
            f'{ds.Columns} pixels')
    num_frames = ds.get('NumberOfFrames')
    num_frames = 1 if num_frames in (None, '') else int(num_frames)
    if num_frames < 1:
        raise DSAReadError(
            path, f'NumberOfFrames is {num_frames}: zero frames')
    if not ds.PixelData:
        raise DSAReadError(path, 'the Pixel Data element is empty')
    return num_frames


def _stored_range(ds):
    """(lowest, highest) representable stored value."""
    bits = int(ds.BitsStored)
    if int(ds.PixelRepresentation) == 1:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


_LITTLE_ENDIAN_NATIVE = (ImplicitVRLittleEndian, ExplicitVRLittleEndian,
                         DeflatedExplicitVRLittleEndian)


def _little_endian_view(ds, shape):
    """Zero-copy view of common uncompressed pixel data, else None.

    Covers little-endian 8/16/32-bit integer data whose length is exactly
    what the header says (plus an optional padding byte); anything else
    (bit-packed, big-endian, short or long data) returns None and goes
    through pydicom's decoder, which validates it.
    """
    bits = int(ds.BitsAllocated)
    if ds.file_meta.TransferSyntaxUID not in _LITTLE_ENDIAN_NATIVE \
            or bits not in (8, 16, 32):
        return None
    dtype = np.dtype(f'<{"i" if int(ds.PixelRepresentation) else "u"}'
                     f'{bits // 8}')
    data = ds.PixelData
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) not in (expected, expected + expected % 2):
        return None
    return np.frombuffer(data, dtype=dtype, count=int(np.prod(shape)))


def _mask_unused_bits(arr, ds):
    """Ignore bits above BitsStored as pydicom does (copy only if needed)."""
    shift = int(ds.BitsAllocated) - int(ds.BitsStored)
    if shift <= 0 or arr.dtype.kind not in 'iu' or arr.size == 0:
        return arr
    low, high = _stored_range(ds)
    if arr.max() <= high and (low == 0 or arr.min() >= low):
        return arr
    arr = np.left_shift(arr, shift)
    np.right_shift(arr, shift, out=arr)
    return arr


def rescale(ds, path):
    """(slope, intercept) from the top level or the shared functional groups.

    Enhanced XA / XRF objects keep them in the Pixel Value Transformation
    Sequence; absent values mean identity (1, 0).
    """
    values = []
    for keyword, default in (('RescaleSlope', 1.0), ('RescaleIntercept', 0.0)):
        value = lookup(ds, keyword)
        try:
            values.append(default if value is None else float(value))
        except (TypeError, ValueError):
            raise DSAReadError(
                path, f'{keyword}: expected a number, got {value!r}') from None
    return tuple(values)


def _lut_entries(ds):
    """(number of entries, first mapped value) of the Modality LUT."""
    descriptor = ds.ModalityLUTSequence[0].LUTDescriptor
    entries, first = int(descriptor[0]), int(descriptor[1])
    if first >= 1 << 15 and int(ds.PixelRepresentation) == 1:
        first -= 1 << 16  # signed first-mapped value stored as US
    return entries or (1 << 16), first


def _get_decoder(ds, path):
    """The pydicom decoder for the file's transfer syntax, or DSAReadError."""
    syntax = UID(ds.file_meta.TransferSyntaxUID)
    try:
        decoder = get_decoder(syntax)
    except NotImplementedError:
        raise DSAReadError(
            path, f'transfer syntax "{syntax.name}" ({syntax}) has no pixel '
            'data decoder in pydicom; convert the file to an uncompressed '
            'transfer syntax first (e.g. `gdcmconv --raw in.dcm out.dcm`)'
        ) from None
    if not decoder.is_available:
        missing = '; '.join(decoder.missing_dependencies) or 'none listed'
        raise DSAReadError(
            path, f'transfer syntax "{syntax.name}" ({syntax}) needs a pixel '
            f'data decoder that is not installed: install '
            f'{decoder_install_hint(syntax)} (pydicom reports: {missing})')
    return decoder


def decode_frames(ds, path, out=None, num_frames=None):
    """Decode all frames of ``ds`` into float32, rescaled and inverted.

    Args:
        ds (pydicom.Dataset): A dataset that passed
            :func:`check_image_dataset`.
        path (str): For error messages.
        out (np.ndarray, optional): float32 (T, H, W) array to fill.
        num_frames (int, optional): T as returned by
            :func:`check_image_dataset` when the caller already ran it.

    Returns:
        np.ndarray: ``out`` (or a new array), float32 (T, H, W): stored values
        through the Modality LUT (or slope * value + intercept), MONOCHROME1
        inverted as ``low + high - value`` over the representable range.
    """
    if num_frames is None:
        num_frames = check_image_dataset(ds, path)
    shape = (num_frames, int(ds.Rows), int(ds.Columns))
    if out is None:
        out = np.empty(shape, dtype=np.float32)
    elif out.shape != shape or out.dtype != np.float32:
        raise ValueError(f'decode_frames: expected out of float32 {shape}, '
                         f'got {out.dtype} {out.shape}')
    decoder = _get_decoder(ds, path)
    lut = ds.get('ModalityLUTSequence')
    invert = str(ds.PhotometricInterpretation).strip() == 'MONOCHROME1'
    try:
        if decoder.is_native:
            arr = _little_endian_view(ds, shape)
            if arr is None:  # pydicom handles every other native layout
                arr, _ = decoder.as_array(
                    ds, view_only=True, correct_unused_bits=False)
            arr = _mask_unused_bits(arr.reshape(shape), ds)
            out[...] = apply_modality_lut(arr, ds) if lut else arr
        else:
            count = 0
            for count, (arr, _) in enumerate(decoder.iter_array(ds), 1):
                if count > num_frames:
                    break
                out[count - 1] = apply_modality_lut(arr, ds) if lut else arr
            if count > num_frames:
                raise DSAReadError(
                    path, 'the pixel data holds more frames than '
                    f'NumberOfFrames ({num_frames})')
            if count < num_frames:
                raise DSAReadError(
                    path, f'the pixel data holds {count} frame(s) but '
                    f'NumberOfFrames is {num_frames} (truncated file?)')
    except DSAReadError:
        raise
    except Exception as exc:  # decoders raise many types on corrupt data
        raise DSAReadError(
            path, f'cannot decode the pixel data '
            f'({UID(ds.file_meta.TransferSyntaxUID).name}): truncated or '
            f'corrupt pixel data? {type(exc).__name__}: {exc}') from exc
    low, high = _stored_range(ds)
    if lut:
        if invert:  # mirror over the range of the LUT's output values
            entries, first = _lut_entries(ds)
            ends = apply_modality_lut(np.arange(first, first + entries), ds)
            out *= -1
            out += float(np.min(ends)) + float(np.max(ends))
        return out
    slope, intercept = rescale(ds, path)
    if invert:  # slope * (low + high - v) + intercept
        slope, intercept = -slope, slope * (low + high) + intercept
    if slope != 1.0:
        out *= slope
    if intercept != 0.0:
        out += intercept
    return out


def inverted_window_center(ds, center, path):
    """Window centre mirrored the way MONOCHROME1 frames are inverted."""
    if center is None:
        return None
    low, high = _stored_range(ds)
    slope, intercept = rescale(ds, path)
    return slope * (low + high) + 2 * intercept - center


def read_dicom_file(path):
    """Read one (multi- or single-frame) DICOM file as a DSASeries.

    Raises:
        DSAReadError: see :func:`mmdsa.fileio.read_dsa_series`.
    """
    ds = read_dicom_dataset(path)
    num_frames = check_image_dataset(ds, path)
    frames = decode_frames(ds, path, num_frames=num_frames)
    times, source = frame_times(ds, num_frames, path)
    meta = dicom_meta(ds, path, num_frames)
    meta['inverted'] = meta['photometric_interpretation'] == 'MONOCHROME1'
    if meta['inverted']:
        meta['window_center'] = inverted_window_center(
            ds, meta['window_center'], path)
    return DSASeries(frames, times, source, meta)
