import math

import numpy as np
import pytest
from scipy.stats import f_oneway

from mmdsa.evaluation.functional import one_way_anova


@pytest.mark.parametrize('sizes', [(3, 3, 3, 3), (2, 5), (4, 1, 6)])
def test_anova_matches_scipy(sizes):
    rng = np.random.default_rng(sum(sizes))
    groups = [rng.normal(0.9 + 0.01 * i, 0.02, n) for i, n in
              enumerate(sizes)]
    got = one_way_anova(groups)
    want = f_oneway(*groups)
    assert got['f'] == pytest.approx(want.statistic, rel=1e-10)
    assert got['p'] == pytest.approx(want.pvalue, rel=1e-10)
    assert got['df_between'] == len(sizes) - 1
    assert got['df_within'] == sum(sizes) - len(sizes)


def test_anova_degenerate_groups():
    same = one_way_anova([[1.0, 1.0], [1.0, 1.0]])
    assert math.isnan(same['f']) and math.isnan(same['p'])
    apart = one_way_anova([[1.0, 1.0], [2.0, 2.0]])
    assert apart['f'] == math.inf and apart['p'] == 0.0


def test_anova_refuses_bad_input():
    with pytest.raises(ValueError, match='at least 2 groups'):
        one_way_anova([[1.0, 2.0]])
    with pytest.raises(ValueError, match='group 1 is empty'):
        one_way_anova([[1.0, 2.0], []])
    with pytest.raises(ValueError, match='no degree of freedom'):
        one_way_anova([[1.0], [2.0]])
    with pytest.raises(ValueError, match='NaN'):
        one_way_anova([[1.0, math.nan], [2.0, 3.0]])
