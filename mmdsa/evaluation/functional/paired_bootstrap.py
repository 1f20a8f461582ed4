"""Paired bootstrap test of a metric difference over resampling units."""
import math
from typing import Callable, Dict

import numpy as np


def paired_bootstrap_test(diff_fn: Callable[[np.ndarray], float],
                          n_units: int,
                          n: int = 1000,
                          seed: int = 0,
                          alpha: float = 0.05) -> Dict[str, float]:
    """Paired percentile bootstrap of a difference ``metric(A) - metric(B)``.

    The units (series, or PA+LAT pairs) are resampled with replacement,
    the same draw for both models (``np.random.default_rng(seed).integers(0,
    n_units, n_units)`` per resample), so the test keeps the pairing.
    Resamples where the difference is undefined (NaN, or ``ValueError``,
    e.g. one class only) are skipped.

    Args:
        diff_fn (Callable): ``f(idx) -> float``, the difference on the units
            ``idx`` ((n_units,) int array, with repeats); ``f(arange)`` is
            the observed difference.
        n_units (int): Number of units, >= 1.
        n (int): Number of resamples, >= 1.
        seed (int): Seed of the resampling.
        alpha (float): 1 - confidence level of the interval.

    Returns:
        dict: ``diff`` (observed), ``ci_low`` / ``ci_high`` (percentile
        interval), ``p`` (two-sided: twice the smaller share of resampled
        differences on either side of 0, capped at 1; NaN when no resample
        is valid) and ``n_valid``.

    Raises:
        ValueError: ``n_units`` or ``n`` below 1, ``alpha`` outside (0, 1).
    """
    if not (isinstance(n_units, (int, np.integer)) and n_units >= 1):
        raise ValueError('paired_bootstrap_test: expected n_units >= 1, got '
                         f'{n_units}')
    if not (isinstance(n, (int, np.integer)) and n >= 1):
        raise ValueError(f'paired_bootstrap_test: expected n >= 1, got {n}')
    if not 0.0 < alpha < 1.0:
        raise ValueError('paired_bootstrap_test: expected alpha in (0, 1), '
                         f'got {alpha}')

    def safe(idx):
        try:
            return float(diff_fn(idx))
        except ValueError:
            return math.nan

    diff = safe(np.arange(n_units))
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n):
        d = safe(rng.integers(0, n_units, n_units))
        if not math.isnan(d):
            values.append(d)
    if not values:
        return dict(diff=diff, ci_low=math.nan, ci_high=math.nan,
                    p=math.nan, n_valid=0)
    values = np.asarray(values)
    low, high = np.quantile(values, [alpha / 2, 1 - alpha / 2])
    p = min(1.0, 2 * min(np.mean(values <= 0), np.mean(values >= 0)))
    return dict(diff=float(diff), ci_low=float(low), ci_high=float(high),
                p=float(p), n_valid=int(values.size))
