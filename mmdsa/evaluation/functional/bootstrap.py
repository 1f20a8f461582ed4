"""Percentile bootstrap confidence intervals for binary metrics.

Why not ``scipy.stats.bootstrap``: with ``method='percentile'``,
``paired=True`` and ``rng=np.random.default_rng(seed)`` it draws the same
indices and gives the same interval whenever every resample is valid (the
tests use it as the oracle), but it cannot skip invalid resamples: an
exception raised by the metric aborts it, and a NaN returned instead turns
the interval into NaN (with a ``DegenerateDataWarning``). Skipping would
leave only the index draw to scipy, whose seeding keyword also changed
within the supported range (``random_state`` up to 1.14, ``rng`` from 1.15).
"""
from typing import Callable, Tuple

import numpy as np

from ._validation import check_binary_inputs


def bootstrap_ci(metric_fn: Callable,
                 y_true,
                 y_score,
                 n: int = 1000,
                 alpha: float = 0.05,
                 seed: int = 0) -> Tuple[float, float]:
    """Percentile bootstrap confidence interval of ``metric_fn``.

    Draws ``n`` resamples of the N samples with replacement
    (``np.random.default_rng(seed).integers(0, N, size=(n, N))``), evaluates
    ``metric_fn(y_true[idx], y_score[idx])`` on each and returns the
    ``alpha / 2`` and ``1 - alpha / 2`` quantiles (linear interpolation).
    Resamples on which the metric raises ``ValueError`` (e.g. one class only
    for AUC) are skipped.

    Args:
        metric_fn (Callable): ``f(y_true, y_score) -> float``.
        y_true (array-like): (N,) binary labels.
        y_score (array-like): (N,) finite scores.
        n (int): Number of resamples.
        alpha (float): 1 - confidence level, in (0, 1).
        seed (int): Seed of the resampling.

    Returns:
        tuple[float, float]: (lower, upper).

    Raises:
        ValueError: Bad inputs, or fewer than half of the resamples valid.
    """
    y_true, y_score = check_binary_inputs(y_true, y_score, 'bootstrap_ci',
                                          need_both=False)
    if not (isinstance(n, (int, np.integer)) and n > 0):
        raise ValueError(f'bootstrap_ci: expected a positive int n, got {n}')
    if not 0.0 < alpha < 1.0:
        raise ValueError(f'bootstrap_ci: expected alpha in (0, 1), got '
                         f'{alpha}')
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, y_true.shape[0], size=(n, y_true.shape[0]))
    values = []
    for row in idx:
        try:
            values.append(float(metric_fn(y_true[row], y_score[row])))
        except ValueError:
            continue
    if len(values) < n / 2:
        raise ValueError(f'bootstrap_ci: only {len(values)} of {n} '
                         'resamples gave a valid metric (too few samples of '
                         'one class?)')
    low, high = np.quantile(np.asarray(values), [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)
