"""Combining independent tests of one hypothesis (e.g. one per seed)."""
import math
from statistics import NormalDist
from typing import Optional, Sequence


def z_from_two_sided_p(p: float, diff: float, n_resamples: int = 0) -> float:
    """The signed standard-normal z of a two-sided p-value.

    Args:
        p (float): two-sided p in [0, 1].
        diff (float): the observed difference; its sign is z's.
        n_resamples (int): for a resampling p, the number of valid
            resamples: p = 0 then means p < 1 / n, and is taken as
            ``1 / (n + 1)`` so that z stays finite. 0 for an exact p.

    Returns:
        float: ``sign(diff) * Phi^-1(1 - p / 2)``; 0 when ``diff`` is 0 and
        NaN when ``p`` is NaN.
    """
    if math.isnan(p) or math.isnan(diff):
        return math.nan
    if not 0.0 <= p <= 1.0:
        raise ValueError(f'z_from_two_sided_p: expected p in [0, 1], got {p}')
    if diff == 0:
        return 0.0
    if p == 0.0:
        if n_resamples <= 0:
            return math.copysign(math.inf, diff)
        p = 1.0 / (n_resamples + 1)
    p = min(p, 1.0)
    return math.copysign(-NormalDist().inv_cdf(p / 2.0), diff)


def stouffer(z_values: Sequence[float]) -> Optional[dict]:
    """Stouffer's combination of independent signed z statistics.

    Args:
        z_values (sequence of float): one z per independent test (NaN
            entries are skipped; +-inf is allowed).

    Returns:
        dict | None: ``z = sum(z_i) / sqrt(k)``, its two-sided ``p`` and
        ``k``, the number of tests combined; None when none is finite or
        infinite (all NaN).
    """
    zs = [float(z) for z in z_values if not math.isnan(z)]
    if not zs:
        return None
    total = sum(zs)
    if math.isnan(total):  # +inf and -inf: the tests contradict each other
        z = 0.0
    else:
        z = total / math.sqrt(len(zs))
    return dict(z=float(z), p=float(math.erfc(abs(z) / math.sqrt(2.0))),
                k=len(zs))
