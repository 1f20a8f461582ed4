import numpy as np
import pytest
from sklearn import metrics as skm

from mmdsa.evaluation.functional import (binary_roc_auc, bootstrap_ci,
                                         confusion_matrix, matthews_corrcoef,
                                         roc_curve,
                                         sensitivity_at_specificity,
                                         youden_operating_point)


def _cases(n_cases=40, seed=0):
    rng = np.random.default_rng(seed)
    for k in range(n_cases):
        n = int(rng.integers(4, 80))
        y = rng.integers(0, 2, n)
        y[0], y[1] = 0, 1
        if k % 2:  # many ties
            s = rng.integers(0, 6, n) / 5.0
        else:
            s = rng.uniform(0, 1, n) + 0.5 * y
        yield y, s


def test_auc_and_roc_curve_match_sklearn():
    for y, s in _cases():
        assert abs(binary_roc_auc(y, s) - skm.roc_auc_score(y, s)) < 1e-9
        for drop in (True, False):
            ours = roc_curve(y, s, drop_intermediate=drop)
            ref = skm.roc_curve(y, s, drop_intermediate=drop)
            for a, b in zip(ours, ref):
                np.testing.assert_allclose(a, b, atol=1e-9, rtol=0)


def test_mcc_and_confusion_match_sklearn():
    for y, s in _cases(seed=1):
        pred = (s >= 0.5).astype(int)
        assert abs(matthews_corrcoef(y, pred) -
                   skm.matthews_corrcoef(y, pred)) < 1e-9
        np.testing.assert_array_equal(
            confusion_matrix(y, pred),
            skm.confusion_matrix(y, pred, labels=[0, 1]))
    assert matthews_corrcoef([0, 1, 1], [1, 1, 1]) == 0.0


def test_operating_points_match_sklearn_roc():
    for y, s in _cases(seed=2):
        fpr, tpr, thr = skm.roc_curve(y, s, drop_intermediate=False)
        j = tpr[1:] - fpr[1:]
        k = int(np.argmax(j)) + 1
        t, sens, spec = youden_operating_point(y, s)
        assert t == thr[k]
        assert abs(sens - tpr[k]) < 1e-9 and abs(spec - (1 - fpr[k])) < 1e-9
        # independent check: J really maximal over all distinct thresholds
        best = max(np.mean(s[y == 1] >= c) + np.mean(s[y == 0] < c) - 1
                   for c in np.unique(s))
        assert abs(sens + spec - 1 - best) < 1e-12
        for target in (0.8, 0.95):
            ok = (1 - fpr) >= target
            expected = tpr[ok].max()
            got, t95 = sensitivity_at_specificity(
                y, s, target, return_threshold=True)
            assert abs(got - expected) < 1e-9
            assert np.mean(s[y == 0] < t95) >= target
            assert abs(np.mean(s[y == 1] >= t95) - got) < 1e-12


def test_sens_at_spec_zero_when_unreachable():
    y = np.array([0, 0, 1, 1])
    s = np.array([0.9, 0.1, 0.5, 0.5])  # top score is a negative
    assert sensitivity_at_specificity(y, s, 1.0) == 0.0
    with pytest.raises(ValueError, match='specificity in'):
        sensitivity_at_specificity(y, s, 1.5)


@pytest.mark.parametrize('fn', [
    binary_roc_auc, roc_curve, youden_operating_point,
    sensitivity_at_specificity
])
def test_degenerate_inputs(fn):
    with pytest.raises(ValueError, match='one class only'):
        fn([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match='NaN'):
        fn([0, 1, 1], [0.1, np.nan, 0.3])
    with pytest.raises(ValueError, match='length mismatch'):
        fn([0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match='empty'):
        fn([], [])
    with pytest.raises(ValueError, match='binary y_true'):
        fn([0, 2], [0.1, 0.2])


def test_bootstrap_ci_matches_explicit_loop():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 60)
    s = rng.uniform(size=60) + 0.3 * y
    low, high = bootstrap_ci(binary_roc_auc, y, s, n=200, seed=3)
    idx = np.random.default_rng(3).integers(0, 60, size=(200, 60))
    vals = [skm.roc_auc_score(y[i], s[i]) for i in idx
            if len(np.unique(y[i])) == 2]
    np.testing.assert_allclose([low, high],
                               np.percentile(vals, [2.5, 97.5]), atol=1e-9)
    assert low < binary_roc_auc(y, s) < high
    with pytest.raises(ValueError, match='resamples'):
        bootstrap_ci(binary_roc_auc, [0, 1], [0.2, 0.8], n=50)


def test_bootstrap_ci_equals_scipy_bootstrap_when_all_resamples_valid():
    """scipy.stats.bootstrap (percentile, paired) as the oracle: same seed,
    same draws, same interval; and the same seed gives the same interval."""
    import inspect

    from scipy import stats
    rng = np.random.default_rng(11)
    y = np.r_[np.zeros(40, int), np.ones(40, int)]
    s = rng.uniform(size=80) + 0.4 * y
    ours = bootstrap_ci(binary_roc_auc, y, s, n=300, alpha=0.1, seed=5)
    assert ours == bootstrap_ci(binary_roc_auc, y, s, n=300, alpha=0.1,
                                seed=5)
    seed_kw = 'rng' if 'rng' in inspect.signature(
        stats.bootstrap).parameters else 'random_state'
    ref = stats.bootstrap((y, s), binary_roc_auc, paired=True,
                          vectorized=False, n_resamples=300,
                          confidence_level=0.9, method='percentile',
                          **{seed_kw: np.random.default_rng(5)})
    np.testing.assert_allclose(
        ours, [ref.confidence_interval.low, ref.confidence_interval.high],
        rtol=0, atol=1e-12)
