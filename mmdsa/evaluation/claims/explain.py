"""Why a claim does not hold: the measurements behind its verdict.

For every claim that is ``'not reproduced'`` or ``'contradicted'``,
:func:`explain_claim` pools the seeds' differences (inverse-variance
weights; each seed's standard error from its own test: DeLong's z for
AUC, the bootstrap interval otherwise), gives the 95 % interval of the
difference, the smallest difference this study detects with 80 % power
(two-sided 5 %, before Holm's correction), the number of seeds whose
direction held and the paper's own difference, and reads them:

- the paper's difference lies inside the interval: the data are
  compatible with the claim; the study cannot tell an effect of that size
  from none (it is below the detectable difference), or it can and the
  seeds disagree;
- the interval lies wholly on the other side of the paper's difference:
  the effect is smaller on this benchmark than published (or reversed);
- 'no difference' claims: the ANOVA over the seeds and the largest spread
  between the models' means.
"""
import math
from typing import Dict, Optional

#: z for 95 % two-sided, and z(0.975) + z(0.8) for 80 % power
Z95 = 1.959964
Z_POWER80 = 1.959964 + 0.841621


def _seed_se(rec: Dict) -> Optional[float]:
    """Standard error of one seed's difference, from its own test."""
    d = rec.get('a', math.nan) - rec.get('b', math.nan)
    ci = rec.get('ci')
    if ci and all(c is not None and math.isfinite(c) for c in ci) and \
            ci[1] > ci[0]:
        return (ci[1] - ci[0]) / (2 * Z95)
    z = rec.get('z')
    if z is not None and math.isfinite(z) and z != 0 and math.isfinite(d):
        return abs(d / z)
    return None


def pooled_difference(per_seed) -> Optional[Dict]:
    """Inverse-variance pooled difference (a - b) of the seeds' tests.

    Args:
        per_seed (list[dict]): Per seed ``a``, ``b`` and ``z`` (and ``ci``
            for a bootstrap test), as :func:`.evaluate.evaluate_ledger`
            keeps them.

    Returns:
        dict | None: ``diff``, ``se``, ``ci`` [low, high], ``mde80`` (the
        difference detected with 80 % power), ``n_seeds``; None when no
        seed has a defined difference and standard error.
    """
    pairs = []
    for rec in per_seed or []:
        if not isinstance(rec, dict):
            continue
        d = rec.get('a', math.nan) - rec.get('b', math.nan)
        se = _seed_se(rec)
        if math.isfinite(d) and se is not None and se > 0:
            pairs.append((d, se))
    if not pairs:
        return None
    w = [1.0 / se**2 for _, se in pairs]
    diff = sum(wi * d for wi, (d, _) in zip(w, pairs)) / sum(w)
    se = math.sqrt(1.0 / sum(w))
    return dict(diff=diff, se=se, ci=[diff - Z95 * se, diff + Z95 * se],
                mde80=Z_POWER80 * se, n_seeds=len(pairs))


def paper_difference(claim: Dict) -> Optional[float]:
    """The paper's a - b of a directional claim (None when the paper
    gives no number for one of the two models)."""
    paper = claim.get('paper') or {}
    models = claim.get('models') or []
    if len(models) != 2:
        return None
    a, b = (paper.get(m) for m in models)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) - float(b)
    return None


def _num(v: float) -> str:
    return f'{v:+.3f}'


def explain_claim(claim: Dict) -> Dict:
    """The measurements that explain a claim's verdict, and a reading.

    Args:
        claim (dict): One entry of ``evaluate_ledger(...)['claims']``.

    Returns:
        dict: ``text`` (a paragraph) and ``figures`` (the numbers in it).
    """
    if claim.get('direction') == 'no difference':
        return _explain_no_difference(claim)
    a_name, b_name = claim['models']
    per = [s for s in claim.get('per_seed') or [] if isinstance(s, dict)]
    held = sum(1 for s in per if s.get('a') is not None and s.get('b')
               is not None and (s['a'] > s['b'] if claim['direction'] == '>'
                                else s['a'] >= s['b']))
    pooled = pooled_difference(per)
    paper = paper_difference(claim)
    figures = dict(pooled=pooled, paper_diff=paper, seeds_held=held,
                   n_seeds=len(per))
    metric = claim['metric']
    parts = [f'{metric} of {a_name} minus {b_name}']
    if pooled is None:
        parts = [f'The difference ({parts[0]}) has no defined standard '
                 f'error on any seed; the direction held on {held} of '
                 f'{len(per)} seeds.']
        return dict(text=' '.join(parts), figures=figures)
    lo, hi = pooled['ci']
    text = (f'Measured {parts[0]}: {_num(pooled["diff"])} (95 % interval '
            f'{_num(lo)} to {_num(hi)}, {pooled["n_seeds"]} seed(s) '
            f'pooled); the claimed direction held on {held} of {len(per)} '
            f'seeds. This study detects a difference of '
            f'{pooled["mde80"]:.3f} with 80 % power.')
    if paper is not None:
        text += f' The paper\'s difference: {_num(paper)}.'
        if lo <= paper <= hi:
            if abs(paper) < pooled['mde80']:
                text += (' It lies inside the interval and below the '
                         'detectable difference: the data are compatible '
                         'with the claim, and an effect of the published '
                         'size cannot be told from none at this size.')
            else:
                text += (' It lies inside the interval: the data are '
                         'compatible with the claim, but the seeds\' '
                         'differences fall short of it.')
        elif paper > hi:
            text += (f' The interval lies below it: on this benchmark the '
                     f'difference is smaller than published (at most '
                     f'{_num(hi)}).')
        else:
            text += (f' The interval lies above it (at least {_num(lo)}).')
    elif claim.get('verdict') == 'not reproduced' and \
            abs(pooled['diff']) < pooled['mde80']:
        text += (' The measured difference is below the detectable one: '
                 'the test cannot separate it from none.')
    if claim.get('verdict') == 'contradicted':
        text += (f' The opposite direction is significant after Holm\'s '
                 f'correction (p_holm {claim.get("p_holm"):.3g}).')
    return dict(text=text, figures=figures)


def _explain_no_difference(claim: Dict) -> Dict:
    values = claim.get('values') or {}
    finite = {m: v for m, v in values.items()
              if v is not None and math.isfinite(v)}
    anova = claim.get('anova') or {}
    figures = dict(values=finite, anova_p=anova.get('p'),
                   p_equivalence=claim.get('p_equivalence'))
    if not finite:
        return dict(text='No model has a defined value.', figures=figures)
    top = max(finite, key=finite.get)
    low = min(finite, key=finite.get)
    text = (f'Means over {claim.get("n_seeds", "?")} seed(s): ' +
            ', '.join(f'{m} {v:.3f}' for m, v in finite.items()) +
            f'; largest spread {finite[top] - finite[low]:.3f} ({top} vs '
            f'{low}); one-way ANOVA p {_p(anova.get("p"))}, equivalence '
            f'within +-{claim.get("margin", 0.05)} p '
            f'{_p(claim.get("p_equivalence"))}.')
    if claim.get('verdict') == 'contradicted':
        text += (' The models differ significantly after Holm\'s '
                 'correction: the necks are not interchangeable here.')
    return dict(text=text, figures=figures)


def _p(v) -> str:
    return '-' if v is None or (isinstance(v, float) and math.isnan(v)) \
        else f'{v:.3g}'
