"""What a temporal neck can see, measured at initialisation.

Two properties decide whether a neck can learn a cue that lives only in
how a finding evolves over the window (the controlled temporal check of the
reproduction study):

- **order sensitivity**: the relative change of the key-frame output when
  the window's frames are reversed in time (the key frame stays in the
  middle). A neck whose output does not change cannot tell a finding that
  grows from one that washes out, whatever it is trained on.
- **output scale**: the standard deviation of the output over that of the
  key frame's input features. A neck that passes a small fraction of the
  feature scale to the head starts training with a weak signal.
"""
from typing import Dict, Optional

import torch

from mmdsa.registry import MODELS


@torch.no_grad()
def temporal_neck_diagnostics(neck_cfg: Dict,
                              channels: int = 32,
                              num_frames: int = 5,
                              size: int = 16,
                              seed: int = 0,
                              repeats: int = 3) -> Dict[str, float]:
    """Order sensitivity and output scale of a neck at initialisation.

    Args:
        neck_cfg (dict): The neck's config (``type`` and its arguments;
            ``in_channels``, ``num_frames`` and ``num_levels`` are set here).
        channels (int): Feature channels C of the random inputs.
        num_frames (int): Window length T (odd).
        size (int): Spatial size of the random feature maps.
        seed (int): Seed of the weights and inputs.
        repeats (int): Random windows (and initialisations) averaged.

    Returns:
        dict: ``order_sensitivity`` (mean of ``|f(x) - f(reverse(x))| /
        |f(x)|`` over the repeats; 0 for an order-invariant neck) and
        ``output_scale`` (mean of ``std(f(x)) / std(x_key)``).
    """
    if num_frames % 2 != 1:
        raise ValueError(f'temporal_neck_diagnostics: num_frames: expected '
                         f'an odd window length, got {num_frames}')
    order, scale = [], []
    for r in range(repeats):
        torch.manual_seed(seed + r)
        neck = MODELS.build(dict(neck_cfg, in_channels=channels,
                                 num_frames=num_frames, num_levels=1))
        neck.eval()  # the weights as built (the necks' init_cfg is None)
        x = torch.randn(2, num_frames, channels, size, size)
        out = neck([x])[0]
        rev = neck([x.flip(1)])[0]
        order.append(float((out - rev).norm() / out.norm()))
        scale.append(float(out.std() / x[:, num_frames // 2].std()))
    return dict(order_sensitivity=sum(order) / repeats,
                output_scale=sum(scale) / repeats)


def is_order_invariant(diag: Dict[str, float],
                       tol: Optional[float] = 1e-4) -> bool:
    """Whether :func:`temporal_neck_diagnostics` found the neck's output
    unchanged (to ``tol``) by reversing its window."""
    return diag['order_sensitivity'] <= tol
