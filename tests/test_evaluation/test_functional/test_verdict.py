import math

import pytest

from mmdsa.evaluation.functional import claim_verdict, direction_holds


@pytest.mark.parametrize('direction,a,b,p,want', [
    ('>', 0.9, 0.8, 0.01, 'reproduced'),
    ('>', 0.9, 0.8, 0.20, 'consistent'),
    ('>', 0.8, 0.9, 0.20, 'not reproduced'),
    ('>', 0.8, 0.9, 0.01, 'contradicted'),
    ('>', 0.8, 0.8, 0.90, 'not reproduced'),   # '>' needs a > b
    ('>=', 0.8, 0.8, 0.90, 'consistent'),
    ('>=', 0.9, 0.8, 0.001, 'reproduced'),
    ('>=', 0.7, 0.8, 0.001, 'contradicted'),
    ('>', 0.9, 0.8, 0.05, 'consistent'),      # p < alpha, strictly
    ('>', 0.9, 0.8, math.nan, 'consistent'),  # no test: direction only
    ('>', 0.8, 0.9, None, 'not reproduced'),
])
def test_directional_verdicts(direction, a, b, p, want):
    assert claim_verdict(direction, a, b, p) == want


def test_significance_counts_only_on_the_side_of_the_statistic():
    # the seed means say a > b, but the combined test says b > a
    assert claim_verdict('>', 0.81, 0.80, 0.01, statistic=-3.0) == \
        'consistent'
    assert claim_verdict('>', 0.79, 0.80, 0.01, statistic=2.0) == \
        'not reproduced'
    assert claim_verdict('>', 0.81, 0.80, 0.01, statistic=3.0) == \
        'reproduced'


def test_no_difference_verdicts():
    nd = 'no difference'
    assert claim_verdict(nd, math.nan, math.nan, 0.01) == 'contradicted'
    assert claim_verdict(nd, math.nan, math.nan, 0.6,
                         p_equivalence=0.01) == 'reproduced'
    assert claim_verdict(nd, math.nan, math.nan, 0.6,
                         p_equivalence=0.3) == 'consistent'
    assert claim_verdict(nd, math.nan, math.nan, None) == 'consistent'


def test_direction_holds_and_bad_direction():
    assert direction_holds('>', 1, 0) and not direction_holds('>', 0, 0)
    assert direction_holds('>=', 0, 0)
    assert not direction_holds('>=', math.nan, 0)
    with pytest.raises(ValueError, match='direction'):
        claim_verdict('<', 0.1, 0.2, 0.5)
    with pytest.raises(ValueError):
        direction_holds('no difference', 0, 0)
