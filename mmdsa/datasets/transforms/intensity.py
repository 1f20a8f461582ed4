"""Intensity mappings from stored DSA values (float32) to uint8 frames."""
import hashlib
from collections import OrderedDict
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

INTENSITY_MODES = ('minmax', 'bits', 'window')


def intensity_range(frames: Optional[np.ndarray],
                    mode: str = 'minmax',
                    percentiles: Sequence[float] = (0.5, 99.5),
                    bits: Optional[int] = None,
                    window: Optional[Sequence[float]] = None,
                    where: str = 'intensity',
                    padding: Optional[Sequence[float]] = None
                    ) -> Tuple[float, float]:
    """The stored values ``(lo, hi)`` that become 0 and 255.

    Args:
        frames (np.ndarray, optional): (T, H, W) stored values of the whole
            series; only ``'minmax'`` reads them (may be None otherwise).
        mode, percentiles, bits, window, where: see :func:`to_uint8`.
        padding (tuple[float, float], optional): ``(low, high)`` values of
            padding pixels (Pixel Padding Value / Range Limit, mapped; the
            series meta's ``padding_range``): left out of the percentiles,
            so the window depends on the image only (PS3.3 C.7.5.1.1.2).

    Returns:
        tuple[float, float]: ``(lo, hi)``.
    """
    if mode == 'minmax':
        if frames is None:
            raise ValueError(f"{where}: intensity='minmax' needs the frames")
        values = np.asarray(frames, dtype=np.float32)
        if padding is not None:
            image = values[(values < padding[0]) | (values > padding[1])]
            values = image if image.size else values   # all padding: flat
        lo, hi = np.percentile(values, percentiles)
    elif mode == 'bits':
        if bits is None or not 1 <= int(bits) <= 32:
            raise ValueError(f"{where}: intensity='bits' needs the bit depth "
                             f'(1..32; BitsStored or bits=...), got {bits!r}')
        lo, hi = 0.0, float(2**int(bits) - 1)
    elif mode == 'window':
        if window is None or len(window) != 2 or window[1] is None \
                or window[0] is None or float(window[1]) <= 0:
            raise ValueError(f"{where}: intensity='window' needs a DICOM "
                             '(WindowCenter, WindowWidth > 0), got '
                             f'{window!r}')
        c, w = float(window[0]), float(window[1])
        lo, hi = c - w / 2, c + w / 2
    else:
        raise ValueError(f'{where}: expected intensity in {INTENSITY_MODES}'
                         f', got {mode!r}')
    return float(lo), float(hi)


def map_to_uint8(frames: np.ndarray,
                 lo: float,
                 hi: float,
                 overwrite: bool = False) -> np.ndarray:
    """Linear ``lo .. hi`` -> 0 .. 255, rounded and clipped.

    Element-wise, so mapping some frames gives the same values as mapping
    the whole series and taking those frames. ``hi <= lo`` (a flat series)
    maps everything to mid-grey 128.

    Args:
        frames (np.ndarray): (..., H, W) stored values.
        lo (float): Value mapped to 0.
        hi (float): Value mapped to 255.
        overwrite (bool): ``frames`` (float32) may be used as scratch space
            (saves allocating a float copy).

    Returns:
        np.ndarray: uint8 of the same shape.
    """
    frames = np.asarray(frames, dtype=np.float32)
    if hi <= lo:
        return np.full(frames.shape, 128, dtype=np.uint8)
    # float32 (x - lo) * (255 / (hi - lo)), rounded half to even and clipped
    # to 0..255 - as np.clip(np.rint(.), 0, 255) but in one OpenCV pass
    # (saturate_cast rounds half to even too; the negative side is clipped
    # first because convertScaleAbs takes the absolute value)
    scratch = overwrite and frames.dtype == np.float32 and \
        frames.flags.writeable and frames.flags.c_contiguous
    out = np.subtract(frames, lo, dtype=np.float32,
                      out=frames if scratch else None)
    out *= np.float32(255.0 / (hi - lo))
    np.maximum(out, 0, out=out)
    if out.size == 0:
        return out.astype(np.uint8)
    flat = out.reshape(1, -1) if out.ndim < 2 else out.reshape(
        -1, out.shape[-1])
    return cv2.convertScaleAbs(flat).reshape(out.shape)


#: OpenCV kernels verified per (dtype, valid range, SHA-1 of the uint8
#: table), LRU; small entries, so one per series of a large data set fits.
_KERNELS: OrderedDict = OrderedDict()
_KERNEL_CACHE_SIZE = 8192
#: Elements of the long row a kernel is verified on.
_FRAME_SIZE = 1 << 20


def _apply_kernel(frame: np.ndarray, out: np.ndarray, kernel) -> None:
    """Subtract the integer ``offset`` (saturating; 0: none), clamp to
    ``[low, high]`` (either may be None), then OpenCV's
    ``saturate_cast<uchar>(|x * alpha + beta|)``, into ``out``."""
    alpha, beta, low, high, offset = kernel
    src = frame
    if offset:
        src = cv2.subtract(src, offset)
    if low is not None:
        src = cv2.max(src, low, dst=src if src is not frame else None)
    if high is not None:
        src = cv2.min(src, high, dst=src if src is not frame else None)
    res = cv2.convertScaleAbs(src, out, alpha, beta)
    if res is not out:
        out[...] = res


def _kernel_matches(kernel, codes: np.ndarray, expected: np.ndarray) -> bool:
    """Whether the kernel gives ``expected`` for every code, both on one
    long row (OpenCV's vector loop; repeated to at least a 1024 x 1024
    frame's size) and on rows of one element (its scalar tail), so any
    frame layout gives the table's values."""
    reps = -(-_FRAME_SIZE // codes.size)
    row = np.empty((1, codes.size * reps), np.uint8)
    _apply_kernel(np.tile(codes, reps).reshape(1, -1), row, kernel)
    if not np.array_equal(row.reshape(reps, -1),
                          np.broadcast_to(expected, (reps, codes.size))):
        return False
    alpha, beta, low, high, offset = kernel
    info = np.iinfo(codes.dtype)
    clamped = np.clip(codes.astype(np.int64) - offset, info.min, info.max)
    if low is not None:
        clamped = np.maximum(clamped, low)
    if high is not None:
        clamped = np.minimum(clamped, high)
    pairs = np.empty((codes.size, 2), codes.dtype)
    pairs[:, 0] = clamped
    column = cv2.convertScaleAbs(pairs[:, :1], None, alpha, beta)
    return np.array_equal(column.reshape(-1), expected)


def _find_kernel(values: np.ndarray, table: np.ndarray, dtype: np.dtype,
                 valid: Tuple[int, int], lo: float, hi: float):
    """(kernel, check) reproducing ``table``: on every code of ``dtype``
    (check False), else on the ``valid`` codes only (check True: frames
    with other codes use the table); (None, False) when none does."""
    unsigned = np.dtype(f'u{dtype.itemsize}')
    codes = np.sort(np.arange(table.size, dtype=unsigned).view(dtype))
    expected = table[codes.view(unsigned)]
    low, high = valid
    v_low = float(values[np.array(low, dtype).view(unsigned)])
    v_high = float(values[np.array(high, dtype).view(unsigned)])
    # values = a * code + b on the valid codes (no Modality LUT)
    a = (v_high - v_low) / (high - low) if high > low else 0.0
    b = v_low - a * low
    candidates = []
    if hi <= lo:
        candidates.append((0.0, 128.0, 0))
    else:
        scale = float(np.float32(255.0 / (hi - lo)))
        if a == 1.0 and float(lo - b).is_integer():
            # values - lo = code - offset exactly: OpenCV then multiplies
            # by the same float32 scale as map_to_uint8
            candidates.append((scale, 0.0, int(lo - b)))
        beta = np.float32((b - lo) * scale)
        candidates += [(float(np.float32(a * scale)), float(v), 0) for v in (
            beta, np.nextafter(beta, np.float32(np.inf)),
            np.nextafter(beta, np.float32(-np.inf)))]
    for check, keep in ((False, slice(None)),
                        (True, (codes >= low) & (codes <= high))):
        dom, exp = codes[keep], expected[keep]
        if dom.size == 0:
            continue
        # codes below the first change / above the last one share the
        # table's end values: clamping them avoids |negative| in OpenCV
        change = np.flatnonzero(exp[1:] != exp[:-1])
        if change.size:
            clamps = (int(dom[change[0]]), int(dom[change[-1] + 1]))
        else:
            clamps = (int(dom[0]), int(dom[0]))
        for alpha, beta, offset in candidates:
            if offset:
                info = np.iinfo(dtype)
                shifted = np.clip(dom.astype(np.int64) - offset, info.min,
                                  info.max)
                kernels = [(alpha, beta, None, None, offset)]
                if shifted.min() < 0:
                    kernels.append((alpha, beta, 0, None, offset))
            else:
                kernels = [(alpha, beta, None, None, 0),
                           (alpha, beta, clamps[0], None, 0),
                           (alpha, beta, None, clamps[1], 0),
                           (alpha, beta) + clamps + (0, )]
            for kernel in kernels:
                if _kernel_matches(kernel, dom, exp):
                    return kernel, check
    return None, False


class StoredToUint8:
    """Map stored integer frames to uint8, a table lookup made fast.

    The result is ``map_to_uint8(values[frame], lo, hi)`` to the last grey
    value: a uint8 table over every stored integer is computed with
    :func:`map_to_uint8` itself. Applying it is a gather (slow in numpy), so
    an equivalent OpenCV kernel (an integer subtraction or a clamp, then
    ``convertScaleAbs``: two passes over 16-bit data instead of five over
    float32, plus a min / max check where the data may hold values above
    BitsStored) is searched and used only where it gives the table's value
    for every stored integer, checked once per table and process; otherwise
    the table is applied as it is.

    Args:
        values (np.ndarray): float32 value of every bit pattern of
            ``dtype`` (:attr:`mmdsa.fileio.source.StoredFrames.values`).
        dtype (np.dtype): 8- or 16-bit integer dtype of the frames.
        valid (tuple[int, int]): Representable stored range; with the
            kernel verified only there, frames holding other values use the
            table.
        lo (float): Value mapped to 0.
        hi (float): Value mapped to 255.
    """

    def __init__(self, values: np.ndarray, dtype, valid: Tuple[int, int],
                 lo: float, hi: float):
        self.dtype = np.dtype(dtype)
        self._unsigned = np.dtype(f'u{self.dtype.itemsize}')
        self.table = map_to_uint8(values, lo, hi)
        self.valid = (int(valid[0]), int(valid[1]))
        key = (self.dtype.str, self.valid,
               hashlib.sha1(self.table.data).digest())
        if key in _KERNELS:
            _KERNELS.move_to_end(key)
        else:
            _KERNELS[key] = _find_kernel(values, self.table, self.dtype,
                                         self.valid, lo, hi)
            while len(_KERNELS) > _KERNEL_CACHE_SIZE:
                _KERNELS.popitem(last=False)
        self.kernel, self.check = _KERNELS[key]

    def __call__(self, frame: np.ndarray,
                 out: Optional[np.ndarray] = None) -> np.ndarray:
        """uint8 (H, W) of one (H, W) frame of ``dtype``, into ``out``."""
        if frame.dtype != self.dtype:
            raise ValueError(f'StoredToUint8: expected {self.dtype} frames, '
                             f'got {frame.dtype}')
        if out is None:
            out = np.empty(frame.shape, np.uint8)
        use_kernel = self.kernel is not None and frame.size > 0
        if use_kernel and self.check:
            low, high = cv2.minMaxLoc(frame)[:2]
            use_kernel = self.valid[0] <= low and high <= self.valid[1]
        if use_kernel:
            _apply_kernel(frame, out, self.kernel)
        else:
            np.take(self.table, frame.view(self._unsigned), out=out)
        return out


def padding_mask(values: np.ndarray, padding) -> Optional[np.ndarray]:
    """Boolean mask of the padding pixels of float ``values``, or None
    (no padding range)."""
    if padding is None:
        return None
    return (values >= padding[0]) & (values <= padding[1])


def to_uint8(frames: np.ndarray,
             mode: str = 'minmax',
             percentiles: Sequence[float] = (0.5, 99.5),
             bits: Optional[int] = None,
             window: Optional[Sequence[float]] = None,
             where: str = 'intensity') -> np.ndarray:
    """Map a whole series to uint8 with one window for all frames.

    Args:
        frames (np.ndarray): (T, H, W) stored values.
        mode (str): ``'minmax'``: the ``percentiles`` (low, high) of the
            whole series become 0 and 255 (default; robust to outliers);
            ``'bits'``: ``x * 255 / (2**bits - 1)`` as the classification
            authors (12-bit data -> x 255/4095); ``'window'``: the DICOM
            window ``(center, width)`` (``window`` argument), linear
            ``center - width/2 .. center + width/2`` -> 0..255.
        percentiles (tuple[float]): for ``'minmax'``.
        bits (int, optional): for ``'bits'``.
        window (tuple[float], optional): ``(center, width)`` for
            ``'window'``.
        where (str): prefix of error messages (the file).

    Returns:
        np.ndarray: (T, H, W) uint8.
    """
    lo, hi = intensity_range(frames, mode, percentiles, bits, window, where)
    return map_to_uint8(frames, lo, hi)
