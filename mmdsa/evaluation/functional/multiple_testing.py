"""Holm's step-down correction for a family of tests (Holm, 1979)."""
import math
from typing import Sequence

import numpy as np


def holm_adjust(p_values: Sequence[float]) -> np.ndarray:
    """Holm-adjusted p-values of one family of tests.

    With the m defined p-values sorted ascending, ``p_(1) <= ... <= p_(m)``,
    the adjusted value of the i-th is
    ``max_{j <= i} min(1, (m - j + 1) * p_(j))``; rejecting where the
    adjusted p is below alpha controls the family-wise error rate at alpha
    under any dependence. Matches ``statsmodels.stats.multitest.
    multipletests(p, method='holm')[1]``.

    Args:
        p_values (sequence of float): (m,) p-values in [0, 1]; NaN entries
            (tests that could not be run) are not part of the family and
            stay NaN.

    Returns:
        np.ndarray: (m,) adjusted p-values, in the input order.

    Raises:
        ValueError: A p-value outside [0, 1], or not a 1-D sequence.
    """
    p = np.asarray(p_values, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError('holm_adjust: expected a 1-D sequence of p-values, '
                         f'got shape {p.shape}')
    defined = ~np.isnan(p)
    bad = defined & ((p < 0) | (p > 1))
    if bad.any():
        raise ValueError('holm_adjust: expected p-values in [0, 1], got '
                         f'{p[bad][:5].tolist()}')
    out = np.full(p.shape, math.nan)
    idx = np.flatnonzero(defined)
    if idx.size == 0:
        return out
    order = idx[np.argsort(p[idx], kind='stable')]
    m = order.size
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    out[order] = np.maximum.accumulate(scaled)
    return out
