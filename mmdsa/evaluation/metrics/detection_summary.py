"""Series and localisation metrics of a perforation detector (Su et al.).

One function, :func:`detection_summary`, computes every number of the
paper's Table 1 from scored series; ``SeriesDetectionMetric`` (during
``test.py``) and the cross-validation tool (pooled out-of-fold predictions)
both call it. Definitions (``docs/metrics.md``):

- Series level (:func:`binary_summary`): AUC, Youden threshold /
  sensitivity / specificity, ``sens95``, MCC and counts at ``threshold``.
- Localisation at one operating point, ``loc_thr``: by default the
  series-level Youden threshold (Table 1's caption: "all these values are
  reported based on maximized Youden's J statistic"). In every evaluated
  frame the highest-scoring kept box counts if its score is ``>= loc_thr``;
  it is a true positive when it matches the frame's reference box (IoU >=
  ``iou_thr`` for AP50 / AR50, centre-in for AP_cin / AR_cin). AP = TP /
  counted boxes (0 when none), AR = TP / reference boxes.
- AUPRC (centre-in): the step-wise area under the precision-recall curve of
  the frames' top boxes ranked by score, ``sum_k (R_k - R_{k-1}) P_k`` over
  the distinct scores (tied scores are one step, as the optimiser's
  rescoring creates large blocks of ties), starting from recall 0 with no
  (recall 0, precision 1) point.
"""
import math
from typing import Dict, List, Union

import numpy as np
from mmengine.logging import print_log

from ..functional import (average_precision, match_detections,
                          precision_recall_at)
from .binary_metrics import binary_summary

LOC_KEYS = ('ap50', 'ar50', 'ap_cin', 'ar_cin', 'auprc', 'loc_thr')


def _top_boxes(series: List[dict], loc_series: str, iou_thr: float):
    """Score and TP flags (IoU, centre-in) of every evaluated frame's top
    box, and the number of reference boxes of the evaluated frames.

    Returns:
        tuple: ``scores`` (K,) float64, ``tp_iou`` (K,) bool, ``tp_cin``
        (K,) bool, ``num_gt`` (int).
    """
    scores, tp_iou, tp_cin, num_gt = [], [], [], 0
    for s in series:
        if loc_series == 'positive' and s['label'] != 1:
            continue
        for fr in s['frames']:
            gt = np.asarray(fr['gt_bboxes'], np.float64).reshape(-1, 4)
            num_gt += gt.shape[0]
            sc = np.asarray(fr['scores'], np.float64).reshape(-1)
            if sc.size == 0:
                continue
            top = int(np.argmax(sc))
            boxes = np.asarray(fr['bboxes'], np.float64).reshape(-1, 4)
            box = boxes[top:top + 1]
            scores.append(float(sc[top]))
            tp_iou.append(bool(match_detections(box, sc[top:top + 1], gt,
                                                'iou', iou_thr)[0][0]))
            tp_cin.append(bool(match_detections(box, sc[top:top + 1], gt,
                                                'centre_in')[0][0]))
    return (np.asarray(scores, np.float64), np.asarray(tp_iou, bool),
            np.asarray(tp_cin, bool), num_gt)


def localisation_summary(series: List[dict], loc_thr: float,
                         iou_thr: float = 0.5, loc_series: str = 'all',
                         where: str = 'localisation') -> Dict[str, float]:
    """AP / AR (IoU and centre-in) at ``loc_thr`` and AUPRC (centre-in).

    Args:
        series (list[dict]): Scored series (see the module docstring).
        loc_thr (float): Box score operating point (NaN: AP / AR are NaN).
        iou_thr (float): IoU for AP50 / AR50.
        loc_series (str): 'all' or 'positive'.
        where (str): Caller name used in warnings.

    Returns:
        dict: ``ap50``, ``ar50``, ``ap_cin``, ``ar_cin``, ``auprc`` and
        ``loc_thr``; all NaN when there is no reference box.
    """
    scores, tp_iou, tp_cin, num_gt = _top_boxes(series, loc_series, iou_thr)
    if num_gt == 0:
        print_log(f'{where}: no reference boxes; localisation metrics are '
                  'NaN', logger='current', level=30)
        return {k: math.nan for k in LOC_KEYS}
    out = dict(loc_thr=float(loc_thr))
    for flags, (ap_key, ar_key) in ((tp_iou, ('ap50', 'ar50')),
                                    (tp_cin, ('ap_cin', 'ar_cin'))):
        if math.isnan(loc_thr):
            out[ap_key] = out[ar_key] = math.nan
        else:
            out[ap_key], out[ar_key] = precision_recall_at(
                flags, scores, num_gt, loc_thr)
    out['auprc'] = average_precision(tp_cin, scores, num_gt) \
        if scores.size else 0.0
    return out


def detection_summary(series: List[dict],
                      threshold: float = 0.5,
                      loc_score_thr: Union[str, float] = 'youden',
                      iou_thr: float = 0.5,
                      loc_series: str = 'all',
                      where: str = 'detection_summary') -> Dict[str, float]:
    """Every series and localisation metric of scored series.

    Args:
        series (list[dict]): Scored series: ``label``, ``score`` and
            ``frames`` (kept ``bboxes`` / ``scores``, ``gt_bboxes``).
        threshold (float): Series decision threshold for MCC and counts.
        loc_score_thr (str | float): 'youden' (default: the series-level
            Youden threshold) or a fixed box score.
        iou_thr (float): IoU for AP50 / AR50.
        loc_series (str): 'all' or 'positive'.
        where (str): Caller name used in messages.

    Returns:
        dict: ``binary_summary`` keys plus :data:`LOC_KEYS`.
    """
    out = binary_summary([s['label'] for s in series],
                         [s['score'] for s in series], threshold, where)
    loc_thr = out['youden_thr'] if loc_score_thr == 'youden' \
        else float(loc_score_thr)
    out.update(localisation_summary(series, loc_thr, iou_thr, loc_series,
                                    where))
    return out


def check_loc_score_thr(value, where: str) -> Union[str, float]:
    """``'youden'`` or a finite float, else a ValueError naming ``where``."""
    if value == 'youden':
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) \
            and math.isfinite(value):
        return float(value)
    raise ValueError(f"{where}: expected loc_score_thr 'youden' or a finite "
                     f'number, got {value!r}')


__all__ = ['detection_summary', 'localisation_summary', 'check_loc_score_thr',
           'LOC_KEYS']
