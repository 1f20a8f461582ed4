"""DeLong's test for two correlated ROC-AUCs (DeLong et al., 1988).

Uses the structural components (placement values) of each score:
``V10[i] = mean_j psi(x_i, y_j)`` over negatives ``y_j`` for every positive
``x_i`` and ``V01[j] = mean_i psi(x_i, y_j)``, with ``psi = 1`` if
``x > y``, ``0.5`` if equal, else 0, computed from mid-ranks
(``scipy.stats.rankdata``, ties get their average rank) in ``O(N log N)``.
"""
import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

from ._validation import check_binary_inputs


@dataclass
class DeLongResult:
    """Result of :func:`delong_test`.

    Attributes:
        auc_a (float): AUC of score A.
        auc_b (float): AUC of score B.
        z (float): (auc_a - auc_b) / sqrt(var(auc_a - auc_b)).
        p_value (float): Two-sided p-value under the normal approximation.
        variance (float): Estimated variance of auc_a - auc_b.
    """
    auc_a: float
    auc_b: float
    z: float
    p_value: float
    variance: float


def placement_values(y_true: np.ndarray, y_score: np.ndarray):
    """DeLong placement values.

    Returns:
        tuple: ``auc`` (float), ``v10`` (m,) for positives, ``v01`` (n,) for
        negatives.
    """
    pos = y_score[y_true == 1]
    neg = y_score[y_true == 0]
    m, n = pos.shape[0], neg.shape[0]
    r_all = rankdata(np.r_[pos, neg])  # 1-based mid-ranks
    r_pos = rankdata(pos)
    r_neg = rankdata(neg)
    v10 = (r_all[:m] - r_pos) / n
    v01 = 1.0 - (r_all[m:] - r_neg) / m
    return float(v10.mean()), v10, v01


def delong_test(y_true, score_a, score_b) -> DeLongResult:
    """Compare the AUCs of two scores of the same samples.

    Args:
        y_true (array-like): (N,) binary labels.
        score_a (array-like): (N,) finite scores of model A.
        score_b (array-like): (N,) finite scores of model B.

    Returns:
        DeLongResult: both AUCs, z and the two-sided p-value. When the
        variance is 0 (e.g. identical rankings) z is 0 and p is 1 if the
        AUCs are equal, else z is +-inf and p is 0.

    Raises:
        ValueError: Empty input, length mismatch, NaN scores or one class.
    """
    y_a, a = check_binary_inputs(y_true, score_a, 'delong_test',
                                 score_name='score_a')
    _, b = check_binary_inputs(y_true, score_b, 'delong_test',
                               score_name='score_b')
    auc_a, v10_a, v01_a = placement_values(y_a, a)
    auc_b, v10_b, v01_b = placement_values(y_a, b)
    m, n = v10_a.shape[0], v01_a.shape[0]
    s10 = np.cov(np.vstack([v10_a, v10_b])) if m > 1 else np.zeros((2, 2))
    s01 = np.cov(np.vstack([v01_a, v01_b])) if n > 1 else np.zeros((2, 2))
    cov = s10 / m + s01 / n
    var = float(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    diff = auc_a - auc_b
    if var <= 1e-300:
        z = 0.0 if diff == 0 else math.copysign(math.inf, diff)
    else:
        z = diff / math.sqrt(var)
    p = math.erfc(abs(z) / math.sqrt(2.0))
    return DeLongResult(auc_a, auc_b, float(z), float(p), max(var, 0.0))
