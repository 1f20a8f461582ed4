"""Temporal attention neck (TAM of Su et al.)."""
import math

import torch
from torch import Tensor, nn

from mmdsa.registry import MODELS
from .base_temporal_neck import BaseTemporalNeck


@MODELS.register_module()
class TemporalAttention(BaseTemporalNeck):
    """The key frame attends to every frame of the window per location.

    Per level and spatial location: ``q = Wq x_k``, ``k_t = Wk x_t``,
    ``v_t = Wv x_t`` (1x1 convolutions), weights ``a_t = softmax_t(q.k_t /
    sqrt(E))`` over the T frames, output ``x_k + Wo sum_t a_t v_t``. Keys and
    values depend on one frame only and are precomputed (and cached in
    series inference).

    Args:
        in_channels (int): Channels C of every level. Defaults to 256.
        num_frames (int): Window length T (odd). Defaults to 5.
        num_levels (int): FPN levels. Defaults to 5.
        embed_channels (int, optional): Query/key/value channels E.
            Defaults to ``in_channels // 2``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int = 256,
                 num_frames: int = 5,
                 num_levels: int = 5,
                 embed_channels=None,
                 init_cfg=None) -> None:
        super().__init__(in_channels, num_frames, num_levels, init_cfg)
        embed = embed_channels or max(in_channels // 2, 1)
        self.embed_channels = embed
        self.query_convs = nn.ModuleList(
            nn.Conv2d(in_channels, embed, 1) for _ in range(num_levels))
        self.key_value_convs = nn.ModuleList(
            nn.Conv2d(in_channels, 2 * embed, 1) for _ in range(num_levels))
        self.out_convs = nn.ModuleList(
            nn.Conv2d(embed, in_channels, 1) for _ in range(num_levels))

    def precompute(self, level: int, x: Tensor) -> Tensor:
        """Frame features with their keys and values.

        Args:
            level (int): FPN level.
            x (Tensor): (N, C, H, W).

        Returns:
            Tensor: (N, C + 2E, H, W): features, keys, values.
        """
        return torch.cat([x, self.key_value_convs[level](x)], dim=1)

    def fuse(self, level: int, cache: Tensor) -> Tensor:
        """Attend from the key frame to the window.

        Args:
            level (int): FPN level.
            cache (Tensor): (B, T, C + 2E, H, W).

        Returns:
            Tensor: (B, C, H, W).
        """
        c, e = self.in_channels, self.embed_channels
        x_key = cache[:, self.key_frame_index, :c]
        keys = cache[:, :, c:c + e]  # (B, T, E, H, W)
        values = cache[:, :, c + e:]
        query = self.query_convs[level](x_key).unsqueeze(1)  # (B, 1, E, H, W)
        logits = (query * keys).sum(dim=2, keepdim=True) / math.sqrt(e)
        weights = logits.softmax(dim=1)  # over the T frames
        return x_key + self.out_convs[level]((weights * values).sum(dim=1))
