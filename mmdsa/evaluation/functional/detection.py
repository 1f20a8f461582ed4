"""Detection matching and precision / recall summaries (binary, one class).

Detections are matched to reference boxes frame by frame
(:func:`match_detections`); the resulting per-detection true-positive flags,
their scores and the number of reference boxes feed the summaries below.
Recall is always relative to ``num_gt`` (all reference boxes, so missed
boxes lower it), precision relative to the detections kept.
"""
from typing import Tuple

import numpy as np

from mmdsa.structures.bbox import box_iou, centre_in_matrix


def match_detections(pred_boxes,
                     pred_scores,
                     gt_boxes,
                     criterion: str = 'iou',
                     iou_thr: float = 0.5) -> Tuple[np.ndarray, np.ndarray]:
    """Greedy matching of the detections of one image to its references.

    Detections are visited by decreasing score (stable on ties); each takes
    the still unmatched reference it qualifies for with the highest IoU
    (smallest index on ties). Qualifying means ``IoU >= iou_thr``
    (``criterion='iou'``) or centre-in (``criterion='centre_in'``: the
    detection's centre lies in the reference box or vice versa).

    Args:
        pred_boxes (array-like): (n, 4) detections (x1, y1, x2, y2).
        pred_scores (array-like): (n,) detection scores.
        gt_boxes (array-like): (m, 4) reference boxes.
        criterion (str): 'iou' or 'centre_in'.
        iou_thr (float): IoU threshold for 'iou'.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``is_tp`` (n,) bool and
        ``matched_gt`` (n,) int64 (-1 when unmatched).
    """
    if criterion not in ('iou', 'centre_in'):
        raise ValueError("match_detections: expected criterion 'iou' or "
                         f"'centre_in', got {criterion!r}")
    pred = np.asarray(pred_boxes, dtype=np.float64).reshape(-1, 4)
    scores = np.asarray(pred_scores, dtype=np.float64).reshape(-1)
    gt = np.asarray(gt_boxes, dtype=np.float64).reshape(-1, 4)
    if scores.shape[0] != pred.shape[0]:
        raise ValueError(f'match_detections: expected {pred.shape[0]} '
                         f'scores (one per box), got {scores.shape[0]}')
    iou = box_iou(pred, gt)
    ok = iou >= iou_thr if criterion == 'iou' else centre_in_matrix(pred, gt)
    is_tp = np.zeros(pred.shape[0], dtype=bool)
    matched = np.full(pred.shape[0], -1, dtype=np.int64)
    taken = np.zeros(gt.shape[0], dtype=bool)
    for i in np.argsort(-scores, kind='mergesort'):
        cand = ok[i] & ~taken
        if not cand.any():
            continue
        j = int(np.argmax(np.where(cand, iou[i], -1.0)))
        taken[j] = True
        is_tp[i] = True
        matched[i] = j
    return is_tp, matched


def _check_det(is_tp, scores, num_gt, where):
    is_tp = np.asarray(is_tp).astype(bool).reshape(-1)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if is_tp.shape != scores.shape:
        raise ValueError(f'{where}: length mismatch: is_tp has '
                         f'{is_tp.shape[0]} entries, scores has '
                         f'{scores.shape[0]}')
    if not np.all(np.isfinite(scores)):
        raise ValueError(f'{where}: expected finite scores, got NaN or inf')
    n_tp = int(is_tp.sum())
    num_gt = n_tp if num_gt is None else int(num_gt)
    if num_gt <= 0:
        raise ValueError(f'{where}: expected at least one reference box '
                         f'(num_gt > 0), got {num_gt}')
    if num_gt < n_tp:
        raise ValueError(f'{where}: num_gt ({num_gt}) is smaller than the '
                         f'number of true positives ({n_tp})')
    return is_tp, scores, num_gt


def precision_recall_curve(is_tp, scores, num_gt=None):
    """Precision-recall curve of ranked detections.

    Same layout as ``sklearn.metrics.precision_recall_curve`` (recall
    decreasing, a final (recall 0, precision 1) point), with recall divided
    by ``num_gt`` instead of by the number of true positives.

    Args:
        is_tp (array-like): (n,) True where the detection is a TP.
        scores (array-like): (n,) detection scores.
        num_gt (int, optional): Number of reference boxes. Defaults to the
            number of TPs.

    Returns:
        tuple: ``precision`` (K+1,), ``recall`` (K+1,), ``thresholds`` (K,).
    """
    is_tp, scores, num_gt = _check_det(is_tp, scores, num_gt,
                                       'precision_recall_curve')
    if scores.shape[0] == 0:
        return np.array([1.0]), np.array([0.0]), np.zeros(0)
    order = np.argsort(scores, kind='mergesort')[::-1]
    s, t = scores[order], is_tp[order]
    last = np.r_[np.flatnonzero(np.diff(s)), s.shape[0] - 1]
    tps = np.cumsum(t)[last].astype(np.float64)
    dets = (last + 1).astype(np.float64)
    precision = tps / dets
    recall = tps / num_gt
    return (np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0],
            s[last][::-1])


def average_precision(is_tp, scores, num_gt=None) -> float:
    """Step-wise area under the PR curve, ``sum_k (R_k - R_{k-1}) P_k``.

    ``k`` runs over the distinct scores from the highest down (tied scores
    are one step) and ``R_0 = 0``: no (recall 0, precision 1) point and no
    interpolation, so a block of tied detections counts at its own
    precision. This is the AUPRC of ``SeriesDetectionMetric``.

    Equals ``sklearn.metrics.average_precision_score`` when ``num_gt`` is
    the number of TPs; with missed references it is scaled by
    ``#TP / num_gt``.
    """
    precision, recall, _ = precision_recall_curve(is_tp, scores, num_gt)
    return float(-np.sum(np.diff(recall) * precision[:-1]))


def precision_recall_at(is_tp, scores, num_gt,
                        score_thr: float = 0.0) -> Tuple[float, float]:
    """Precision and recall of the detections with ``score >= score_thr``.

    Precision = TP / kept detections (0 when none is kept); recall =
    TP / ``num_gt``.
    """
    is_tp, scores, num_gt = _check_det(is_tp, scores, num_gt,
                                       'precision_recall_at')
    kept = scores >= score_thr
    n_tp = float(np.sum(is_tp & kept))
    n_kept = float(np.sum(kept))
    return (n_tp / n_kept if n_kept else 0.0), n_tp / num_gt
