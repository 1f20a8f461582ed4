import math

import numpy as np
import pytest

from mmdsa.evaluation.functional import (binary_roc_auc,
                                         paired_bootstrap_test)


def _auc_diff(y, a, b):
    def diff(idx):
        return binary_roc_auc(y[idx], a[idx]) - binary_roc_auc(y[idx], b[idx])
    return diff


def test_paired_bootstrap_detects_a_clear_difference():
    rng = np.random.default_rng(0)
    y = np.r_[np.ones(60), np.zeros(60)].astype(int)
    good = y + rng.normal(0, 0.5, 120)
    bad = y + rng.normal(0, 3.0, 120)
    res = paired_bootstrap_test(_auc_diff(y, good, bad), 120, n=300)
    assert res['diff'] > 0.1
    assert res['p'] < 0.01
    assert res['ci_low'] > 0
    back = paired_bootstrap_test(_auc_diff(y, bad, good), 120, n=300)
    assert back['diff'] == pytest.approx(-res['diff'])
    assert back['p'] == pytest.approx(res['p'])


def test_paired_bootstrap_same_model_is_not_significant():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 50)
    s = rng.uniform(size=50)
    res = paired_bootstrap_test(_auc_diff(y, s, s), 50, n=100)
    assert res['diff'] == 0 and res['p'] == 1.0


def test_paired_bootstrap_draws_like_a_hand_loop_and_skips_invalid():
    # one class in some resamples: ValueError is skipped, the rest counted
    y = np.array([1, 0, 0, 0, 0])
    a = np.array([0.9, 0.1, 0.2, 0.3, 0.4])
    b = np.array([0.3, 0.1, 0.2, 0.9, 0.4])
    res = paired_bootstrap_test(_auc_diff(y, a, b), 5, n=200, seed=3)
    rng = np.random.default_rng(3)
    want = []
    for _ in range(200):
        idx = rng.integers(0, 5, 5)
        if len(set(y[idx])) == 2:
            want.append(binary_roc_auc(y[idx], a[idx]) -
                        binary_roc_auc(y[idx], b[idx]))
    assert res['n_valid'] == len(want) < 200
    want = np.asarray(want)
    assert res['p'] == pytest.approx(
        min(1, 2 * min(np.mean(want <= 0), np.mean(want >= 0))))


def test_paired_bootstrap_no_valid_resample_and_bad_args():
    res = paired_bootstrap_test(lambda idx: math.nan, 4, n=5)
    assert res['n_valid'] == 0 and math.isnan(res['p'])
    with pytest.raises(ValueError, match='n_units'):
        paired_bootstrap_test(lambda idx: 0.0, 0)
    with pytest.raises(ValueError, match='alpha'):
        paired_bootstrap_test(lambda idx: 0.0, 3, alpha=1.5)
