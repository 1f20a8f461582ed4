import math

import numpy as np
import pytest
from scipy.stats import ttest_rel

from mmdsa.evaluation.functional import paired_seed_test


def test_paired_seed_test_matches_scipy():
    a = [0.91, 0.88, 0.93, 0.90]
    b = [0.86, 0.87, 0.89, 0.84]
    got = paired_seed_test(a, b)
    want = ttest_rel(a, b)
    assert got['t'] == pytest.approx(want.statistic)
    assert got['p'] == pytest.approx(want.pvalue)
    assert got['df'] == 3
    assert got['mean_diff'] == pytest.approx(np.mean(np.subtract(a, b)))


def test_paired_seed_test_drops_nan_and_needs_two_seeds():
    got = paired_seed_test([0.9, math.nan, 0.8, 0.85], [0.8, 0.7, 0.75, 0.7])
    want = ttest_rel([0.9, 0.8, 0.85], [0.8, 0.75, 0.7])
    assert got['p'] == pytest.approx(want.pvalue)
    one = paired_seed_test([0.9], [0.8])
    assert math.isnan(one['p']) and one['mean_diff'] == pytest.approx(0.1)


def test_paired_seed_test_constant_differences_and_bad_input():
    assert paired_seed_test([1.0, 0.75], [0.5, 0.25])['p'] == 0.0
    assert math.isnan(paired_seed_test([0.9, 0.8], [0.9, 0.8])['p'])
    with pytest.raises(ValueError, match='as many values'):
        paired_seed_test([0.9, 0.8], [0.9])
