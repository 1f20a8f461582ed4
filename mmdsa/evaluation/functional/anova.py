"""One-way analysis of variance for "the groups do not differ" claims."""
import math
from typing import Dict, Sequence

import numpy as np
from scipy.stats import f as f_dist


def one_way_anova(groups: Sequence[Sequence[float]]) -> Dict[str, float]:
    """One-way ANOVA F-test of k independent groups (equal means under H0).

    ``F = (SS_between / (k - 1)) / (SS_within / (N - k))``, p from the F
    distribution; matches ``scipy.stats.f_oneway``. Used over
    independent replicates (e.g. one AUC per model and seed, as the paper's
    ANOVA over folds and runs).

    Args:
        groups (sequence of sequences of float): k >= 2 groups of finite
            values, each with at least one value and N > k in all.

    Returns:
        dict: ``f``, ``p``, ``df_between`` (k - 1), ``df_within`` (N - k).
        When every group is constant, F is NaN (0 / 0) or inf (equal within,
        different between) and p NaN or 0 accordingly.

    Raises:
        ValueError: Fewer than two groups, an empty group, a non-finite
            value or no degree of freedom within groups.
    """
    arrays = [np.asarray(g, dtype=np.float64).reshape(-1) for g in groups]
    if len(arrays) < 2:
        raise ValueError('one_way_anova: expected at least 2 groups, got '
                         f'{len(arrays)}')
    for i, a in enumerate(arrays):
        if a.size == 0:
            raise ValueError(f'one_way_anova: group {i} is empty')
        if not np.all(np.isfinite(a)):
            raise ValueError(f'one_way_anova: group {i} holds NaN or inf: '
                             f'{a.tolist()[:5]}')
    k = len(arrays)
    n = sum(a.size for a in arrays)
    if n <= k:
        raise ValueError(f'one_way_anova: {n} values in {k} groups leave no '
                         'degree of freedom within groups (need more than '
                         'one value in some group)')
    grand = np.concatenate(arrays).mean()
    ss_between = sum(a.size * (a.mean() - grand) ** 2 for a in arrays)
    ss_within = sum(((a - a.mean()) ** 2).sum() for a in arrays)
    df_b, df_w = k - 1, n - k
    if ss_within == 0:
        f = math.nan if ss_between == 0 else math.inf
        p = math.nan if ss_between == 0 else 0.0
    else:
        f = (ss_between / df_b) / (ss_within / df_w)
        p = float(f_dist.sf(f, df_b, df_w))
    return dict(f=float(f), p=p, df_between=df_b, df_within=df_w)
