"""Operating points on the ROC curve: Youden's J and sensitivity at a fixed
specificity.

A sample is predicted positive when ``score >= threshold``; the candidate
thresholds are the distinct scores (plus ``inf`` = nothing positive).
"""
from typing import Tuple, Union

import numpy as np

from ._validation import check_binary_inputs
from .roc import binary_clf_counts


def _full_roc(y_true, y_score, where):
    check_binary_inputs(y_true, y_score, where)
    fps, tps, thr = binary_clf_counts(y_true, y_score, where)
    fpr = np.r_[0.0, fps] / fps[-1]
    tpr = np.r_[0.0, tps] / tps[-1]
    return fpr, tpr, np.r_[np.inf, thr]


def youden_operating_point(y_true, y_score) -> Tuple[float, float, float]:
    """Threshold maximising Youden's J = sensitivity + specificity - 1.

    Among the finite thresholds (distinct scores) the one with the largest J
    is returned; on ties the largest such threshold.

    Args:
        y_true (array-like): (N,) binary labels.
        y_score (array-like): (N,) finite scores.

    Returns:
        tuple[float, float, float]: ``(threshold, sensitivity,
        specificity)`` where positives are ``score >= threshold``.

    Raises:
        ValueError: Empty input, length mismatch, NaN scores or one class.
    """
    fpr, tpr, thr = _full_roc(y_true, y_score, 'youden_operating_point')
    j = tpr[1:] - fpr[1:]
    k = int(np.argmax(j)) + 1  # first = largest threshold on ties
    return float(thr[k]), float(tpr[k]), float(1.0 - fpr[k])


def sensitivity_at_specificity(y_true,
                               y_score,
                               specificity: float = 0.95,
                               return_threshold: bool = False
                               ) -> Union[float, Tuple[float, float]]:
    """Sensitivity at a required specificity (e.g. mSens95 of Su et al.).

    Defined as the maximum sensitivity over all thresholds (the distinct
    scores and ``inf``) whose specificity is ``>= specificity``; no
    interpolation between ROC points. ``inf`` (nothing positive, specificity
    1) always qualifies, so the result is 0 when no finite threshold does.

    Args:
        y_true (array-like): (N,) binary labels.
        y_score (array-like): (N,) finite scores.
        specificity (float): Required specificity in [0, 1].
        return_threshold (bool): Also return the threshold reaching it (the
            largest one when several reach the same sensitivity).

    Returns:
        float | tuple[float, float]: Sensitivity, or (sensitivity,
        threshold).

    Raises:
        ValueError: Bad inputs (see above) or specificity outside [0, 1].
    """
    if not 0.0 <= specificity <= 1.0:
        raise ValueError('sensitivity_at_specificity: expected specificity '
                         f'in [0, 1], got {specificity}')
    fpr, tpr, thr = _full_roc(y_true, y_score, 'sensitivity_at_specificity')
    ok = np.flatnonzero(1.0 - fpr >= specificity)
    sens = tpr[ok].max()
    k = ok[np.flatnonzero(tpr[ok] == sens)[0]]
    if return_threshold:
        return float(sens), float(thr[k])
    return float(sens)
