"""Series-level binary metrics of labels and scores (:func:`binary_summary`).

Shared by both series metrics, the ensembles and cross-validation.
"""
import math
from typing import Dict, Sequence

import numpy as np
from mmengine.logging import print_log

from ..functional import (binary_roc_auc, confusion_matrix, matthews_corrcoef,
                          sensitivity_at_specificity, youden_operating_point)

# the keys that need both classes (NaN when the labels hold one class)
RANKING_KEYS = ('auc', 'youden_thr', 'youden_sens', 'youden_spec', 'sens95')


def binary_summary(labels: Sequence,
                   scores: Sequence,
                   threshold: float,
                   where: str,
                   specificity: float = 0.95) -> Dict[str, float]:
    """Series-level binary metrics.

    Keys: ``auc``, ``mcc``, ``sens`` and ``spec`` (positives are
    ``score >= threshold``), ``youden_thr``, ``youden_sens``,
    ``youden_spec``, ``sens95`` (max sensitivity with specificity >= 95 %),
    and the confusion counts ``tn``, ``fp``, ``fn``, ``tp`` at
    ``threshold``. Ranking metrics need both classes: with one class only
    they are NaN and a warning is logged (so validation on a tiny split does
    not stop training).
    """
    labels = np.asarray(labels, dtype=np.int64)
    scores = np.asarray(scores, dtype=np.float64)
    pred = (scores >= threshold).astype(np.int64)
    (tn, fp), (fn, tp) = confusion_matrix(labels, pred)
    out = dict(
        mcc=matthews_corrcoef(labels, pred),
        sens=float(tp / (tp + fn)) if tp + fn else math.nan,
        spec=float(tn / (tn + fp)) if tn + fp else math.nan,
        tn=int(tn), fp=int(fp), fn=int(fn), tp=int(tp))
    if len(np.unique(labels)) < 2:
        print_log(
            f'{where}: labels hold one class only; AUC, Youden and sens95 '
            'are undefined (NaN)',
            logger='current',
            level=30)
        out.update({k: math.nan for k in RANKING_KEYS})
        return out
    thr, y_sens, y_spec = youden_operating_point(labels, scores)
    out.update(
        auc=binary_roc_auc(labels, scores),
        youden_thr=thr,
        youden_sens=y_sens,
        youden_spec=y_spec,
        sens95=sensitivity_at_specificity(labels, scores, specificity))
    return out
