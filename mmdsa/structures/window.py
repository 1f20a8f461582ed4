"""Temporal windows: the one clamping rule of the data pipeline
(``LoadDSAWindow``) and the whole-series inference (``predict_series``).

A window of ``num_frames`` (T, odd) frames is centred on the key frame;
frame ``j`` of the window is series frame ``key + stride * (j - T // 2)``
clamped to ``[0, N - 1]``. Near the series' ends the edge frame is repeated,
so the key frame always sits at ``T // 2`` (papers.md B: t-2..t+2 for T = 5
and stride 1).
"""
from typing import List

__all__ = ['window_indices']


def _positive_int(value, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f'window_indices: expected {name} to be a positive '
                         f'integer, got {value!r}')
    return value


def window_indices(key: int,
                   num_frames: int,
                   series_length: int,
                   stride: int = 1) -> List[int]:
    """Frame indices of the window around ``key`` (edge-clamped).

    Args:
        key (int): Key frame index in [0, series_length).
        num_frames (int): Window length T (odd).
        series_length (int): Frames N in the series.
        stride (int): Step between the window's frames. Defaults to 1.

    Returns:
        list[int]: T indices ``clamp(key + stride * (j - T // 2), 0, N - 1)``
        for ``j = 0 .. T - 1`` (non-decreasing).

    Raises:
        ValueError: ``key`` outside the series, or ``num_frames`` /
            ``stride`` / ``series_length`` not positive integers, or an even
            ``num_frames``.
    """
    _positive_int(num_frames, 'num_frames')
    _positive_int(stride, 'stride')
    _positive_int(series_length, 'series_length')
    if num_frames % 2 == 0:
        raise ValueError('window_indices: expected an odd num_frames so the '
                         f'key frame is centred, got {num_frames}')
    if not 0 <= key < series_length:
        raise ValueError(f'window_indices: expected key in [0, '
                         f'{series_length}), got {key}')
    half = num_frames // 2
    return [
        min(max(key + stride * (j - half), 0), series_length - 1)
        for j in range(num_frames)
    ]
