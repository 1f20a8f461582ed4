"""Logarithmic mask subtraction: raw (unsubtracted) run -> DSA."""
import numbers

import numpy as np


def log_subtract(frames, mask_index=0, max_value=4095.0, background=None,
                 gain=None):
    """Turn an unsubtracted X-ray run into DSA by log mask subtraction.

    For each frame ``I`` and the mask frame ``M`` (a frame before contrast
    arrives)::

        out = clip(background + gain * (log(I + 1) - log(M + 1)),
                   0, max_value)

    Convention of the output (the same as the synthetic data, see
    docs/contracts.md and ``mmdsa.synth``): float32 in ``[0, max_value]``
    (default 4095, a 12-bit range); anatomy that did not change since the
    mask cancels to a flat mid-grey ``background`` (default
    ``(max_value + 1) / 2`` = 2048, the synthetic data's background);
    contrast (iodine absorbs, so the MONOCHROME2 intensity drops) is darker
    than the background. With the default ``gain = background`` a pixel
    whose intensity fell to 1/e (37 %) of the mask's reaches 0. The mask
    frame itself becomes exactly ``background``. The ``+ 1`` keeps
    zero-valued pixels finite.

    The input should be intensities proportional to the detected dose
    (PixelIntensityRelationship 'LIN'); for data already stored on a log
    scale ('LOG') plain subtraction is the right operation instead.

    Args:
        frames (np.ndarray): (T, H, W) non-negative intensities
            (MONOCHROME2 semantics), any real dtype.
        mask_index (int): Index of the mask frame; negative counts from the
            end.
        max_value (float): Upper end of the output range (> 0).
        background (float, optional): Output value of unchanged pixels, in
            ``[0, max_value]``; ``(max_value + 1) / 2`` when None.
        gain (float, optional): Output units per unit of log-intensity
            ratio (> 0); ``background`` when None.

    Returns:
        np.ndarray: float32 (T, H, W) subtracted frames.

    Raises:
        ValueError: ``frames`` is not 3-D, empty, holds negative or
            non-finite values, or ``mask_index`` / ``max_value`` /
            ``background`` / ``gain`` is out of range.
        TypeError: ``mask_index`` is not an int.
    """
    frames = np.asarray(frames)
    if frames.ndim != 3 or frames.shape[0] == 0:
        raise ValueError('log_subtract: expected frames of shape (T, H, W) '
                         f'with T >= 1, got {frames.shape}')
    if frames.dtype.kind not in 'uif':
        raise TypeError('log_subtract: expected real-valued frames, got '
                        f'dtype {frames.dtype}')
    if isinstance(mask_index, bool) or not isinstance(mask_index,
                                                      numbers.Integral):
        raise TypeError('log_subtract: expected an int mask_index, got '
                        f'{type(mask_index).__name__} {mask_index!r}')
    num_frames = frames.shape[0]
    if not -num_frames <= mask_index < num_frames:
        raise ValueError(
            f'log_subtract: expected mask_index in [{-num_frames}, '
            f'{num_frames - 1}] for {num_frames} frames, got {mask_index}')
    if not (isinstance(max_value, numbers.Real) and max_value > 0):
        raise ValueError('log_subtract: expected max_value > 0, got '
                         f'{max_value!r}')
    background = (max_value + 1) / 2.0 if background is None else background
    if not (isinstance(background, numbers.Real)
            and 0 <= background <= max_value):
        raise ValueError(f'log_subtract: expected background in [0, '
                         f'{max_value}], got {background!r}')
    gain = background if gain is None else gain
    if not (isinstance(gain, numbers.Real) and gain > 0):
        raise ValueError(f'log_subtract: expected gain > 0, got {gain!r}')
    low = frames.min()
    if not np.isfinite(low) or not np.isfinite(frames.max()):
        raise ValueError('log_subtract: frames hold NaN or infinite values')
    if low < 0:
        raise ValueError(
            'log_subtract: expected non-negative intensities, got a minimum '
            f'of {low} (a rescale intercept made values negative?)')
    out = np.log1p(frames, dtype=np.float32)
    mask = out[mask_index].copy()
    out -= mask
    out *= np.float32(gain)
    out += np.float32(background)
    np.clip(out, 0.0, max_value, out=out)
    return out
