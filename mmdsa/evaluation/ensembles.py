"""Ensembles of series predictions: fold ensembles, view pairs, and the
search for the best 2 PA + 2 LAT model combination (Mittmann et al.).

The paper's figures are fold ensembles: per view, the equal-weight mean of
the 5 fold models' probabilities on the test set; per PA+LAT pair, the mean
of the two views' ensemble probabilities (papers.md A). Records are the
prediction-file dicts of ``docs/contracts.md`` (``series_id``,
``pair_id``, ``view``, ``patient_id``, ``label``, ``score``, optional
``occlusion_level``).
"""
import itertools
import math
from collections import defaultdict
from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np

from mmdsa.structures.pairing import pair_records
from mmdsa.structures.views import PAIR_VIEW, PAIR_VIEWS

from .functional import delong_test
from .metrics.binary_metrics import binary_summary
from .metrics.subgroup_metrics import level_sensitivities

COMBINE = {'mean': np.mean, 'median': np.median}


def _check_method(method: str) -> None:
    if method not in COMBINE:
        raise ValueError(f'expected method in {sorted(COMBINE)}, got '
                         f'{method!r}')


def combine_series(files: Mapping[str, dict], method: str = 'mean'
                   ) -> List[dict]:
    """Per-series combination of several loaded prediction files.

    Files are grouped by the set of views they hold; the files of one group
    (folds or models of one view) must hold exactly the same series.

    Args:
        files (Mapping[str, dict]): name -> loaded prediction file
            (``load_prediction_file``).
        method (str): 'mean' or 'median'.

    Returns:
        list[dict]: combined series records sorted by ``series_id``.

    Raises:
        ValueError: series sets differing inside a view group, or labels
            differing between files.
    """
    _check_method(method)
    groups = defaultdict(list)
    for path, data in files.items():
        views = frozenset(str(p.get('view')) for p in data['predictions'])
        groups[views].append(path)
    for views, paths in groups.items():
        ref_ids = {p['series_id'] for p in files[paths[0]]['predictions']}
        for path in paths[1:]:
            ids = {p['series_id'] for p in files[path]['predictions']}
            if ids != ref_ids:
                raise ValueError(
                    f'series sets differ between {paths[0]} and {path} '
                    f'(views {sorted(views)}): missing in {path}: '
                    f'{sorted(ref_ids - ids)[:10]}; missing in {paths[0]}: '
                    f'{sorted(ids - ref_ids)[:10]}')
    by_id = defaultdict(list)
    for path, data in files.items():
        for p in data['predictions']:
            by_id[p['series_id']].append((path, p))
    out = []
    for sid in sorted(by_id):
        entries = by_id[sid]
        labels = {p['label'] for _, p in entries}
        if len(labels) > 1:
            raise ValueError(f'series {sid!r} has different labels in '
                             f'{[path for path, _ in entries]}')
        first = entries[0][1]
        out.append(
            dict(series_id=sid, pair_id=first.get('pair_id'),
                 view=first.get('view'), patient_id=first.get('patient_id'),
                 label=first['label'],
                 occlusion_level=first.get('occlusion_level'),
                 score=float(COMBINE[method](
                     [p['score'] for _, p in entries]))))
    return out


def combine_pairs(records: Sequence[dict], method: str = 'mean',
                  strict: bool = True, where: str = '--pair') -> List[dict]:
    """Combine the PA and LAT series of every ``pair_id``
    (:func:`mmdsa.structures.pairing.pair_records`, the one pairing rule).

    The pair's label is 1 if either view's is, its score the mean of the
    two views' scores (for two values the median is the same), its
    occlusion level the first known one.

    Args:
        records (Sequence[dict]): series records.
        method (str): 'mean' or 'median' (checked; equal for a pair).
        strict (bool): refuse series without ``pair_id`` and incomplete
            pairs; with False they are left out with a warning.
        where (str): named first in messages.

    Raises:
        ValueError: (strict) series without ``pair_id`` or pairs without
            exactly one PA and one LAT series; (always) a view present
            twice in a pair.
    """
    _check_method(method)
    return pair_records(records, where, 'raise' if strict else 'skip')


def summarise(records: Sequence[dict], threshold: float = 0.5,
              where: str = 'ensemble') -> Dict[str, float]:
    """``binary_summary`` of records plus their per-level sensitivities."""
    out = binary_summary([r['label'] for r in records],
                         [r['score'] for r in records], threshold, where)
    out.update(level_sensitivities(list(records), threshold,
                                   out.get('youden_thr')))
    return out


def _delong(records_a: Sequence[dict], records_b: Sequence[dict]
            ) -> Optional[dict]:
    """DeLong test of two record sets on their common series (same
    labels required); None with one class."""
    b = {r['series_id']: r for r in records_b}
    common = [r for r in records_a if r['series_id'] in b]
    labels = np.array([r['label'] for r in common])
    if len(set(labels.tolist())) < 2:
        return None
    if any(b[r['series_id']]['label'] != r['label'] for r in common):
        raise ValueError('DeLong: the two record sets disagree on labels')
    res = delong_test(labels, [r['score'] for r in common],
                      [b[r['series_id']]['score'] for r in common])
    return dict(auc_a=res.auc_a, auc_b=res.auc_b, z=res.z,
                p_value=res.p_value, num=len(common))


def _mean_std(values: Sequence[float]) -> Dict[str, float]:
    vals = [v for v in values if v is not None and not math.isnan(v)]
    if not vals:
        return dict(mean=math.nan, std=math.nan, n=0)
    return dict(mean=float(np.mean(vals)),
                std=float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0,
                n=len(vals))


def fold_ensemble_report(files: Mapping[str, dict], threshold: float = 0.5,
                         method: str = 'mean') -> dict:
    """The paper's figures from the fold models' test predictions.

    Per view present (``PA``, ``LAT``; series of another view are reported
    under their view name): every fold model's metrics, their mean and
    standard deviation, and the fold ensemble (``method`` of the fold
    models' probabilities per series) with DeLong against every fold
    model. When PA and LAT series of the same pairs are present: the same
    for PA+LAT pairs (the pair score of a fold model = mean of its two
    views when one file holds both views; the pair ensemble = mean of the
    two views' fold ensembles), with DeLong of the pair ensemble against
    each view's ensemble.

    Args:
        files (Mapping[str, dict]): fold name (e.g. a path) -> loaded
            prediction file; the files of one view hold the same series.
        threshold (float): decision threshold for MCC / sens / spec.
        method (str): 'mean' (the paper) or 'median'.

    Returns:
        dict: ``{'views': {view: {'folds': {name: metrics}, 'fold_mean':
        {key: {mean, std, n}}, 'ensemble': metrics, 'delong_vs_folds':
        {name: test}}}, 'pair': {...same..., 'delong_vs_views': {view:
        test}} or None, 'records': {view or 'PA+LAT': ensemble records}}``.
    """
    _check_method(method)
    if not files:
        raise ValueError('fold_ensemble_report: no prediction files')
    by_view: Dict[str, Dict[str, List[dict]]] = defaultdict(dict)
    for name, data in files.items():
        for p in data['predictions']:
            by_view[str(p.get('view'))].setdefault(name, []).append(p)
    report = dict(threshold=threshold, method=method, views={}, pair=None,
                  records={})
    keys = ('auc', 'mcc', 'sens', 'spec', 'youden_sens', 'youden_spec',
            'sens95')
    for view in sorted(by_view):
        folds = by_view[view]
        ens = combine_series({n: dict(predictions=r)
                              for n, r in folds.items()}, method)
        per_fold = {n: summarise(r, threshold, f'{view} {n}')
                    for n, r in folds.items()}
        report['views'][view] = dict(
            folds=per_fold,
            fold_mean={k: _mean_std([m[k] for m in per_fold.values()])
                       for k in keys},
            ensemble=summarise(ens, threshold, f'{view} fold ensemble'),
            delong_vs_folds={n: _delong(ens, r) for n, r in folds.items()})
        report['records'][view] = ens
    if set(PAIR_VIEWS) <= set(by_view):
        pa, lat = report['records']['PA'], report['records']['LAT']
        pairs = combine_pairs(pa + lat, 'mean', strict=False,
                              where='fold ensemble')
        if pairs:
            fold_pairs = {}
            for name in files:
                if name in by_view['PA'] and name in by_view['LAT']:
                    fold_pairs[name] = combine_pairs(
                        by_view['PA'][name] + by_view['LAT'][name], 'mean',
                        strict=False, where=str(name))
            per_fold = {n: summarise(r, threshold, f'pair {n}')
                        for n, r in fold_pairs.items()}

            def as_pair(records):
                pair_of = {}
                for r in records:
                    pair_of[r.get('pair_id')] = r
                return [dict(pair_of[p['pair_id']], series_id=p['pair_id'],
                             label=p['label']) for p in pairs
                        if p['pair_id'] in pair_of]

            report['pair'] = dict(
                folds=per_fold,
                fold_mean={k: _mean_std([m[k] for m in per_fold.values()])
                           for k in keys},
                ensemble=summarise(pairs, threshold, 'PA+LAT fold ensemble'),
                delong_vs_views={v: _delong(pairs, as_pair(
                    report['records'][v])) for v in PAIR_VIEWS})
            report['records']['PA+LAT'] = pairs
    return report


def pool_records(files: Mapping[str, dict], method: str = 'mean'
                 ) -> List[dict]:
    """Pool prediction files holding different (or overlapping) series,
    e.g. the out-of-fold validation predictions of the 5 fold models; a
    series in several files gets the ``method`` of its scores."""
    _check_method(method)
    by_id = defaultdict(list)
    for data in files.values():
        for p in data['predictions']:
            by_id[p['series_id']].append(p)
    out = []
    for sid in sorted(by_id):
        entries = by_id[sid]
        if len({p['label'] for p in entries}) > 1:
            raise ValueError(f'series {sid!r} has different labels')
        out.append(dict(entries[0], score=float(COMBINE[method](
            [p['score'] for p in entries]))))
    return out


def _pair_scores(pa_models: Sequence[Dict[str, dict]],
                 lat_models: Sequence[Dict[str, dict]]) -> List[dict]:
    """Pair records: mean of the PA models' and LAT models' probabilities
    (equal weight for each of the models), pairs every model predicts."""
    common = None
    for model in list(pa_models) + list(lat_models):
        ids = set(model)
        common = ids if common is None else common & ids
    out = []
    for pid in sorted(common or ()):
        rows = [m[pid] for m in list(pa_models) + list(lat_models)]
        out.append(dict(
            series_id=pid, pair_id=pid, view=PAIR_VIEW,
            patient_id=rows[0].get('patient_id'),
            label=max(r['label'] for r in rows),
            occlusion_level=next((r.get('occlusion_level') for r in rows
                                  if r.get('occlusion_level')), None),
            score=float(np.mean([r['score'] for r in rows]))))
    return out


def _by_pair(records: Sequence[dict], view: str,
             where: str) -> Dict[str, dict]:
    """``{pair_id: record}`` of one model's ``view`` series; a pair with
    that view twice is refused (the pairing rule,
    :mod:`mmdsa.structures.pairing`)."""
    out = {}
    for r in records:
        if r.get('view') == view and r.get('pair_id'):
            pid = str(r['pair_id'])
            if pid in out:
                raise ValueError(
                    f'{where}: pair_id={pid!r}: expected one {view} series, '
                    f"got {out[pid].get('series_id')!r} and "
                    f"{r.get('series_id')!r}")
            out[pid] = r
    return out


def search_combinations(variants: Mapping[str, dict], num_pa: int = 2,
                        num_lat: int = 2, select: str = 'mcc',
                        threshold: float = 0.5) -> dict:
    """Find the best ``num_pa`` PA + ``num_lat`` LAT model ensemble on the
    validation predictions and report it on the test set.

    Every combination of ``num_pa`` PA variants and ``num_lat`` LAT
    variants is scored on the validation pairs (equal-weight mean of the
    models' probabilities per pair); the best by ``select`` (ties: the
    other of MCC / AUC, then the names) is chosen without looking at the
    test set. The best single pair (1 PA + 1 LAT) is chosen the same way.
    Both are then evaluated on the test pairs and compared with DeLong.

    Args:
        variants (Mapping[str, dict]): name -> ``{'view': 'PA'|'LAT',
            'val': records, 'test': records}`` (e.g. the pooled out-of-fold
            validation predictions and the fold ensemble's test
            predictions of one trained variant).
        num_pa (int): PA models per ensemble (the paper: 2).
        num_lat (int): LAT models per ensemble (the paper: 2).
        select (str): 'mcc' (at ``threshold``) or 'auc'.
        threshold (float): decision threshold.

    Returns:
        dict: ``best`` and ``best_single_pair`` (``pa``, ``lat`` names,
        ``val`` and ``test`` metrics), ``delong`` (best vs best single pair
        on the test pairs), ``ranking`` (all combinations by validation
        score) and ``num_combinations``.

    Raises:
        ValueError: a bad view, too few variants of a view, or an unknown
            ``select``.
    """
    if select not in ('mcc', 'auc'):
        raise ValueError(f"select: expected 'mcc' or 'auc', got {select!r}")
    names = {'PA': [], 'LAT': []}
    for name, v in sorted(variants.items()):
        if v.get('view') not in names:
            raise ValueError(f'variant {name!r}: expected view PA or LAT, '
                             f'got {v.get("view")!r}')
        names[v['view']].append(name)
    for view, k in (('PA', num_pa), ('LAT', num_lat)):
        if len(names[view]) < max(k, 1):
            raise ValueError(f'expected at least {max(k, 1)} {view} '
                             f'variants, got {names[view]}')
    val = {n: _by_pair(v['val'], v['view'], f'{n} (val)')
           for n, v in variants.items()}
    test = {n: _by_pair(v['test'], v['view'], f'{n} (test)')
            for n, v in variants.items()}
    other = 'auc' if select == 'mcc' else 'mcc'

    def rank(combos):
        rows = []
        for pa, lat in combos:
            recs = _pair_scores([val[n] for n in pa], [val[n] for n in lat])
            m = binary_summary([r['label'] for r in recs],
                               [r['score'] for r in recs], threshold,
                               'combination search (validation)')
            rows.append(dict(pa=list(pa), lat=list(lat), val=dict(
                mcc=m['mcc'], auc=m['auc'], num_pairs=len(recs))))

        def key(row):
            a, b = row['val'][select], row['val'][other]
            return (-(a if not math.isnan(a) else -math.inf),
                    -(b if not math.isnan(b) else -math.inf),
                    row['pa'], row['lat'])
        return sorted(rows, key=key)

    def on_test(row):
        recs = _pair_scores([test[n] for n in row['pa']],
                            [test[n] for n in row['lat']])
        row = dict(row, test=summarise(recs, threshold,
                                       'combination search (test)'))
        row['test']['num_pairs'] = len(recs)
        return row, recs

    combos = list(itertools.product(
        itertools.combinations(names['PA'], num_pa),
        itertools.combinations(names['LAT'], num_lat)))
    ranking = rank(combos)
    singles = rank(itertools.product(
        itertools.combinations(names['PA'], 1),
        itertools.combinations(names['LAT'], 1)))
    best, best_recs = on_test(ranking[0])
    single, single_recs = on_test(singles[0])
    return dict(select=select, threshold=threshold,
                num_combinations=len(combos), best=best,
                best_single_pair=single,
                delong=_delong(best_recs, single_recs), ranking=ranking,
                records=dict(best=best_recs, best_single_pair=single_recs))
