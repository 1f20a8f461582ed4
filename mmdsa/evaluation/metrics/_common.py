"""Helpers shared by the series metrics: conversion and summaries."""
import math
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.logging import print_log

from mmdsa.structures.classes import OCCLUSION_LEVELS
from mmdsa.structures.pairing import pair_records
from mmdsa.structures.views import PAIR_VIEWS

from ..functional import (binary_roc_auc, confusion_matrix, matthews_corrcoef,
                          sensitivity_at_specificity, youden_operating_point)

THRESHOLD_KEYS = ('mcc', 'sens', 'spec', 'tn', 'fp', 'fn', 'tp')
RANKING_KEYS = ('auc', 'youden_thr', 'youden_sens', 'youden_spec', 'sens95')


def to_numpy(value, dtype=np.float64) -> np.ndarray:
    """Tensor / array / list / scalar -> numpy array on the CPU."""
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=dtype)


def as_dict(sample) -> dict:
    """A data sample (``BaseDataElement`` or dict) as a flat dict."""
    if isinstance(sample, dict):
        return sample
    if hasattr(sample, 'to_dict'):
        return sample.to_dict()
    raise TypeError('metric: expected data samples as dicts or '
                    f'BaseDataElement, got {type(sample).__name__}')


def require(sample: dict, key: str, where: str):
    """``sample[key]`` or a ValueError naming the key and what came."""
    if key not in sample:
        raise ValueError(f'{where}: expected data sample key {key!r}, got '
                         f'keys {sorted(sample)}')
    return sample[key]


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


def level_sensitivities(records: List[dict], threshold: float,
                        youden_thr: Optional[float] = None
                        ) -> Dict[str, float]:
    """Sensitivity per occlusion level of the positive series.

    A large external validation of the classifier found sensitivity 87.6 %
    for M1/M2 occlusions but 23.1 % for M3/M4 (anchors.md): the average
    hides the split, so it is reported per level.

    Args:
        records (list[dict]): series records with ``label``, ``score`` and
            optional ``occlusion_level`` (one of :data:`OCCLUSION_LEVELS`;
            other values are reported under their own name).
        threshold (float): positive = ``score >= threshold``.
        youden_thr (float, optional): also report the sensitivity at this
            threshold (the subset's Youden operating point).

    Returns:
        dict: for every level present among the positives,
        ``level/<L>/num_pos``, ``level/<L>/sens`` (at ``threshold``) and,
        given ``youden_thr``, ``level/<L>/youden_sens``; empty when no
        positive series carries a level.
    """
    by_level: Dict[str, List[float]] = {}
    for r in records:
        level = r.get('occlusion_level')
        if int(r['label']) == 1 and level is not None:
            by_level.setdefault(str(level), []).append(float(r['score']))
    order = [lv for lv in OCCLUSION_LEVELS if lv in by_level] + sorted(
        lv for lv in by_level if lv not in OCCLUSION_LEVELS)
    out: Dict[str, float] = {}
    for level in order:
        scores = np.asarray(by_level[level])
        out[f'level/{level}/num_pos'] = int(scores.size)
        out[f'level/{level}/sens'] = float((scores >= threshold).mean())
        if youden_thr is not None and not math.isnan(youden_thr):
            out[f'level/{level}/youden_sens'] = float(
                (scores >= youden_thr).mean())
    return out


def _with_levels(out: Dict[str, float], records: List[dict],
                 threshold: float, levels: bool) -> Dict[str, float]:
    if levels:
        out.update(level_sensitivities(records, threshold,
                                       out.get('youden_thr')))
    return out


def view_and_pair_summaries(records: List[dict], threshold: float,
                            where: str, views: bool, pairs: bool,
                            levels: bool = False) -> Dict[str, float]:
    """Overall metrics (plain keys) plus ``pa/...``, ``lat/...`` and
    ``pair/...`` keys when the records carry PA / LAT views; with
    ``levels`` each of these also gets :func:`level_sensitivities`
    (``level/<L>/sens``, ``pa/level/<L>/sens``, ...)."""
    labels = [r['label'] for r in records]
    scores = [r['score'] for r in records]
    out = _with_levels(binary_summary(labels, scores, threshold, where),
                       records, threshold, levels)
    present = {r.get('view') for r in records}
    if views:
        for view in PAIR_VIEWS:
            sub = [r for r in records if r.get('view') == view]
            if sub and len(present) > 1:
                res = _with_levels(
                    binary_summary([r['label'] for r in sub],
                                   [r['score'] for r in sub], threshold,
                                   f'{where} ({view})'), sub, threshold,
                    levels)
                out.update({f'{view.lower()}/{k}': v for k, v in res.items()})
    if pairs and set(PAIR_VIEWS) <= present:
        paired = pair_records(records, where, incomplete='skip')
        if paired:
            res = _with_levels(
                binary_summary([r['label'] for r in paired],
                               [r['score'] for r in paired], threshold,
                               f'{where} (PA+LAT pairs)'), paired,
                threshold, levels)
            out.update({f'pair/{k}': v for k, v in res.items()})
    return out


def build_post_processor(cfg: Optional[object]):
    """Build a series post-processor from a config dict (``TASK_UTILS``);
    a callable, None or ``'model'`` (apply the model's, see
    ``_series_grouping.resolve_post_processor``) is returned as it is."""
    if cfg == 'model':
        return cfg
    from mmdsa.models.post_processing import build_series_post_processor
    return build_series_post_processor(cfg)
