import math

import numpy as np
import pytest

from mmdsa.evaluation.functional import holm_adjust


def test_holm_hand_computed_case():
    # sorted p: 0.01, 0.03, 0.04, 0.2 (m = 4)
    # 4 * 0.01 = 0.04; 3 * 0.03 = 0.09; 2 * 0.04 = 0.08 -> max 0.09; 0.2
    got = holm_adjust([0.01, 0.04, 0.03, 0.2])
    np.testing.assert_allclose(got, [0.04, 0.09, 0.09, 0.2])


def test_holm_matches_statsmodels():
    multitest = pytest.importorskip('statsmodels.stats.multitest')
    rng = np.random.default_rng(0)
    for m in (1, 2, 7, 40):
        p = rng.uniform(0, 0.2, m) ** 2
        p[::3] = rng.uniform(0, 1, p[::3].shape)
        want = multitest.multipletests(p, method='holm')[1]
        np.testing.assert_allclose(holm_adjust(p), want, rtol=1e-12)


def test_holm_ties_and_capping():
    np.testing.assert_allclose(holm_adjust([0.5, 0.5, 0.5]), [1, 1, 1])
    np.testing.assert_allclose(holm_adjust([0.0, 0.0]), [0.0, 0.0])


def test_holm_nan_is_not_in_the_family():
    got = holm_adjust([0.01, math.nan, 0.04])
    assert math.isnan(got[1])
    np.testing.assert_allclose(got[[0, 2]], [0.02, 0.04])
    assert np.isnan(holm_adjust([math.nan])).all()


def test_holm_refuses_bad_input():
    with pytest.raises(ValueError, match='in \\[0, 1\\]'):
        holm_adjust([0.1, 1.2])
    with pytest.raises(ValueError, match='1-D'):
        holm_adjust([[0.1]])
