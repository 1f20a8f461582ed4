"""Paired t-test across seeds (one value per model and seed)."""
import math
from typing import Dict, Sequence

import numpy as np
from scipy.stats import t as t_dist


def paired_seed_test(values_a: Sequence[float],
                     values_b: Sequence[float]) -> Dict[str, float]:
    """Two-sided paired t-test of per-seed values (e.g. the seeds' AUCs).

    Each seed is one independent replicate (its own data and training);
    the test asks whether the mean per-seed difference ``a - b`` is 0:
    ``t = mean(d) / (sd(d) / sqrt(k))`` with k - 1 degrees of freedom;
    matches ``scipy.stats.ttest_rel``. It ignores the within-seed
    uncertainty, which the per-seed tests combined by Stouffer's method
    use; both are reported.

    Args:
        values_a (sequence of float): (k,) per-seed values of model A.
        values_b (sequence of float): (k,) per-seed values of model B, in
            the same seed order. Seeds where either is NaN are dropped.

    Returns:
        dict: ``t``, ``p``, ``df`` (k - 1) and ``mean_diff``; ``t`` and
        ``p`` NaN with fewer than 2 seeds; with all differences equal, t is
        +-inf and p 0 (or NaN and NaN when they are all 0).

    Raises:
        ValueError: The two sequences differ in length.
    """
    a = np.asarray(values_a, dtype=np.float64).reshape(-1)
    b = np.asarray(values_b, dtype=np.float64).reshape(-1)
    if a.shape != b.shape:
        raise ValueError(f'paired_seed_test: expected as many values for A '
                         f'as for B, got {a.size} and {b.size}')
    keep = ~(np.isnan(a) | np.isnan(b))
    d = a[keep] - b[keep]
    k = int(d.size)
    mean = float(d.mean()) if k else math.nan
    if k < 2:
        return dict(t=math.nan, p=math.nan, df=max(k - 1, 0), mean_diff=mean)
    sd = float(d.std(ddof=1))
    if sd == 0:
        if mean == 0:
            return dict(t=math.nan, p=math.nan, df=k - 1, mean_diff=mean)
        return dict(t=math.copysign(math.inf, mean), p=0.0, df=k - 1,
                    mean_diff=mean)
    t = mean / (sd / math.sqrt(k))
    p = float(2 * t_dist.sf(abs(t), k - 1))
    return dict(t=float(t), p=p, df=k - 1, mean_diff=mean)
