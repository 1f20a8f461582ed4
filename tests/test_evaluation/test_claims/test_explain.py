"""mmdsa.evaluation.claims.explain: the measurements behind a verdict."""
import math

import numpy as np
import pytest

from mmdsa.evaluation.claims import explain_claim, pooled_difference
from mmdsa.evaluation.claims.explain import Z95, Z_POWER80


def _claim(per_seed, paper=None, verdict='not reproduced', direction='>'):
    return dict(id='c', models=['A', 'B'], metric='auc',
                direction=direction, paper=paper or {}, per_seed=per_seed,
                verdict=verdict, p_holm=0.01)


def test_pooled_difference_is_inverse_variance_weighted():
    # seed 1: DeLong (SE from z), seed 2: bootstrap (SE from its interval)
    per = [dict(a=0.80, b=0.75, z=2.0),
           dict(a=0.70, b=0.72, z=-1.0, ci=[-0.06, 0.02])]
    se1 = 0.05 / 2.0
    se2 = 0.08 / (2 * Z95)
    w1, w2 = 1 / se1**2, 1 / se2**2
    want = (w1 * 0.05 + w2 * -0.02) / (w1 + w2)
    got = pooled_difference(per)
    assert got['diff'] == pytest.approx(want)
    assert got['se'] == pytest.approx(math.sqrt(1 / (w1 + w2)))
    assert got['ci'][0] == pytest.approx(want - Z95 * got['se'])
    assert got['mde80'] == pytest.approx(Z_POWER80 * got['se'])
    assert got['n_seeds'] == 2
    # nothing defined: None (z = 0 without an interval, NaN values)
    assert pooled_difference([dict(a=0.5, b=0.5, z=0.0),
                              dict(a=math.nan, b=0.5, z=1.0)]) is None


def test_paper_effect_inside_the_interval_and_below_detection():
    per = [dict(a=0.80, b=0.81, z=-0.2), dict(a=0.79, b=0.795, z=-0.1)]
    out = explain_claim(_claim(per, paper=dict(A=0.90, B=0.89)))
    assert out['figures']['paper_diff'] == pytest.approx(0.01)
    assert out['figures']['seeds_held'] == 0
    assert 'cannot be told from none' in out['text']


def test_interval_below_the_paper_effect():
    # tight seeds around -0.02: the paper's +0.04 lies above the interval
    per = [dict(a=0.70, b=0.72, z=-4.0), dict(a=0.71, b=0.73, z=-4.0)]
    out = explain_claim(_claim(per, paper=dict(A=0.90, B=0.86),
                               verdict='contradicted'))
    assert out['figures']['pooled']['ci'][1] < 0.04
    assert 'smaller than published' in out['text']
    assert 'opposite direction is significant' in out['text']


def test_no_paper_numbers_and_no_difference_claims():
    per = [dict(a=0.70, b=0.71, z=-0.5)]
    out = explain_claim(_claim(per))
    assert out['figures']['paper_diff'] is None
    assert 'below the detectable one' in out['text']
    nd = dict(id='n', models=['A', 'B', 'C'], metric='auc',
              direction='no difference', values=dict(A=0.7, B=0.8, C=0.75),
              anova=dict(p=0.001), p_equivalence=0.4, n_seeds=3,
              margin=0.05, verdict='contradicted')
    out = explain_claim(nd)
    assert 'largest spread 0.100 (B vs A)' in out['text']
    assert 'not interchangeable' in out['text']
    assert out['figures']['anova_p'] == 0.001


def test_explains_a_real_evaluated_claim():
    from mmdsa.evaluation.claims import Claim, evaluate_ledger
    rng = np.random.default_rng(0)
    tables = []
    for seed in range(2):
        labels = rng.integers(0, 2, 80)
        t = {}
        for name, shift in (('A', 0.0), ('B', 0.4)):
            t[name] = {
                f's{i}': dict(label=int(y), score=float(
                    y * (1 + shift) + rng.normal(0, 1)))
                for i, y in enumerate(labels)}
        tables.append(t)
    claim = Claim(id='x', source='s', statement='A > B', models=('A', 'B'),
                  metric='auc', direction='>', paper=dict(A=0.9, B=0.8))
    rec = evaluate_ledger([claim], tables, n_boot=20)['claims'][0]
    out = explain_claim(rec)
    pooled = out['figures']['pooled']
    assert pooled['n_seeds'] == 2 and pooled['diff'] < 0
    assert out['figures']['paper_diff'] == pytest.approx(0.1)
    assert 'Measured auc of A minus B' in out['text']
