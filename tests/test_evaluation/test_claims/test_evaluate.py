"""The ledger evaluation on synthetic tables with known outcomes."""
import math

import numpy as np
import pytest

from mmdsa.evaluation.claims import (Claim, NOT_RUN, NOT_TESTABLE,
                                     evaluate_ledger, verdict_counts)
from mmdsa.evaluation.functional import holm_adjust

N = 200


def _table(labels, scores, threshold=0.5, sites=None):
    return {f'u{i}': dict(label=int(y), score=float(s), threshold=threshold,
                          site=None if sites is None else sites[i])
            for i, (y, s) in enumerate(zip(labels, scores))}


def _seed_tables(seed):
    rng = np.random.default_rng(seed)
    y = np.r_[np.ones(N // 2), np.zeros(N // 2)].astype(int)
    latent = rng.normal(size=N)

    def model(sep, noise, shift=0.0):
        z = sep * y + latent * 0.3 + rng.normal(0, noise, N) + shift
        return 1 / (1 + np.exp(-z))

    sites = np.array(['M1', 'M2', 'M3', 'M4+'])[rng.integers(0, 4, N)]
    distal = np.isin(sites, ['M3', 'M4+'])
    base = 1.2 * y + latent * 0.3 + rng.normal(0, 1, N)
    strong = 1 / (1 + np.exp(-(base + 2.5 * y)))
    weak = 1 / (1 + np.exp(-base))
    noisy1 = 1 / (1 + np.exp(-(base + rng.normal(0, 0.7, N))))
    noisy2 = 1 / (1 + np.exp(-(base + rng.normal(0, 0.7, N))))
    site_model = 1 / (1 + np.exp(-(base + 3 * y * ~distal - 1)))
    return {
        'strong': _table(y, strong), 'weak': _table(y, weak),
        'noisy1': _table(y, noisy1), 'noisy2': _table(y, noisy2),
        'twin1': _table(y, model(2.0, 1.0)),
        'twin2': _table(y, model(2.0, 1.0)),
        'twin3': _table(y, model(2.0, 1.0)),
        'sites': _table(y, site_model, sites=sites),
    }


def _ledger():
    return [
        Claim('auc-reproduced', 's', 'strong beats weak', ('strong', 'weak'),
              'auc', '>'),
        # two equally good models: one direction holds, neither is
        # significant (which one holds is fixed by the seeds)
        Claim('auc-consistent', 's', 'noisy1 beats noisy2',
              ('noisy1', 'noisy2'), 'auc', '>'),
        Claim('auc-not-reproduced', 's', 'noisy2 beats noisy1',
              ('noisy2', 'noisy1'), 'auc', '>'),
        Claim('auc-contradicted', 's', 'weak beats strong',
              ('weak', 'strong'), 'auc', '>'),
        Claim('mcc-reproduced', 's', 'strong has the higher MCC',
              ('strong', 'weak'), 'mcc', '>'),
        Claim('sens95-contradicted', 's', 'weak has the higher sens95',
              ('weak', 'strong'), 'sens95', '>='),
        Claim('twins-no-difference', 's', 'the twins do not differ',
              ('twin1', 'twin2', 'twin3'), 'auc', 'no difference',
              margin=0.1),
        Claim('site', 's', 'proximal sites are found more often',
              ('sites', 'sites'), 'sens', '>',
              subgroups=(('M1', 'M2'), ('M3', 'M4+'))),
        Claim('untestable', 's', 'needs ImageNet', ('x', 'y'), 'auc', '>',
              testable=False, reason='no ImageNet weights offline'),
        Claim('missing', 's', 'a model not trained yet',
              ('strong', 'absent'), 'auc', '>'),
    ]


@pytest.fixture(scope='module')
def result():
    per_seed = [_seed_tables(s) for s in range(3)]
    return evaluate_ledger(_ledger(), per_seed, n_boot=200, seed=0)


def _by_id(result):
    return {c['id']: c for c in result['claims']}


def test_every_verdict_is_reachable(result):
    got = {k: v['verdict'] for k, v in _by_id(result).items()}
    assert got == {
        'auc-reproduced': 'reproduced',
        'auc-consistent': 'consistent',
        'auc-not-reproduced': 'not reproduced',
        'auc-contradicted': 'contradicted',
        'mcc-reproduced': 'reproduced',
        'sens95-contradicted': 'contradicted',
        'twins-no-difference': 'reproduced',
        'site': 'reproduced',
        'untestable': NOT_TESTABLE,
        'missing': NOT_RUN,
    }
    counts = verdict_counts(result)
    assert counts['reproduced'] == 4 and counts[NOT_RUN] == 1


def test_output_fields_and_holm_over_the_tested_claims(result):
    claims = result['claims']
    keys = {'id', 'statement', 'source', 'models', 'metric', 'paper', 'a',
            'b', 'p', 'p_holm', 'verdict'}
    for c in claims:
        assert keys <= set(c)
    tested = [c for c in claims if c['verdict'] not in (NOT_RUN,
                                                        NOT_TESTABLE)]
    want = holm_adjust([c['p'] for c in tested])
    np.testing.assert_allclose([c['p_holm'] for c in tested], want)
    by = _by_id(result)
    assert by['untestable']['p_holm'] is None
    assert 'absent' in by['missing']['reason']
    assert by['untestable']['reason'] == 'no ImageNet weights offline'


def test_per_seed_and_seed_test(result):
    c = _by_id(result)['auc-reproduced']
    assert c['n_seeds'] == 3 and len(c['per_seed']) == 3
    assert c['test'] == 'DeLong'
    assert c['a'] == pytest.approx(np.mean([s['a'] for s in c['per_seed']]))
    assert c['p_seeds'] < 0.05
    site = _by_id(result)['site']
    k, n, low, high = site['per_seed'][0]['intervals']['a']
    assert 0 <= low <= k / n <= high <= 1


def test_no_difference_details(result):
    c = _by_id(result)['twins-no-difference']
    assert c['p'] == pytest.approx(c['anova']['p'])
    assert c['p_equivalence'] < 0.05
    assert set(c['values']) == {'twin1', 'twin2', 'twin3'}


def test_one_seed_no_difference_is_not_decided_by_anova():
    res = evaluate_ledger(_ledger()[6:7], [_seed_tables(0)], n_boot=10)
    c = res['claims'][0]
    assert math.isnan(c['p']) and c['p_holm'] is None
    assert c['verdict'] in ('reproduced', 'consistent')


def test_undefined_metric_is_not_testable_and_out_of_holm():
    tables = _seed_tables(0)
    # no distal unit at all: the subgroup's sensitivity is undefined
    for row in tables['sites'].values():
        row['site'] = 'M1'
    res = evaluate_ledger(_ledger()[:1] + _ledger()[7:8], [tables],
                          n_boot=20)
    site = res['claims'][1]
    assert site['verdict'] == NOT_TESTABLE and 'undefined' in site['reason']
    assert site['p_holm'] is None
    first = res['claims'][0]
    assert first['p_holm'] == pytest.approx(min(1.0, first['p']))


def test_refuses_duplicate_ids_and_no_seeds():
    claim = _ledger()[0]
    with pytest.raises(ValueError, match='duplicate'):
        evaluate_ledger([claim, claim], [_seed_tables(0)])
    with pytest.raises(ValueError, match='at least one seed'):
        evaluate_ledger([claim], [])
