"""Two one-sided tests (TOST) of equivalence within a margin."""
import math
from statistics import NormalDist
from typing import Dict


def tost_normal(diff: float, se: float, margin: float) -> Dict[str, float]:
    """Equivalence of a difference within ``+-margin`` (normal theory).

    H0: ``|true difference| >= margin``; rejected when both one-sided
    tests ``diff > -margin`` and ``diff < margin`` reject (Schuirmann,
    1987), so the equivalence p is the larger of the two one-sided p:
    ``max(1 - Phi((diff + margin) / se), Phi((diff - margin) / se))``.

    Args:
        diff (float): Observed difference (e.g. AUC_a - AUC_b).
        se (float): Its standard error (e.g. DeLong's), > 0 or 0.
        margin (float): Equivalence margin, > 0.

    Returns:
        dict: ``p`` (equivalence p-value), ``p_lower`` and ``p_upper`` (the
        two one-sided p). NaN when ``diff`` or ``se`` is NaN.

    Raises:
        ValueError: ``margin <= 0`` or ``se < 0``.
    """
    if not margin > 0:
        raise ValueError(f'tost_normal: expected margin > 0, got {margin}')
    if se < 0:
        raise ValueError(f'tost_normal: expected se >= 0, got {se}')
    if math.isnan(diff) or math.isnan(se):
        return dict(p=math.nan, p_lower=math.nan, p_upper=math.nan)
    if se == 0:
        p_lo = 0.0 if diff > -margin else 1.0
        p_up = 0.0 if diff < margin else 1.0
    else:
        phi = NormalDist().cdf
        p_lo = 1.0 - phi((diff + margin) / se)
        p_up = phi((diff - margin) / se)
    return dict(p=float(max(p_lo, p_up)), p_lower=float(p_lo),
                p_upper=float(p_up))
