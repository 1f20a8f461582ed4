"""Evaluate a claims ledger on per-seed model tables.

Per claim and seed (every seed has its own data, training and test set):

- AUC orderings: DeLong's test on the units both models share;
- every other metric: a paired bootstrap over the units (series or
  PA+LAT pairs), the same draw for both models;
- subgroup claims (one model's units split by ``site``): a bootstrap over
  the units (unpaired), with each subgroup's Wilson interval per seed;
- 'no difference' claims: a one-way ANOVA over the models' per-seed
  values (as the paper's ANOVA over runs; it needs >= 2 seeds) and an
  equivalence test (TOST within ``margin``) of every pair of models on the
  seeds' inverse-variance pooled DeLong differences (the largest pairwise
  p: all pairs must be equivalent).

The seeds' signed z are combined by Stouffer's method (``p``), and a
paired t-test across the seeds' values (``p_seeds``) is reported beside
it. Holm's correction runs over every tested claim of the ledger
(``p_holm``), and :func:`mmdsa.evaluation.functional.claim_verdict` gives
the verdict. A claim whose models are missing from the tables is ``'not
run'`` (the study part that trains them has not run) and is left out of
the Holm family, as is a claim that is not testable here, and a claim
whose metric is undefined on every seed (e.g. a subgroup without
positives: ``'not testable here'`` with that reason).
"""
import itertools
import math
from typing import Dict, Mapping, Sequence

import numpy as np
from scipy.stats import binomtest

from ..functional import (claim_verdict, delong_test, direction_holds,
                          holm_adjust, one_way_anova, paired_bootstrap_test,
                          paired_seed_test, stouffer, tost_normal,
                          z_from_two_sided_p)
from .claim import Claim, check_ledger
from .units import Table, common_units, rows_of, unit_metric

NOT_RUN = 'not run'
NOT_TESTABLE = 'not testable here'
UNDEFINED = ('the metric is undefined on every seed\'s test units (e.g. a '
             'subgroup without positives)')


def _nanmean(values) -> float:
    """Mean of the defined values; NaN (without a warning) when none."""
    vals = [v for v in values if v is not None and not math.isnan(v)]
    return float(np.mean(vals)) if vals else math.nan


def _labels_scores(rows):
    return (np.array([r['label'] for r in rows]),
            np.array([r['score'] for r in rows]))


def _paired_seed(claim: Claim, tables: Mapping[str, Table], n_boot: int,
                 seed: int) -> dict:
    """a, b, signed z and two-sided p of one directional claim on one
    seed; NaN where undefined (e.g. one class)."""
    a_name, b_name = claim.models
    where = f'claim {claim.id!r}'
    if claim.subgroups is not None:
        return _subgroup_seed(claim, tables, n_boot, seed)
    keys = common_units([tables[a_name], tables[b_name]], where)
    ra, rb = rows_of(tables[a_name], keys), rows_of(tables[b_name], keys)
    a, b = unit_metric(ra, claim.metric), unit_metric(rb, claim.metric)
    out = dict(a=a, b=b, n_units=len(keys), z=math.nan, p=math.nan)
    if claim.metric == 'auc':
        y, sa = _labels_scores(ra)
        _, sb = _labels_scores(rb)
        try:
            res = delong_test(y, sa, sb)
        except ValueError:
            return dict(out, test='DeLong')
        return dict(out, z=res.z, p=res.p_value, test='DeLong')

    def diff(idx):
        return unit_metric([ra[i] for i in idx], claim.metric) - \
            unit_metric([rb[i] for i in idx], claim.metric)

    res = paired_bootstrap_test(diff, len(keys), n_boot, seed)
    return dict(out, p=res['p'], ci=[res['ci_low'], res['ci_high']],
                z=z_from_two_sided_p(res['p'], a - b, res['n_valid'])
                if not math.isnan(a - b) else math.nan,
                test=f'paired bootstrap over units ({n_boot})')


def _site_of(row, groups):
    return row.get('site') in groups


def _wilson(rows, key):
    pos = [r for r in rows if r['label'] == 1]
    if not pos or key != 'sens':
        return None
    k = int(sum(r['score'] >= r['threshold'] for r in pos))
    ci = binomtest(k, len(pos)).proportion_ci(method='wilson')
    return [k, len(pos), float(ci.low), float(ci.high)]


def _subgroup_seed(claim, tables, n_boot, seed):
    a_name, b_name = claim.models
    ga, gb = claim.subgroups
    keys = common_units([tables[a_name], tables[b_name]],
                        f'claim {claim.id!r}')
    ra, rb = rows_of(tables[a_name], keys), rows_of(tables[b_name], keys)

    def diff(idx):
        sa = [ra[i] for i in idx if _site_of(ra[i], ga)]
        sb = [rb[i] for i in idx if _site_of(rb[i], gb)]
        return unit_metric(sa, claim.metric) - unit_metric(sb, claim.metric)

    sa = [r for r in ra if _site_of(r, ga)]
    sb = [r for r in rb if _site_of(r, gb)]
    a, b = unit_metric(sa, claim.metric), unit_metric(sb, claim.metric)
    res = paired_bootstrap_test(diff, len(keys), n_boot, seed)
    return dict(a=a, b=b, n_units=len(keys), p=res['p'],
                z=z_from_two_sided_p(res['p'], a - b, res['n_valid'])
                if not math.isnan(a - b) else math.nan,
                ci=[res['ci_low'], res['ci_high']],
                intervals=dict(a=_wilson(sa, claim.metric),
                               b=_wilson(sb, claim.metric)),
                test=f'bootstrap over units ({n_boot}), subgroups')


def _no_difference(claim: Claim, per_seed: Sequence[Mapping[str, Table]]
                   ) -> dict:
    """ANOVA over the per-seed values and the pairwise TOST."""
    values = {m: [] for m in claim.models}
    pairs = {pr: [] for pr in itertools.combinations(claim.models, 2)}
    for tables in per_seed:
        keys = common_units([tables[m] for m in claim.models],
                            f'claim {claim.id!r}')
        for m in claim.models:
            values[m].append(unit_metric(rows_of(tables[m], keys),
                                         claim.metric))
        if claim.metric != 'auc':
            continue
        for ma, mb in pairs:
            y, sa = _labels_scores(rows_of(tables[ma], keys))
            _, sb = _labels_scores(rows_of(tables[mb], keys))
            try:
                res = delong_test(y, sa, sb)
            except ValueError:
                continue
            pairs[(ma, mb)].append((res.auc_a - res.auc_b, res.variance))
    groups = [[v for v in values[m] if not math.isnan(v)]
              for m in claim.models]
    try:
        anova = one_way_anova(groups)
    except ValueError as err:
        anova = dict(f=math.nan, p=math.nan, error=str(err))
    p_eq = math.nan
    if claim.metric == 'auc' and all(pairs.values()):
        p_eq = 0.0
        for tests in pairs.values():
            w = [1.0 / v if v > 0 else math.inf for _, v in tests]
            if math.isinf(sum(w)):
                d = float(np.mean([d for (d, v) in tests if v <= 0]))
                se = 0.0
            else:
                d = sum(wi * d for wi, (d, _) in zip(w, tests)) / sum(w)
                se = math.sqrt(1.0 / sum(w))
            p_eq = max(p_eq, tost_normal(d, se, claim.margin)['p'])
    means = {m: float(np.mean(g)) if g else math.nan
             for m, g in zip(claim.models, groups)}
    return dict(values=means, per_seed=values, p=anova['p'],
                anova=anova, p_equivalence=p_eq,
                test='one-way ANOVA over seeds; TOST (pooled DeLong) '
                f'within +-{claim.margin}')


def evaluate_ledger(claims: Sequence[Claim],
                    per_seed: Sequence[Mapping[str, Table]],
                    n_boot: int = 1000,
                    seed: int = 0,
                    alpha: float = 0.05) -> Dict[str, list]:
    """Test every claim of a ledger and give its verdict.

    Args:
        claims (sequence of Claim): the ledger.
        per_seed (sequence of dict): per seed, model name -> unit table
            (:mod:`.units`). A model missing from a seed's tables is not
            run on that seed.
        n_boot (int): bootstrap resamples per comparison and seed.
        seed (int): seed of the resampling.
        alpha (float): significance level of the verdicts.

    Returns:
        dict: ``{"claims": [...]}``, per claim ``id``, ``statement``,
        ``source``, ``models``, ``metric``, ``direction``, ``paper``, ``a``
        and ``b`` (means over seeds; for 'no difference' the per-model
        means are in ``values``), ``p`` (the seeds combined), ``p_holm``,
        ``verdict``, ``reason``, ``test``, ``z``, ``p_seeds`` (paired t
        across the seeds' values), ``per_seed`` and ``n_units`` (per seed).
    """
    check_ledger(claims)
    if not per_seed:
        raise ValueError('evaluate_ledger: expected the tables of at least '
                         'one seed, got none')
    out = []
    for claim in claims:
        rec = dict(id=claim.id, statement=claim.statement,
                   source=claim.source, models=list(claim.models),
                   metric=claim.metric, direction=claim.direction,
                   paper=dict(claim.paper), a=None, b=None, p=None,
                   p_holm=None, verdict=None, reason=claim.reason)
        if not claim.testable:
            rec['verdict'] = NOT_TESTABLE
            out.append(rec)
            continue
        seeds = [t for t in per_seed if all(m in t for m in claim.models)]
        if not seeds:
            missing = sorted({m for t in per_seed for m in claim.models
                              if m not in t})
            rec.update(verdict=NOT_RUN,
                       reason=f'models not run yet: {missing}')
            out.append(rec)
            continue
        if claim.direction == 'no difference':
            res = _no_difference(claim, seeds)
            rec.update(values=res['values'], per_seed=res['per_seed'],
                       p=res['p'], anova=res['anova'],
                       p_equivalence=res['p_equivalence'], test=res['test'],
                       n_seeds=len(seeds), margin=claim.margin)
        else:
            tests = [_paired_seed(claim, t, n_boot, seed + i)
                     for i, t in enumerate(seeds)]
            comb = stouffer([t['z'] for t in tests])
            rec.update(
                a=_nanmean([t['a'] for t in tests]),
                b=_nanmean([t['b'] for t in tests]),
                z=comb['z'] if comb else math.nan,
                p=comb['p'] if comb else math.nan,
                p_seeds=paired_seed_test([t['a'] for t in tests],
                                         [t['b'] for t in tests])['p'],
                per_seed=tests, n_seeds=len(seeds), test=tests[0]['test'])
            if math.isnan(rec['a']) or math.isnan(rec['b']):
                rec.update(verdict=NOT_TESTABLE, reason=UNDEFINED, p=None,
                           a=None, b=None)
        out.append(rec)
    tested = [r for r in out if r['verdict'] is None]
    adj = holm_adjust([r['p'] if r['p'] is not None else math.nan
                       for r in tested]) if tested else []
    for r, p_holm in zip(tested, adj):
        r['p_holm'] = None if math.isnan(p_holm) else float(p_holm)
        r['verdict'] = claim_verdict(
            r['direction'], r['a'] if r['a'] is not None else math.nan,
            r['b'] if r['b'] is not None else math.nan, r['p_holm'], alpha,
            p_equivalence=r.get('p_equivalence'), statistic=r.get('z'))
        if r['direction'] != 'no difference':
            r['holds'] = direction_holds(r['direction'], r['a'], r['b'])
    return dict(claims=out)


def verdict_counts(ledger: Dict[str, list]) -> Dict[str, int]:
    """How many claims got each verdict (``'not run'`` included)."""
    counts: Dict[str, int] = {}
    for c in ledger['claims']:
        counts[c['verdict']] = counts.get(c['verdict'], 0) + 1
    return counts


def seed_tables_from_files(files: Mapping[str, str], loader) -> Dict[str,
                                                                     Table]:
    """Tables of one seed from prediction files: ``loader(name, path)``
    returns ``{model: table}`` (e.g. :func:`.units.detection_tables` on the
    loaded file)."""
    tables: Dict[str, Table] = {}
    for name, path in files.items():
        tables.update(loader(name, path))
    return tables
