"""ROC curve and ROC-AUC for binary labels (numpy, scikit-learn compatible).
"""
from typing import Tuple

import numpy as np

from ._validation import check_binary_inputs


def binary_clf_counts(y_true, y_score, where: str = 'binary_clf_counts'
                      ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cumulative FP / TP counts at every distinct score threshold.

    Thresholds are the distinct scores in decreasing order; a sample is
    predicted positive when ``score >= threshold`` (so tied scores move
    together, as in scikit-learn).

    Returns:
        tuple: ``fps`` (K,), ``tps`` (K,), ``thresholds`` (K,).
    """
    y_true, y_score = check_binary_inputs(y_true, y_score, where,
                                          need_both=False)
    order = np.argsort(y_score, kind='mergesort')[::-1]
    y_score = y_score[order]
    y_true = y_true[order]
    distinct = np.flatnonzero(np.diff(y_score))
    last = np.r_[distinct, y_true.shape[0] - 1]
    tps = np.cumsum(y_true)[last].astype(np.float64)
    fps = (last + 1) - tps
    return fps, tps, y_score[last]


def roc_curve(y_true, y_score, drop_intermediate: bool = True
              ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Receiver operating characteristic curve.

    Same output as ``sklearn.metrics.roc_curve``: the first threshold is
    ``inf`` (nothing predicted positive) and, with ``drop_intermediate``,
    collinear points are dropped.

    Args:
        y_true (array-like): (N,) binary labels.
        y_score (array-like): (N,) finite scores, higher = more positive.
        drop_intermediate (bool): Drop points that lie on a straight segment.

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: ``fpr``, ``tpr``,
        ``thresholds`` (decreasing).

    Raises:
        ValueError: See :func:`check_binary_inputs`; both classes needed.
    """
    check_binary_inputs(y_true, y_score, 'roc_curve')
    fps, tps, thr = binary_clf_counts(y_true, y_score, 'roc_curve')
    if drop_intermediate and fps.shape[0] > 2:
        keep = np.flatnonzero(
            np.r_[True,
                  np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])
        fps, tps, thr = fps[keep], tps[keep], thr[keep]
    fps = np.r_[0.0, fps]
    tps = np.r_[0.0, tps]
    thr = np.r_[np.inf, thr]
    return fps / fps[-1], tps / tps[-1], thr


def binary_roc_auc(y_true, y_score) -> float:
    """Area under the ROC curve (trapezoidal; ties count one half).

    Equals ``sklearn.metrics.roc_auc_score`` for binary labels.

    Args:
        y_true (array-like): (N,) binary labels.
        y_score (array-like): (N,) finite scores.

    Returns:
        float: AUC in [0, 1].

    Raises:
        ValueError: Empty input, length mismatch, NaN scores or one class.
    """
    check_binary_inputs(y_true, y_score, 'binary_roc_auc')
    fps, tps, _ = binary_clf_counts(y_true, y_score, 'binary_roc_auc')
    fpr = np.r_[0.0, fps] / fps[-1]
    tpr = np.r_[0.0, tps] / tps[-1]
    return float(np.trapezoid(tpr, fpr))
