"""Decode the frames of one DICOM file into a float32 (T, H, W) array.

Pixel data goes through pydicom's pixel-data decoders (uncompressed, RLE,
and - with pylibjpeg / Pillow / GDCM / pyjpegls installed - the JPEG
family). The stored values are converted to float32 once, directly into the
output array, and the Modality LUT or rescale slope/intercept and the
MONOCHROME1 inversion are then applied in place. The file was read and
checked by :mod:`.dicom` first.
"""
import math

import numpy as np
from pydicom.dataelem import RawDataElement
from pydicom.pixels import apply_modality_lut, get_decoder
from pydicom.uid import (UID, DeflatedExplicitVRLittleEndian,
                         ExplicitVRLittleEndian, ImplicitVRLittleEndian)

from .dicom import (check_allocation, check_image_dataset,
                    decoder_install_hint, stored_range)
from .dicom_meta import dicom_meta, lookup
from .errors import DSAReadError


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
