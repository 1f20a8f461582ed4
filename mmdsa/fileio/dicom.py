"""Decode the frames of one DICOM file into a float32 (T, H, W) array.

Pixel data goes through pydicom's pixel-data decoders (uncompressed, RLE,
and - with pylibjpeg / Pillow / GDCM / pyjpegls installed - the JPEG
family). The stored values are converted to float32 once, directly into the
output array, and the Modality LUT or rescale slope/intercept and the
MONOCHROME1 inversion are then applied in place.
"""
import math
import os
import struct

import numpy as np
import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.encaps import parse_fragments
from pydicom.errors import InvalidDicomError
from pydicom.pixels import apply_modality_lut, get_decoder
from pydicom.uid import (UID, DeflatedExplicitVRLittleEndian,
                         ExplicitVRLittleEndian, ImplicitVRLittleEndian)

from .dicom_meta import dicom_meta, int_field, lookup
from .errors import DSAReadError

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

#: Modalities read by default: X-ray angiography and radio-fluoroscopy.
DEFAULT_MODALITIES = ('XA', 'RF')

#: SOP classes of secondary-capture objects (single- and multi-frame), which
#: vendors use for DSA exports; accepted with Modality XA, RF, OT or none.
SECONDARY_CAPTURE_SOP_PREFIX = '1.2.840.10008.5.1.4.1.1.7'
_SC_MODALITIES = ('', 'OT', 'XA', 'RF')

#: SOP classes of (Enhanced) X-Ray Angiographic / Radiofluoroscopic images,
#: accepted when the Modality tag is empty.
XRAY_SOP_PREFIX = '1.2.840.10008.5.1.4.1.1.12.'

#: Elements larger than this are read from the file only when used (pixel
#: data is then memory-mapped or read on demand).
DEFER_SIZE = 4096


def decoder_install_hint(syntax):
    """The package(s) to install to decode transfer syntax ``syntax``."""
    for prefix, hint in _DECODER_HINTS:
        if str(syntax).startswith(prefix):
            return hint
    return 'pylibjpeg with its plugins (pylibjpeg-libjpeg, ' \
        'pylibjpeg-openjpeg), pyjpegls, Pillow or gdcm'


def _is_deflated(path) -> bool:
    """Whether the file's meta information names the Deflated syntax
    (reads the meta group only; False when it cannot be read)."""
    try:
        meta = pydicom.filereader.read_file_meta_info(str(path))
    except Exception:  # noqa: BLE001 - dcmread reports it properly
        return False
    return meta.get('TransferSyntaxUID') == DeflatedExplicitVRLittleEndian


def read_dicom_dataset(path, defer=False):
    """``pydicom.dcmread(path)`` with DSAReadError for unreadable files.

    Args:
        path (str): The file.
        defer (bool): Leave elements larger than :data:`DEFER_SIZE` (the
            pixel data) in the file until they are used, so the header of a
            large series costs what its header costs.
    """
    try:
        if _is_deflated(path):   # inflated with bounded memory
            from .bounded import read_deflated_dataset
            ds = read_deflated_dataset(str(path))
        else:
            ds = pydicom.dcmread(str(path),
                                 defer_size=DEFER_SIZE if defer else None)
    except DSAReadError:
        raise
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


def check_modality(ds, path, modalities=DEFAULT_MODALITIES):
    """Raise DSAReadError unless ``ds`` is an X-ray (DSA) image.

    Accepted: Modality in ``modalities`` (default XA / RF); a secondary
    capture object (vendors' DSA exports) with Modality XA, RF, OT or none;
    an (Enhanced) XA / XRF SOP class with an empty Modality.

    Args:
        ds (pydicom.Dataset): The header.
        path (str): For error messages.
        modalities (tuple[str] | str | None): Accepted Modality values;
            ``'any'`` (or None) accepts every modality.
    """
    if modalities is None or modalities == 'any':
        return
    modality = str(ds.get('Modality', '') or '').strip().upper()
    sop = str(ds.get('SOPClassUID')
              or ds.file_meta.get('MediaStorageSOPClassUID') or '')
    if modality in modalities:
        return
    if sop.startswith(SECONDARY_CAPTURE_SOP_PREFIX) and \
            modality in _SC_MODALITIES:
        return
    if not modality and sop.startswith(XRAY_SOP_PREFIX):
        return
    name = UID(sop).name if sop else 'no SOP class'
    raise DSAReadError(
        path, f'Modality is {modality or "empty"!r} ({name}); expected '
        f'{" or ".join(modalities)} (or a secondary-capture DSA export). '
        "Pass modalities='any' (tools: --any-modality) to read it anyway")


def pixel_data_length(ds):
    """Length in bytes of the Pixel Data value, None for encapsulated data.

    Uses the element's header when the value is still in the file (read
    with ``defer=True``), so nothing is loaded.
    """
    if ds.file_meta.TransferSyntaxUID.is_encapsulated:
        return None
    elem = ds.get_item('PixelData', keep_deferred=True)
    if isinstance(elem, RawDataElement) and elem.value is None:
        return None if elem.length == 0xFFFFFFFF else int(elem.length)
    return len(ds.PixelData or b'')


def _check_pixel_data_size(ds, path, num_frames):
    """Compare the pixel data with what the header promises.

    Done before anything of the header's size is allocated, so a bad
    NumberOfFrames, Rows or Columns gives a DSAReadError, not a
    MemoryError.
    """
    rows, cols = int(ds.Rows), int(ds.Columns)
    syntax = ds.file_meta.TransferSyntaxUID
    if not syntax.is_encapsulated:
        if syntax == DeflatedExplicitVRLittleEndian:
            return  # the value length is that of the inflated data
        length = pixel_data_length(ds)
        needed = math.ceil(num_frames * rows * cols * int(ds.SamplesPerPixel)
                           * int(ds.BitsAllocated) / 8)
        if length is not None and length < needed:
            raise DSAReadError(
                path, f'the Pixel Data holds {length} bytes but the header '
                f'describes {num_frames} frame(s) of {rows} x {cols} pixels '
                f'at {ds.BitsAllocated} bits ({needed} bytes): NumberOfFrames'
                ', Rows or Columns is wrong, or the file is truncated')
        return
    try:
        fragments, _ = parse_fragments(ds.PixelData)
    except Exception as exc:  # noqa: BLE001 - malformed item tags
        raise DSAReadError(
            path, f'cannot parse the encapsulated Pixel Data ({exc}); '
            'truncated or corrupt file?') from exc
    if fragments < num_frames:
        raise DSAReadError(
            path, f'the encapsulated Pixel Data holds {fragments} frame(s) '
            f'at most ({fragments} fragment(s), each frame needs at least '
            f'one) but NumberOfFrames is {num_frames}: NumberOfFrames is '
            'wrong, or the file is truncated')


def check_allocation(path, shape):
    """Raise DSAReadError if a float32 array of ``shape`` cannot fit in RAM.

    Args:
        path (str): For the message.
        shape (tuple[int]): (T, H, W).
    """
    needed = 4 * int(np.prod(shape, dtype=np.float64))
    try:
        physical = os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES')
    except (ValueError, OSError, AttributeError):  # not on this platform
        return
    if needed > physical:
        raise DSAReadError(
            path, f'{shape[0]} frame(s) of {shape[1]} x {shape[2]} pixels '
            f'need {needed / 2**30:.1f} GiB as float32, more than this '
            f"machine's {physical / 2**30:.1f} GiB of memory; read frames on "
            'demand with mmdsa.fileio.open_dsa_series')


def check_image_dataset(ds, path, modalities=DEFAULT_MODALITIES):
    """Raise DSAReadError unless ``ds`` is a greyscale image with pixel data.

    Args:
        ds (pydicom.Dataset): The header (pixel data may be deferred).
        path (str): For error messages.
        modalities (tuple[str] | str): See :func:`check_modality`.

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
    check_modality(ds, path, modalities)
    missing = [
        k for k in ('Rows', 'Columns', 'BitsAllocated', 'BitsStored',
                    'SamplesPerPixel', 'PhotometricInterpretation',
                    'PixelRepresentation') if ds.get(k) in (None, '')
    ]
    if missing:
        raise DSAReadError(
            path, f'image pixel module incomplete: missing {missing}')
    ints = {
        k: int_field(ds, k, path)
        for k in ('Rows', 'Columns', 'BitsAllocated', 'BitsStored',
                  'SamplesPerPixel', 'PixelRepresentation')
    }
    bits_stored, bits_allocated = ints['BitsStored'], ints['BitsAllocated']
    if not 1 <= bits_stored <= bits_allocated:
        raise DSAReadError(
            path, f'expected 1 <= BitsStored <= BitsAllocated, got '
            f'BitsStored {bits_stored}, BitsAllocated {bits_allocated}')
    photometric = str(ds.PhotometricInterpretation).strip()
    if photometric not in _GREYSCALE or ints['SamplesPerPixel'] != 1:
        raise DSAReadError(
            path, 'expected a greyscale image (MONOCHROME1/MONOCHROME2, 1 '
            f'sample per pixel), got {photometric} with '
            f'{ds.SamplesPerPixel} samples per pixel')
    if ints['Rows'] < 1 or ints['Columns'] < 1:
        raise DSAReadError(
            path, f'expected a non-empty image, got {ds.Rows} x '
            f'{ds.Columns} pixels')
    num_frames = int_field(ds, 'NumberOfFrames', path, default=1)
    if num_frames < 1:
        raise DSAReadError(
            path, f'NumberOfFrames is {num_frames}: zero frames')
    check_modality_lut(ds, path)
    if pixel_data_length(ds) == 0 or (
            ds.file_meta.TransferSyntaxUID.is_encapsulated
            and not ds.PixelData):
        raise DSAReadError(path, 'the Pixel Data element is empty')
    _check_pixel_data_size(ds, path, num_frames)
    return num_frames


def check_modality_lut(ds, path):
    """Refuse a Modality LUT with fewer entries than its descriptor says.

    PS3.3 C.11.1.1: ``LUTDescriptor`` = (entries, first stored value mapped,
    bits per entry); ``LUTData`` holds that many entries. A short table
    would index past its end for some stored values.
    """
    seq = ds.get('ModalityLUTSequence')
    if not seq:
        return
    item = seq[0]
    descriptor = item.get('LUTDescriptor')
    data = item.get('LUTData')
    try:
        entries = int(descriptor[0]) or (1 << 16)
        bits = int(descriptor[2])
    except (TypeError, ValueError, IndexError):
        raise DSAReadError(
            path, 'Modality LUT: field "LUTDescriptor": expected (entries, '
            f'first mapped value, bits per entry), got {descriptor!r}'
        ) from None
    if bits not in (8, 16):
        raise DSAReadError(
            path, 'Modality LUT: field "LUTDescriptor": expected 8 or 16 bits'
            f' per entry, got {bits}')
    if data is None:
        count = 0
    elif isinstance(data, (bytes, bytearray)):
        count = len(data) // 2   # OW: 16-bit words, an 8-bit entry each
    else:
        try:
            count = len(data)
        except TypeError:   # one value
            count = 1
    if count < entries:
        raise DSAReadError(
            path, f'Modality LUT: field "LUTData": holds {count} entries, '
            f'but LUTDescriptor says {entries}; the table is truncated')


def padding_range(ds, path):
    """The values padding pixels take after the value mapping, or None.

    Pixel Padding Value (0028,0120) and, when present, Pixel Padding Range
    Limit (0028,0121) name the stored values of pixels that are no part of
    the image (PS3.3 C.7.5.1.1.2): the one value, or every value between
    the two, inclusive. They are mapped like the frames
    (:func:`stored_to_values`), so the range is in the frames' units.

    Returns:
        tuple[float, float] | None: (lowest, highest) mapped value of a
        padding pixel.
    """
    pad = ds.get('PixelPaddingValue')
    if pad is None or pad == '':
        return None
    limit = ds.get('PixelPaddingRangeLimit')
    try:
        a = int(pad)
        b = int(limit) if limit not in (None, '') else a
    except (TypeError, ValueError):
        raise DSAReadError(
            path, 'field "PixelPaddingValue" / "PixelPaddingRangeLimit": '
            f'expected integers, got {pad!r} / {limit!r}') from None
    low, high = stored_range(ds)
    if int(ds.PixelRepresentation) == 1:   # a signed value read as US
        a, b = (v - (1 << 16) if v >= 1 << 15 else v for v in (a, b))
    a, b = sorted((a, b))
    a, b = max(a, low), min(b, high)
    if a > b:   # no representable stored value is padding
        return None
    codes = np.arange(a, b + 1, dtype=np.int64)
    values = stored_to_values(codes, ds, path, masked=False)
    return float(values.min()), float(values.max())


def stored_range(ds):
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
    through pydicom's decoder, which validates it. Pixel data still in the
    file (a header read with ``defer=True``) is memory-mapped, so only the
    frames used are read.
    """
    bits = int(ds.BitsAllocated)
    syntax = ds.file_meta.TransferSyntaxUID
    if syntax not in _LITTLE_ENDIAN_NATIVE or bits not in (8, 16, 32):
        return None
    dtype = np.dtype(f'<{"i" if int(ds.PixelRepresentation) else "u"}'
                     f'{bits // 8}')
    count = int(np.prod(shape))
    expected = count * dtype.itemsize
    elem = ds.get_item('PixelData', keep_deferred=True)
    if isinstance(elem, RawDataElement) and elem.value is None \
            and syntax != DeflatedExplicitVRLittleEndian \
            and getattr(ds, 'filename', None) \
            and elem.length in (expected, expected + expected % 2):
        return np.memmap(ds.filename, dtype=dtype, mode='r',
                         offset=elem.value_tell, shape=(count, ))
    data = ds.PixelData
    if len(data) not in (expected, expected + expected % 2):
        return None
    return np.frombuffer(data, dtype=dtype, count=count)


def _mask_unused_bits(arr, ds):
    """Ignore bits above BitsStored as pydicom does (copy only if needed)."""
    shift = int(ds.BitsAllocated) - int(ds.BitsStored)
    if shift <= 0 or arr.dtype.kind not in 'iu' or arr.size == 0:
        return arr
    low, high = stored_range(ds)
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
            number = default if value is None else float(value)
        except (TypeError, ValueError):
            raise DSAReadError(
                path, f'{keyword}: expected a number, got {value!r}') from None
        if not math.isfinite(number):
            raise DSAReadError(
                path, f'{keyword}: expected a finite number, got {value!r}')
        values.append(number)
    if values[0] == 0:
        raise DSAReadError(
            path, f'RescaleSlope: expected a non-zero number, got '
            f'{lookup(ds, "RescaleSlope")!r} (every frame would be '
            f'{values[1]:g})')
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


def _frame_indices(indices, num_frames, path):
    """Validated list of frame indices (all frames when None)."""
    if indices is None:
        return None
    out = [int(i) for i in indices]
    bad = [i for i in out if not 0 <= i < num_frames]
    if bad:
        raise IndexError(f'{path}: frame indices {bad} outside [0, '
                         f'{num_frames - 1}]')
    return out


def decode_stored(ds, path, num_frames, indices=None, as_list=False):
    """Stored integer values of frames, before any value mapping.

    Args:
        ds (pydicom.Dataset): A dataset that passed
            :func:`check_image_dataset` (pixel data may be deferred: it is
            then memory-mapped when uncompressed).
        path (str): For error messages.
        num_frames (int): T as returned by :func:`check_image_dataset`.
        indices (Sequence[int], optional): Frames to decode (repeats
            allowed); all when None.
        as_list (bool): Return a list of N (H, W) frames instead of one
            array: uncompressed frames are then read-only views into the
            memory map (nothing is copied or read until used).

    Returns:
        tuple[np.ndarray | list[np.ndarray], bool]: integer (N, H, W) array
        (a read-only view for uncompressed data) or list of frames, and
        whether it still needs :func:`_mask_unused_bits` (uncompressed
        data) - the arguments of :func:`stored_to_values`.
    """
    indices = _frame_indices(indices, num_frames, path)
    full = (num_frames, int(ds.Rows), int(ds.Columns))
    decoder = _get_decoder(ds, path)
    if indices == []:
        bits = int(ds.BitsAllocated)
        kind = 'i' if int(ds.PixelRepresentation) else 'u'
        empty = np.empty((0, ) + full[1:], f'{kind}{max(bits, 8) // 8}')
        return ([] if as_list else empty), decoder.is_native
    try:
        if decoder.is_native:
            arr = _little_endian_view(ds, full)
            if arr is None:  # pydicom handles every other native layout
                arr, _ = decoder.as_array(
                    ds, view_only=True, correct_unused_bits=False)
            arr = arr.reshape(full)
            if as_list:
                return [arr[i] for i in (indices if indices is not None
                                         else range(num_frames))], True
            return (arr if indices is None else arr[indices]), True
        if not getattr(ds, '_mmdsa_frames_checked', False):
            from .bounded import check_frame_codestreams
            check_frame_codestreams(ds, path, num_frames)
            ds._mmdsa_frames_checked = True   # once per opened file
        if indices is not None:
            unique = sorted(set(indices))
            decoded = dict(zip(unique, (arr for arr, _ in decoder.iter_array(
                ds, indices=unique))))
            _check_frame_shape(decoded[unique[0]], full, path)
            frames = [decoded[i] for i in indices]
            return (frames if as_list else np.stack(frames)), False
        arrs = []
        for count, (arr, _) in enumerate(decoder.iter_array(ds), 1):
            if count > num_frames:
                raise DSAReadError(
                    path, 'the pixel data holds more frames than '
                    f'NumberOfFrames ({num_frames})')
            if count == 1:
                _check_frame_shape(arr, full, path)
                check_allocation(path, full)
            arrs.append(arr)
        if len(arrs) < num_frames:
            raise DSAReadError(
                path, f'the pixel data holds {len(arrs)} frame(s) but '
                f'NumberOfFrames is {num_frames} (truncated file?)')
        return (arrs if as_list else np.stack(arrs)), False
    except DSAReadError:
        raise
    except Exception as exc:  # decoders raise many types on corrupt data
        raise DSAReadError(
            path, f'cannot decode the pixel data '
            f'({UID(ds.file_meta.TransferSyntaxUID).name}): truncated or '
            f'corrupt pixel data? {type(exc).__name__}: {exc}') from exc


def _check_frame_shape(arr, full, path):
    if arr.shape != full[1:]:
        raise DSAReadError(
            path, f'a decoded frame is {arr.shape[0]} x {arr.shape[1]} '
            f'pixels, the header says Rows x Columns = {full[1]} x {full[2]}')


def stored_to_values(arr, ds, path, masked, out=None):
    """Stored integers -> float32 values, element by element.

    Through the Modality LUT (or slope * value + intercept), MONOCHROME1
    inverted as ``low + high - value`` over the representable range. Each
    element is mapped on its own, so any subset (or a table of every
    possible stored value) gives the same values.

    Args:
        arr (np.ndarray): Stored integers of any shape.
        ds (pydicom.Dataset): The header.
        path (str): For error messages.
        masked (bool): Whether to ignore the bits above BitsStored first
            (uncompressed data; decoders do it themselves).
        out (np.ndarray, optional): float32 array of ``arr``'s shape.

    Returns:
        np.ndarray: ``out`` (or a new float32 array).
    """
    if out is None:
        out = np.empty(arr.shape, dtype=np.float32)
    if masked:
        arr = _mask_unused_bits(arr, ds)
    lut = ds.get('ModalityLUTSequence')
    out[...] = apply_modality_lut(arr, ds) if lut else arr
    invert = str(ds.PhotometricInterpretation).strip() == 'MONOCHROME1'
    low, high = stored_range(ds)
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


def value_table(ds, path, dtype, masked):
    """float32 value of every bit pattern of an 8- or 16-bit integer dtype.

    ``table[frame.view(unsigned)]`` equals :func:`stored_to_values` of
    ``frame`` (``frame`` of ``dtype``, ``masked`` as returned by
    :func:`decode_stored`) element by element, to the last bit: both run
    the same code, and masking the bits above BitsStored is the identity on
    representable values, so masking every pattern matches masking only
    frames that need it.

    Args:
        ds (pydicom.Dataset): The header.
        path (str): For error messages.
        dtype (np.dtype): Integer dtype of the stored frames.
        masked (bool): As for :func:`stored_to_values`.

    Returns:
        np.ndarray | None: float32 (256,) or (65536,) indexed by the
        unsigned bit pattern; None for other dtypes (wider, non-integer or
        non-native byte order).
    """
    dtype = np.dtype(dtype)
    if dtype.kind not in 'iu' or dtype.itemsize > 2 or not dtype.isnative:
        return None
    codes = np.arange(1 << (8 * dtype.itemsize),
                      dtype=f'u{dtype.itemsize}').view(dtype)
    return stored_to_values(codes, ds, path, masked)


def decode_frames(ds, path, out=None, num_frames=None, indices=None):
    """Decode the frames of ``ds`` into float32, rescaled and inverted.

    Every frame is computed the same way whether it is decoded alone or with
    the whole series, so ``decode_frames(ds, p, indices=[i])[0]`` equals
    ``decode_frames(ds, p)[i]`` to the last bit.

    Args:
        ds (pydicom.Dataset): A dataset that passed
            :func:`check_image_dataset` (pixel data may be deferred: it is
            then memory-mapped when uncompressed).
        path (str): For error messages.
        out (np.ndarray, optional): float32 (N, H, W) array to fill.
        num_frames (int, optional): T as returned by
            :func:`check_image_dataset` when the caller already ran it.
        indices (Sequence[int], optional): Frames to decode (N of them, in
            this order, repeats allowed); all T frames when None.

    Returns:
        np.ndarray: ``out`` (or a new array), float32 (N, H, W): see
        :func:`stored_to_values`.
    """
    if num_frames is None:
        num_frames = check_image_dataset(ds, path, modalities='any')
    n = num_frames if indices is None else len(indices)
    shape = (n, int(ds.Rows), int(ds.Columns))
    if out is None:
        check_allocation(path, shape)
        out = np.empty(shape, dtype=np.float32)
    elif out.shape != shape or out.dtype != np.float32:
        raise ValueError(f'decode_frames: expected out of float32 {shape}, '
                         f'got {out.dtype} {out.shape}')
    arr, masked = decode_stored(ds, path, num_frames, indices)
    return stored_to_values(arr, ds, path, masked, out=out)


def inverted_window_center(ds, center, path):
    """Window centre mirrored the way MONOCHROME1 frames are inverted."""
    if center is None:
        return None
    low, high = stored_range(ds)
    slope, intercept = rescale(ds, path)
    return slope * (low + high) + 2 * intercept - center


def series_meta(ds, path, num_frames):
    """``dicom_meta`` plus the MONOCHROME1 inversion of the window centre."""
    meta = dicom_meta(ds, path, num_frames)
    meta['padding_range'] = padding_range(ds, path)
    meta['inverted'] = meta['photometric_interpretation'] == 'MONOCHROME1'
    if meta['inverted']:
        meta['window_center'] = inverted_window_center(
            ds, meta['window_center'], path)
    return meta
