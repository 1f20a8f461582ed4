import math

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from mmdsa.evaluation.functional import delong_test


def _reference(y, a, b):
    """DeLong with explicit Mann-Whitney kernel loops (O(m n))."""
    pos = np.flatnonzero(y == 1)
    neg = np.flatnonzero(y == 0)

    def psi(x, z):
        return 1.0 if x > z else (0.5 if x == z else 0.0)

    comps = []
    for s in (a, b):
        v10 = np.array([np.mean([psi(s[i], s[j]) for j in neg])
                        for i in pos])
        v01 = np.array([np.mean([psi(s[i], s[j]) for i in pos])
                        for j in neg])
        comps.append((v10.mean(), v10, v01))
    m, n = len(pos), len(neg)

    def cov(u, v):
        return np.sum((u - u.mean()) * (v - v.mean())) / (len(u) - 1)

    (auc_a, v10a, v01a), (auc_b, v10b, v01b) = comps
    var = (cov(v10a, v10a) + cov(v10b, v10b) - 2 * cov(v10a, v10b)) / m + \
          (cov(v01a, v01a) + cov(v01b, v01b) - 2 * cov(v01a, v01b)) / n
    z = (auc_a - auc_b) / math.sqrt(var)
    return auc_a, auc_b, z, 2 * norm.sf(abs(z))


def test_delong_matches_kernel_reference():
    rng = np.random.default_rng(0)
    for k in range(25):
        n = int(rng.integers(10, 60))
        y = rng.integers(0, 2, n)
        y[:2] = [0, 1]
        a = rng.uniform(size=n) + 0.6 * y
        b = rng.uniform(size=n) + 0.3 * y
        if k % 2:
            a, b = np.round(a, 1), np.round(b, 1)  # ties
        res = delong_test(y, a, b)
        ra, rb, rz, rp = _reference(y, a, b)
        assert abs(res.auc_a - roc_auc_score(y, a)) < 1e-9
        assert abs(res.auc_a - ra) < 1e-9 and abs(res.auc_b - rb) < 1e-9
        assert abs(res.z - rz) < 1e-9
        assert abs(res.p_value - rp) < 1e-9


def test_delong_identical_scores_and_errors():
    y = np.array([0, 0, 1, 1, 1])
    s = np.array([0.1, 0.4, 0.35, 0.8, 0.9])
    res = delong_test(y, s, s)
    assert res.z == 0.0 and res.p_value == 1.0
    with pytest.raises(ValueError, match='score_b'):
        delong_test(y, s, s[:4])
    with pytest.raises(ValueError, match='one class only'):
        delong_test([1, 1], [0.1, 0.2], [0.3, 0.4])
