import math

import pytest
from scipy.stats import norm

from mmdsa.evaluation.functional import tost_normal


def test_tost_matches_two_one_sided_normal_tests():
    got = tost_normal(0.01, 0.02, 0.05)
    p_lo = norm.sf((0.01 + 0.05) / 0.02)
    p_up = norm.cdf((0.01 - 0.05) / 0.02)
    assert got['p_lower'] == pytest.approx(p_lo)
    assert got['p_upper'] == pytest.approx(p_up)
    assert got['p'] == pytest.approx(max(p_lo, p_up))
    assert got['p'] < 0.05  # well inside the margin with a small se


def test_tost_not_equivalent_when_uncertain_or_outside():
    assert tost_normal(0.0, 0.2, 0.05)['p'] > 0.35
    assert tost_normal(0.08, 0.001, 0.05)['p'] > 0.99


def test_tost_edge_cases():
    assert tost_normal(0.0, 0.0, 0.05)['p'] == 0.0
    assert tost_normal(0.06, 0.0, 0.05)['p'] == 1.0
    assert math.isnan(tost_normal(math.nan, 0.1, 0.05)['p'])
    with pytest.raises(ValueError, match='margin'):
        tost_normal(0.0, 0.1, 0.0)
    with pytest.raises(ValueError, match='se'):
        tost_normal(0.0, -0.1, 0.05)
