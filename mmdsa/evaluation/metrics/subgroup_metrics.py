"""Binary metrics per subgroup: per occlusion level, per view, per PA+LAT
pair (:func:`view_and_pair_summaries`)."""
import math
from typing import Dict, List, Optional

import numpy as np

from mmdsa.structures.classes import OCCLUSION_LEVELS
from mmdsa.structures.pairing import pair_records
from mmdsa.structures.views import PAIR_VIEWS

from .binary_metrics import binary_summary


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
