"""Refuse non-finite weights and losses (NaN / Inf).

A run whose loss or weights become NaN or infinite must stop, and such
weights must never be saved as a checkpoint nor loaded from one: a model
with NaN weights answers every series with a score of 0 (or NaN) that looks
like a verdict.
"""
import math
from typing import Mapping

__all__ = ['NonFiniteError', 'non_finite_tensors', 'check_finite_weights']


class NonFiniteError(ValueError):
    """Weights or a loss hold NaN or infinite values."""


def non_finite_tensors(state: Mapping) -> list:
    """Names of floating-point tensors in ``state`` with NaN / Inf values.

    Args:
        state (Mapping[str, Tensor]): A state dict (non-tensor and integer
            entries are skipped).

    Returns:
        list[str]: The offending keys, in ``state``'s order.
    """
    import torch
    bad = []
    for key, value in state.items():
        if isinstance(value, torch.Tensor) and (
                value.is_floating_point() or value.is_complex()):
            if value.numel() and not bool(torch.isfinite(value).all()):
                bad.append(str(key))
        elif isinstance(value, float) and not math.isfinite(value):
            bad.append(str(key))
    return bad


def check_finite_weights(state: Mapping, where: str) -> None:
    """Raise :class:`NonFiniteError` naming ``where`` and the tensors.

    Args:
        state (Mapping[str, Tensor]): A state dict.
        where (str): The file or run the weights belong to.
    """
    bad = non_finite_tensors(state)
    if bad:
        raise NonFiniteError(
            f'{where}: expected finite weights, got NaN or infinite values '
            f'in {len(bad)} tensor(s): {", ".join(bad[:5])}'
            f'{" ..." if len(bad) > 5 else ""} (the training diverged; '
            'lower the learning rate or check the data)')
