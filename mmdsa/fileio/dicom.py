"""Read one DICOM file and check that it is an image this reader decodes.

:func:`read_dicom_dataset` reads a file (deferring large elements when
asked), :func:`check_image_dataset` refuses what the reader does not
understand (non-image objects, other modalities, truncated or oversized
pixel data, short Modality LUTs) with a message naming the file and the
field. The frames themselves are decoded by :mod:`.dicom_pixels`.
"""
import math
import os
import struct

import numpy as np
import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.encaps import parse_fragments
from pydicom.errors import InvalidDicomError
from pydicom.uid import UID, DeflatedExplicitVRLittleEndian

from .dicom_meta import int_field
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


def stored_range(ds):
    """(lowest, highest) representable stored value."""
    bits = int(ds.BitsStored)
    if int(ds.PixelRepresentation) == 1:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1
