"""Cross-validation results: pooled out-of-fold predictions, the metrics of
a pooled set, mean +- std over seeds and DeLong tests between variants.

Used by ``tools/run_cross_validation.py`` (both tasks) and the reproduction
study. A detection prediction file (``SeriesDetectionMetric``) keeps every
series' per-frame detector boxes, so the pooled metrics re-apply the series
rule of the file (:func:`mmdsa.structures.series.score_series`) and the
max-score rule on the same detections.
"""
import math
from typing import Dict, List, Optional, Sequence

import numpy as np

from .functional import delong_test
from .metrics.binary_metrics import binary_summary
from .metrics._series_grouping import score_rows
from .metrics.detection_summary import detection_summary
from .metrics.prediction_files import (load_prediction_file,
                                       write_prediction_file)
from .metrics.series_detection_metric import MAX_SCORE_PREFIX


def pool_predictions(files: Sequence[str], out: Optional[str] = None,
                     model: str = 'pooled') -> dict:
    """Concatenate the out-of-fold prediction files of one run.

    Args:
        files (Sequence[str]): One prediction file per fold (disjoint
            series).
        out (str, optional): Write the pooled file here (atomically).
        model (str): ``model`` field of the pooled file.

    Returns:
        dict: The pooled prediction-file content (loaded form).

    Raises:
        ValueError: Files of different tasks or post-processors, or a series
            in two folds (naming the files).
    """
    if not files:
        raise ValueError('pool_predictions: expected at least one file')
    datas = [load_prediction_file(f) for f in files]
    for key in ('task', 'series_post_processor'):
        values = {repr(d.get(key)) for d in datas}
        if len(values) > 1:
            raise ValueError(f'pool_predictions: the files differ in {key} '
                             f'({sorted(values)}): {list(files)}')
    owner: Dict[str, str] = {}
    preds = []
    for path, data in zip(files, datas):
        for p in data['predictions']:
            sid = p['series_id']
            if sid in owner:
                raise ValueError(f'pool_predictions: series {sid!r} is in '
                                 f'{owner[sid]} and {path}')
            owner[p['series_id']] = path
            preds.append(p)
    preds.sort(key=lambda p: p['series_id'])
    pooled = dict(task=datas[0].get('task'), model=model, predictions=preds,
                  series_post_processor=datas[0].get('series_post_processor'),
                  inputs=list(files))
    if out:
        frames = all('frames' in p for p in preds)
        write_prediction_file(
            out, pooled['task'], model,
            [dict(p, frames=p['frames']) if frames else p for p in preds],
            extra=dict(series_post_processor=pooled['series_post_processor'],
                       inputs=list(files)), with_frames=frames)
    return pooled


def _scored_series(data: dict, post_processor) -> List[dict]:
    series = []
    for p in data['predictions']:
        rows = [dict(fr) for fr in p['frames']]
        score = score_rows(rows, post_processor)
        series.append(dict(p, frames=rows, score=score))
    return series


def prediction_metrics(data: dict, threshold: float = 0.5,
                       loc_score_thr='youden',
                       compare_max_score: bool = True) -> Dict[str, float]:
    """The metrics of a (pooled) prediction file.

    Detection files with ``frames``: :func:`detection_summary` under the
    file's ``series_post_processor`` (plus ``max_score/<key>`` for the
    max-score rule when a post-processor is set); otherwise (thrombus, or
    no frames) the series-level :func:`binary_summary` of the stored
    scores.
    """
    preds = data['predictions']
    if data.get('task') != 'perforation' or \
            not all('frames' in p for p in preds):
        return binary_summary([p['label'] for p in preds],
                              [p['score'] for p in preds], threshold,
                              'prediction_metrics')
    from mmdsa.structures.series import build_series_post_processor
    cfg = data.get('series_post_processor')
    if isinstance(cfg, str):
        raise ValueError('prediction_metrics: the file names its '
                         f'post-processor only as text ({cfg!r}); expected '
                         'a config dict or null')
    post = build_series_post_processor(cfg)
    out = detection_summary(_scored_series(data, post), threshold,
                            loc_score_thr, where='prediction_metrics')
    if post is not None and compare_max_score:
        plain = detection_summary(_scored_series(data, None), threshold,
                                  loc_score_thr, where='prediction_metrics')
        out.update({MAX_SCORE_PREFIX + k: v for k, v in plain.items()})
    return out


def series_scores(data: dict, rule: str = 'file') -> Dict[str, tuple]:
    """``series_id -> (label, score)`` of a prediction file; ``rule`` =
    'file' (its stored scores) or 'max_score' (re-scored by the maximum box
    score; detection files with frames only)."""
    if rule == 'file':
        return {p['series_id']: (p['label'], p['score'])
                for p in data['predictions']}
    if rule != 'max_score':
        raise ValueError("series_scores: expected rule 'file' or "
                         f"'max_score', got {rule!r}")
    return {s['series_id']: (s['label'], s['score'])
            for s in _scored_series(data, None)}


def mean_std(runs: Sequence[Dict[str, float]]) -> Dict[str, Dict]:
    """Per metric key: ``mean``, ``std`` (sample, ddof = 1; 0 for one run)
    and ``n`` over the runs (NaN values are left out)."""
    keys = sorted({k for r in runs for k, v in r.items()
                   if isinstance(v, (int, float)) and not isinstance(v, bool)})
    out = {}
    for k in keys:
        vals = np.array([float(r[k]) for r in runs if k in r
                         and not math.isnan(float(r[k]))])
        out[k] = dict(mean=float(vals.mean()) if vals.size else math.nan,
                      std=float(vals.std(ddof=1)) if vals.size > 1 else 0.0,
                      n=int(vals.size))
    return out


def delong_between(a: Dict[str, tuple], b: Dict[str, tuple],
                   where: str = 'delong_between') -> Dict[str, float]:
    """DeLong test of two scorings of the same series.

    Args:
        a, b (dict): ``series_id -> (label, score)`` (see
            :func:`series_scores`).

    Returns:
        dict: ``auc_a``, ``auc_b``, ``z``, ``p``.

    Raises:
        ValueError: The series or their labels differ.
    """
    if set(a) != set(b):
        only = sorted(set(a) ^ set(b))
        raise ValueError(f'{where}: the two sets hold different series, '
                         f'e.g. {only[:5]}')
    ids = sorted(a)
    labels = np.array([a[i][0] for i in ids])
    if any(a[i][0] != b[i][0] for i in ids):
        raise ValueError(f'{where}: labels differ between the two sets')
    res = delong_test(labels, [a[i][1] for i in ids], [b[i][1] for i in ids])
    return dict(auc_a=res.auc_a, auc_b=res.auc_b, z=res.z, p=res.p_value)


def combine_p_values(p_values: Sequence[float]) -> float:
    """The median of per-seed p-values (a summary, not a new test: with
    several seeds each pooled comparison is one DeLong test)."""
    vals = [p for p in p_values if not math.isnan(p)]
    return float(np.median(vals)) if vals else math.nan


# ---------------------------------------------------------------- bootstrap
def scored_series(data: dict, rule: str = 'file') -> List[dict]:
    """The scored series of a detection prediction file with ``frames``:
    ``rule='file'`` applies the file's ``series_post_processor``,
    ``'max_score'`` the maximum box score."""
    from mmdsa.structures.series import build_series_post_processor
    if rule not in ('file', 'max_score'):
        raise ValueError("scored_series: expected rule 'file' or "
                         f"'max_score', got {rule!r}")
    post = build_series_post_processor(data.get('series_post_processor')) \
        if rule == 'file' else None
    return _scored_series(data, post)


def series_tables(series: List[dict], iou_thr: float = 0.5,
                  loc_series: str = 'all') -> List[dict]:
    """Per series, what the metrics need: ``label``, ``score``, the top
    boxes' ``top_scores`` / ``tp_iou`` / ``tp_cin`` of its evaluated frames
    and its ``num_gt`` (see ``detection_summary``), so that resampled
    metrics need no box matching."""
    from .metrics.detection_summary import _top_boxes
    out = []
    for s in series:
        scores, tp_iou, tp_cin, num_gt = _top_boxes([s], loc_series, iou_thr)
        out.append(dict(label=int(s['label']), score=float(s['score']),
                        top_scores=scores, tp_iou=tp_iou, tp_cin=tp_cin,
                        num_gt=num_gt))
    return out


def table_metric(tables: List[dict], key: str,
                 loc_score_thr='youden') -> float:
    """One metric of :func:`series_tables` rows: ``auc``, ``sens95`` or a
    localisation key (``ap50``, ``ar50``, ``ap_cin``, ``ar_cin``,
    ``auprc``) as :func:`detection_summary` defines it."""
    from .functional import (average_precision, binary_roc_auc,
                             precision_recall_at, sensitivity_at_specificity,
                             youden_operating_point)
    labels = np.array([t['label'] for t in tables])
    scores = np.array([t['score'] for t in tables])
    if key in ('auc', 'sens95'):
        if len(set(labels.tolist())) < 2:
            return math.nan
        return binary_roc_auc(labels, scores) if key == 'auc' else \
            sensitivity_at_specificity(labels, scores, 0.95)
    num_gt = sum(t['num_gt'] for t in tables)
    if num_gt == 0:
        return math.nan
    top = np.concatenate([t['top_scores'] for t in tables])
    if key == 'auprc':
        tp = np.concatenate([t['tp_cin'] for t in tables])
        return average_precision(tp, top, num_gt) if top.size else 0.0
    flags = {'ap50': 'tp_iou', 'ar50': 'tp_iou', 'ap_cin': 'tp_cin',
             'ar_cin': 'tp_cin'}
    if key not in flags:
        raise ValueError(f'table_metric: unknown key {key!r}')
    if loc_score_thr == 'youden':
        if len(set(labels.tolist())) < 2:
            return math.nan
        thr = youden_operating_point(labels, scores)[0]
    else:
        thr = float(loc_score_thr)
    tp = np.concatenate([t[flags[key]] for t in tables]).astype(bool)
    precision, recall = precision_recall_at(tp, top, num_gt, thr)
    return precision if key.startswith('ap') else recall


def paired_bootstrap(tables_a: List[dict], tables_b: List[dict], key: str,
                     n: int = 1000, seed: int = 0,
                     alpha: float = 0.05) -> Dict[str, float]:
    """Paired bootstrap of ``metric(A) - metric(B)`` over series.

    Both lists describe the same series in the same order (e.g. one model
    with and without SO). Series are resampled with replacement, the same
    draw for A and B; resamples where either metric is undefined are
    skipped.

    Returns:
        dict: ``diff`` (on all series), ``ci_low`` / ``ci_high`` (percentile
        interval), ``p`` (two-sided: twice the smaller share of resampled
        differences on either side of 0, at most 1) and ``n_valid``.

    Raises:
        ValueError: The lists differ in length or labels.
    """
    if len(tables_a) != len(tables_b) or any(
            a['label'] != b['label'] for a, b in zip(tables_a, tables_b)):
        raise ValueError('paired_bootstrap: expected the same series in '
                         'the same order in A and B')
    from .functional import paired_bootstrap_test

    def diff(idx):
        return table_metric([tables_a[i] for i in idx], key) - \
            table_metric([tables_b[i] for i in idx], key)

    return paired_bootstrap_test(diff, len(tables_a), n, seed, alpha)


def bootstrap_metric_ci(tables: List[dict], key: str, n: int = 1000,
                        seed: int = 0, alpha: float = 0.05) -> tuple:
    """Percentile bootstrap interval of one :func:`table_metric` over
    series (resampled with replacement; undefined resamples skipped).

    Returns:
        tuple[float, float]: ``(low, high)``; NaN when no resample is
        defined.
    """
    rng = np.random.default_rng(seed)
    m = len(tables)
    values = []
    for _ in range(n):
        idx = rng.integers(0, m, m)
        v = table_metric([tables[i] for i in idx], key)
        if not math.isnan(v):
            values.append(v)
    if not values:
        return math.nan, math.nan
    low, high = np.quantile(np.asarray(values), [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)
