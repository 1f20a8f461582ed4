"""Intensity mappings from stored DSA values (float32) to uint8 frames."""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

INTENSITY_MODES = ('minmax', 'bits', 'window')


def intensity_range(frames: Optional[np.ndarray],
                    mode: str = 'minmax',
                    percentiles: Sequence[float] = (0.5, 99.5),
                    bits: Optional[int] = None,
                    window: Optional[Sequence[float]] = None,
                    where: str = 'intensity') -> Tuple[float, float]:
    """The stored values ``(lo, hi)`` that become 0 and 255.

    Args:
        frames (np.ndarray, optional): (T, H, W) stored values of the whole
            series; only ``'minmax'`` reads them (may be None otherwise).
        mode, percentiles, bits, window, where: see :func:`to_uint8`.

    Returns:
        tuple[float, float]: ``(lo, hi)``.
    """
    if mode == 'minmax':
        if frames is None:
            raise ValueError(f"{where}: intensity='minmax' needs the frames")
        lo, hi = np.percentile(np.asarray(frames, dtype=np.float32),
                               percentiles)
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
