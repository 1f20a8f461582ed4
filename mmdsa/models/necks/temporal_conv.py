"""Temporal convolution neck (TCM of Su et al.)."""
import torch
from torch import Tensor, nn

from mmdsa.registry import MODELS
from .base_temporal_neck import BaseTemporalNeck


@MODELS.register_module()
class TemporalConvolution(BaseTemporalNeck):
    """A T x 1 x 1 convolution over the stacked frames of each level.

    Non-causal: the key frame's output mixes past and future frames. It is
    computed as a 1x1 convolution over the T*C channels of the window
    (identical to a 3D convolution with kernel (T, 1, 1) and no temporal
    padding), optionally plus the key frame's input (residual).

    Args:
        in_channels (int): Channels C of every level. Defaults to 256.
        num_frames (int): Window length T (odd). Defaults to 5.
        num_levels (int): FPN levels. Defaults to 5.
        residual (bool): Add the key frame's input to the output, so the
            module starts close to the single-frame detector. Defaults to
            False (the paper's plain convolution).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int = 256,
                 num_frames: int = 5,
                 num_levels: int = 5,
                 residual: bool = False,
                 init_cfg=None) -> None:
        super().__init__(in_channels, num_frames, num_levels, init_cfg)
        self.residual = residual
        self.convs = nn.ModuleList(
            nn.Conv3d(in_channels, in_channels, (num_frames, 1, 1))
            for _ in range(num_levels))

    def fuse(self, level: int, cache: Tensor) -> Tensor:
        """Convolve the window.

        Args:
            level (int): FPN level.
            cache (Tensor): (B, T, C, H, W) frame features.

        Returns:
            Tensor: (B, C, H, W).
        """
        conv = self.convs[level]
        b, t, c, h, w = cache.shape
        weight = conv.weight.squeeze(-1).squeeze(-1)  # (C_out, C, T)
        weight = weight.permute(0, 2, 1).reshape(conv.out_channels, t * c)
        out = torch.nn.functional.conv2d(
            cache.reshape(b, t * c, h, w), weight[..., None, None], conv.bias)
        if self.residual:
            out = out + cache[:, self.key_frame_index]
        return out
