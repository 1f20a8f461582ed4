"""The verdict of one published claim from its test.

Verdicts (one per claim):

- ``'reproduced'``: the claimed direction holds and the Holm-adjusted p is
  below alpha;
- ``'consistent'``: the direction holds, not significantly;
- ``'not reproduced'``: the direction fails, not significantly;
- ``'contradicted'``: the opposite direction is significant;
- ``'not testable here'``: the claim cannot be tested on this benchmark
  (the reason is kept beside the verdict).

For a ``'no difference'`` claim, "holds" means no significant difference
(Holm-adjusted p of the difference test >= alpha): it is ``'reproduced'``
when, in addition, equivalence within the stated margin is shown
(equivalence p < alpha), ``'consistent'`` when not, and ``'contradicted'``
when the difference is significant.
"""
import math
from typing import Optional

VERDICTS = ('reproduced', 'consistent', 'not reproduced', 'contradicted',
            'not testable here')
DIRECTIONS = ('>', '>=', 'no difference')


def direction_holds(direction: str, a: float, b: float) -> bool:
    """Whether ``a`` and ``b`` lie in the claimed direction (``'>'``:
    a > b, ``'>='``: a >= b). NaN values never hold."""
    if direction not in ('>', '>='):
        raise ValueError(f"direction_holds: expected '>' or '>=', got "
                         f'{direction!r}')
    if math.isnan(a) or math.isnan(b):
        return False
    return a > b if direction == '>' else a >= b


def claim_verdict(direction: str, a: float, b: float,
                  p_holm: Optional[float], alpha: float = 0.05,
                  p_equivalence: Optional[float] = None,
                  statistic: Optional[float] = None) -> str:
    """The verdict of a tested claim.

    Args:
        direction (str): ``'>'``, ``'>='`` or ``'no difference'``.
        a (float): The value of the claim's first model (the one claimed
            larger), or for 'no difference' unused.
        b (float): The value of the second.
        p_holm (float | None): Holm-adjusted two-sided p of the difference
            test; None or NaN when the test could not be computed (then
            the verdict follows the direction alone).
        alpha (float): Significance level.
        p_equivalence (float | None): For 'no difference' claims, the
            equivalence test's p.
        statistic (float | None): The signed test statistic (positive when
            a > b, e.g. the seeds' combined z). A significant p counts
            only in the direction of its sign; None: the sign of a - b.

    Returns:
        str: one of :data:`VERDICTS` except ``'not testable here'``.

    Raises:
        ValueError: Unknown direction.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f'claim_verdict: expected a direction of '
                         f'{DIRECTIONS}, got {direction!r}')
    sig = p_holm is not None and not math.isnan(p_holm) and p_holm < alpha
    if direction == 'no difference':
        if sig:
            return 'contradicted'
        eq = p_equivalence is not None and not math.isnan(p_equivalence) \
            and p_equivalence < alpha
        return 'reproduced' if eq else 'consistent'
    holds = direction_holds(direction, a, b)
    if statistic is not None and not math.isnan(statistic) and sig:
        # a significant test counts for the side its statistic is on
        sig = (statistic > 0) == holds if statistic != 0 else False
    if holds:
        return 'reproduced' if sig and a != b else 'consistent'
    return 'contradicted' if sig else 'not reproduced'
