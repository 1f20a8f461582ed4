"""Stouffer's combination against scipy (one-sided p-values), and the
z of a two-sided p."""
import math

import numpy as np
import pytest
from scipy import stats

from mmdsa.evaluation.functional import stouffer, z_from_two_sided_p


@pytest.mark.parametrize('zs', [[1.2, 0.4, 2.0], [-0.5, 0.3], [2.5],
                                [-1.0, -2.0, -0.1, 0.7]])
def test_stouffer_matches_scipy(zs):
    got = stouffer(zs)
    one_sided = stats.combine_pvalues(stats.norm.sf(zs), method='stouffer')
    assert got['z'] == pytest.approx(one_sided.statistic)
    # two-sided: twice the smaller tail of the combined z
    assert got['p'] == pytest.approx(
        2 * min(one_sided.pvalue, 1 - one_sided.pvalue))
    assert got['k'] == len(zs)


def test_stouffer_skips_nan_and_handles_infinite_z():
    assert stouffer([math.nan, 1.0])['k'] == 1
    assert stouffer([math.nan]) is None and stouffer([]) is None
    assert stouffer([math.inf, 1.0])['p'] == 0.0
    both = stouffer([math.inf, -math.inf])
    assert both['z'] == 0.0 and both['p'] == 1.0


@pytest.mark.parametrize('p', [0.01, 0.05, 0.3, 1.0])
def test_z_from_two_sided_p_inverts_the_normal_tail(p):
    z = z_from_two_sided_p(p, diff=-0.2)
    assert z <= 0
    assert 2 * stats.norm.sf(abs(z)) == pytest.approx(p)
    assert z_from_two_sided_p(p, diff=0.1) == pytest.approx(-z)


def test_z_from_a_resampling_p_of_zero_stays_finite():
    assert z_from_two_sided_p(0.0, 0.3, n_resamples=999) == pytest.approx(
        stats.norm.isf(0.001 / 2))
    assert math.isinf(z_from_two_sided_p(0.0, 0.3))
    assert z_from_two_sided_p(0.5, 0.0) == 0.0
    assert math.isnan(z_from_two_sided_p(math.nan, 0.1))
    with pytest.raises(ValueError, match='expected p in'):
        z_from_two_sided_p(1.5, 0.1)
    assert np.isfinite(z_from_two_sided_p(1e-300, 1.0))
