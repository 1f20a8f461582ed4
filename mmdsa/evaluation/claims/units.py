"""Per-unit tables of a model's test predictions, and metrics on them.

A *unit* is what a paired test resamples: a series (perforation) or a
PA+LAT pair (thrombus). A model's table maps unit id -> row:

- every row: ``label`` (0/1) and ``score`` (the series / pair probability);
- optional ``threshold``: the model's operating threshold, chosen on
  validation (for ``mcc`` and ``sens``); ``site``: a subgroup (e.g. the
  occlusion site);
- detection rows also hold ``top_scores``, ``tp_iou``, ``tp_cin`` and
  ``num_gt`` (:func:`mmdsa.evaluation.cross_validation.series_tables`), so
  resampled localisation metrics need no box matching.
"""
import math
from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np

from mmdsa.structures import PAIR_VIEW, PAIR_VIEWS
from mmdsa.structures.pairing import group_pairs, pair_label, pair_score
from ..cross_validation import scored_series, series_tables, table_metric
from ..functional import matthews_corrcoef, youden_operating_point

Table = Dict[str, dict]


def unit_metric(rows: Sequence[dict], key: str) -> float:
    """One metric of a list of unit rows (NaN when undefined).

    Args:
        rows (sequence of dict): unit rows (see the module doc).
        key (str): ``auc``, ``sens95``, ``youden_sens``, ``mcc`` / ``sens``
            (at the rows' ``threshold``) or a localisation key (``ap50``,
            ``ar50``, ``ap_cin``, ``ar_cin``, ``auprc``).

    Raises:
        ValueError: Unknown key, or ``mcc`` / ``sens`` without a
            ``threshold`` in the rows.
    """
    labels = np.array([r['label'] for r in rows], dtype=np.int64)
    scores = np.array([r['score'] for r in rows], dtype=np.float64)
    if key in ('mcc', 'sens'):
        if not rows:
            return math.nan
        if any('threshold' not in r for r in rows):
            raise ValueError(f'unit_metric: {key!r} needs each row\'s '
                             "operating 'threshold', got rows without it")
        pred = (scores >= np.array([r['threshold'] for r in rows])) \
            .astype(np.int64)
        if key == 'sens':
            pos = labels == 1
            return float(pred[pos].mean()) if pos.any() else math.nan
        return float(matthews_corrcoef(labels, pred))
    if key == 'youden_sens':
        if len(set(labels.tolist())) < 2:
            return math.nan
        return youden_operating_point(labels, scores)[1]
    return table_metric(list(rows), key)


def detection_tables(data: dict, name: str,
                     with_so: bool = True) -> Dict[str, Table]:
    """The tables of one detection prediction file (with ``frames``).

    Args:
        data (dict): a loaded prediction file of ``SeriesDetectionMetric``.
        name (str): the model's name.
        with_so (bool): also give ``name + '+SO'``, the file's series rule
            (the trajectory optimiser) on the same detections.

    Returns:
        dict: ``{name: table}`` scored by the maximum box score, and
        ``{name + '+SO': table}`` with the file's rule when asked.
    """
    out = {}
    rules = [(name, 'max_score')] + ([(name + '+SO', 'file')]
                                     if with_so else [])
    for model, rule in rules:
        series = scored_series(data, rule)
        rows = series_tables(series)
        out[model] = {str(s['series_id']): r for s, r in zip(series, rows)}
    return out


def pair_table(pa_records: Sequence[dict], lat_records: Sequence[dict],
               where: str, views: str = 'PA+LAT',
               threshold: Optional[float] = None) -> Table:
    """One network's pair-level table from its PA and LAT test records.

    Every row is a PA+LAT pair (:mod:`mmdsa.structures.pairing`): its label
    is the pair label; its score the PA score (``views='PA'``), the LAT
    score (``'LAT'``) or the pair score (``'PA+LAT'``), so that single
    views and the pair are compared on the same units. ``site`` is the
    pair's occlusion level (the first view's that is known).

    Args:
        pa_records (sequence of dict): prediction records of the PA model.
        lat_records (sequence of dict): prediction records of the LAT model.
        where (str): names the files in messages.
        views (str): ``'PA'``, ``'LAT'`` or ``'PA+LAT'``.
        threshold (float | None): the operating threshold of this score,
            chosen on validation.
    """
    if views not in PAIR_VIEWS + (PAIR_VIEW, ):
        raise ValueError(f'{where}: views: expected one of '
                         f'{PAIR_VIEWS + (PAIR_VIEW, )}, got {views!r}')
    recs = [dict(r, view='PA') for r in pa_records] + \
        [dict(r, view='LAT') for r in lat_records]
    out = {}
    for pid, pa, lat in group_pairs(recs, where):
        score = {'PA': pa['score'], 'LAT': lat['score'],
                 'PA+LAT': pair_score(pa['score'], lat['score'])}[views]
        row = dict(label=pair_label(pa['label'], lat['label']),
                   score=float(score),
                   site=pa.get('occlusion_level')
                   or lat.get('occlusion_level'))
        if threshold is not None:
            row['threshold'] = float(threshold)
        out[str(pid)] = row
    return out


def mean_table(tables: Sequence[Table], where: str,
               threshold: Optional[float] = None,
               method: str = 'mean') -> Table:
    """The equal-weight ensemble of several tables over their common units.

    Args:
        tables (sequence of Table): the members (same units and labels).
        where (str): names the ensemble in messages.
        threshold (float | None): the ensemble's operating threshold.
        method (str): ``'mean'`` (Mittmann et al.) or ``'median'`` (Su et
            al.'s median ensemble).

    Raises:
        ValueError: members with different units or labels.
    """
    if method not in ('mean', 'median'):
        raise ValueError(f"{where}: method: expected 'mean' or 'median', "
                         f'got {method!r}')
    keys = set(tables[0])
    for i, t in enumerate(tables[1:], 1):
        if set(t) != keys:
            raise ValueError(f'{where}: member {i} has other units than '
                             f'member 0 ({len(set(t) ^ keys)} differ)')
    fn = np.mean if method == 'mean' else np.median
    out = {}
    for k in sorted(keys):
        labels = {t[k]['label'] for t in tables}
        if len(labels) != 1:
            raise ValueError(f'{where}: unit {k!r}: the members disagree '
                             f'on its label ({sorted(labels)})')
        row = dict(label=labels.pop(),
                   score=float(fn([t[k]['score'] for t in tables])),
                   site=tables[0][k].get('site'))
        if threshold is not None:
            row['threshold'] = float(threshold)
        out[k] = row
    return out


def common_units(tables: Sequence[Table], where: str) -> List[str]:
    """The unit ids all tables share, sorted; refuses disagreeing labels.

    Raises:
        ValueError: no unit in common, or a unit labelled differently.
    """
    keys = sorted(set.intersection(*[set(t) for t in tables]))
    if not keys:
        raise ValueError(f'{where}: the models share no test unit')
    for k in keys:
        labels = {t[k]['label'] for t in tables}
        if len(labels) > 1:
            raise ValueError(f'{where}: unit {k!r} is labelled '
                             f'{sorted(labels)} by different models')
    return keys


def rows_of(table: Mapping[str, dict], keys: Sequence[str]) -> List[dict]:
    """The rows of ``keys`` in that order."""
    return [table[k] for k in keys]
