"""Bidirectional convolutional GRU neck (BiGRU of Su et al.)."""
from typing import Optional

import torch
from torch import Tensor, nn

from mmdsa.registry import MODELS
from .base_temporal_neck import BaseTemporalNeck


class _ConvGRUDirection(nn.Module):
    """Hidden-state half of one ConvGRU direction.

    Gates: ``z = sig(Wxz*x + Whz*h)``, ``r = sig(Wxr*x + Whr*h)``,
    ``n = tanh(Wxn*x + Whn*(r h))``, ``h' = (1 - z) n + z h``. The ``Wx*x``
    terms (with the biases) come precomputed.
    """

    def __init__(self, hidden: int, kernel_size: int) -> None:
        super().__init__()
        pad = kernel_size // 2
        self.conv_zr = nn.Conv2d(hidden, 2 * hidden, kernel_size, padding=pad,
                                 bias=False)
        self.conv_n = nn.Conv2d(hidden, hidden, kernel_size, padding=pad,
                                bias=False)

    def step(self, gx: Tensor, h: Optional[Tensor]) -> Tensor:
        """One step. gx: (B, 3H, h, w) input half; h: (B, H, h, w) or None
        for the zero initial state (its hidden convolutions are skipped)."""
        xz, xr, xn = gx.chunk(3, dim=1)
        if h is None:
            z = torch.sigmoid(xz)
            return (1 - z) * torch.tanh(xn)
        hz, hr = self.conv_zr(h).chunk(2, dim=1)
        z = torch.sigmoid(xz + hz)
        r = torch.sigmoid(xr + hr)
        n = torch.tanh(xn + self.conv_n(r * h))
        return (1 - z) * n + z * h


@MODELS.register_module()
class BiConvGRU(BaseTemporalNeck):
    """Bidirectional ConvGRU over the T frames of each FPN level.

    The forward direction runs over frames 0..k, the backward direction over
    T-1..k (k = key frame); their key-frame states are concatenated and a
    1x1 convolution projects the 2H channels back to C. Steps after the key
    frame cannot change the key frame's state, so they are not computed.

    Efficiency: the input half of every gate convolution (``W_x * x_t``, for
    both directions) depends on the frame only; :meth:`precompute` runs it
    for all frames in one batched convolution (and series inference caches
    it with the frame's features). Only the hidden-state half runs per step,
    and the first step of each direction (zero state) needs none.

    Args:
        in_channels (int): Channels C of every level. Defaults to 256.
        num_frames (int): Window length T (odd). Defaults to 5.
        num_levels (int): FPN levels. Defaults to 5.
        hidden_channels (int, optional): Hidden channels H per direction.
            Defaults to ``in_channels``.
        kernel_size (int): Gate convolution kernel. Defaults to 3.
        residual (bool): Add the key frame's input features to the output
            (as :class:`TemporalConvolution` does), so the head sees the
            single-frame features from the first iteration and the
            recurrent branch learns a temporal correction. Without it the
            head sees only ``projection(h)``, with ``h`` damped by the
            sigmoid gates at initialisation; at CPU scale from random
            weights the BiConvLSTM then trains far slower than the other
            necks. The shortcut has a cost: with it the head can fit the
            single frame first, and the residual necks fail the controlled
            temporal check, where the single frame carries no class
            information. Defaults to False (the paper's plain concatenation
            + projection).
        norm_cfg (dict, optional): A normalisation layer after each
            level's projection (e.g. ``dict(type='GN', num_groups=32)``,
            mmcv's ``build_norm_layer``). The gates squash the hidden state:
            at initialisation the plain ConvLSTM passes about 0.1 and the
            ConvGRU about 0.17 of its input features' scale to the head
            (``mmdsa.models.necks.diagnostics``), and with SGD the plain
            BiConvLSTM did not learn at the reproduction study's budget.
            A normalised projection hands the head features of the FPN's
            scale without a shortcut around the recurrence. Defaults to
            None (the paper's plain form).
        init_cfg (dict, optional): Initialisation config.
    """

    gates = 3

    def __init__(self,
                 in_channels: int = 256,
                 num_frames: int = 5,
                 num_levels: int = 5,
                 hidden_channels: Optional[int] = None,
                 kernel_size: int = 3,
                 residual: bool = False,
                 norm_cfg: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(in_channels, num_frames, num_levels, init_cfg)
        self.residual = bool(residual)
        self.norm_cfg = norm_cfg
        if not isinstance(kernel_size, int) or kernel_size % 2 == 0:
            raise ValueError(f'{type(self).__name__}.kernel_size: expected an '
                             f'odd int, got {kernel_size!r}')
        hidden = hidden_channels or in_channels
        self.hidden_channels = hidden
        pad = kernel_size // 2
        g = self.gates
        self.input_convs = nn.ModuleList(
            nn.Conv2d(in_channels, 2 * g * hidden, kernel_size, padding=pad)
            for _ in range(num_levels))
        self.forward_cells = nn.ModuleList(
            self._make_direction(hidden, kernel_size)
            for _ in range(num_levels))
        self.backward_cells = nn.ModuleList(
            self._make_direction(hidden, kernel_size)
            for _ in range(num_levels))
        self.projections = nn.ModuleList(
            nn.Conv2d(2 * hidden, in_channels, 1) for _ in range(num_levels))
        if norm_cfg is not None:
            from mmcv.cnn import build_norm_layer
            self.norms = nn.ModuleList(
                build_norm_layer(norm_cfg, in_channels)[1]
                for _ in range(num_levels))

    def _make_direction(self, hidden: int, kernel_size: int) -> nn.Module:
        return _ConvGRUDirection(hidden, kernel_size)

    def precompute(self, level: int, x: Tensor) -> Tensor:
        """Input half of the gates of both directions.

        Args:
            level (int): FPN level.
            x (Tensor): (N, C, H, W).

        Returns:
            Tensor: (N, 2 * gates * hidden, H, W): forward then backward;
            with ``residual`` the input ``x`` comes first, (N, C + 2 *
            gates * hidden, H, W).
        """
        gates = self.input_convs[level](x)
        return torch.cat([x, gates], dim=1) if self.residual else gates

    def _run(self, cell: nn.Module, gx: Tensor, order) -> Tensor:
        state = None
        for t in order:
            state = cell.step(gx[:, t], state)
        return self._hidden(state)

    @staticmethod
    def _hidden(state) -> Tensor:
        return state

    def fuse(self, level: int, cache: Tensor) -> Tensor:
        """Run both directions up to the key frame and project.

        Args:
            level (int): FPN level.
            cache (Tensor): (B, T, 2 * gates * hidden, H, W), with
                ``residual`` (B, T, C + 2 * gates * hidden, H, W)
                (:meth:`precompute`).

        Returns:
            Tensor: (B, C, H, W).
        """
        k, t = self.key_frame_index, cache.shape[1]
        if self.residual:
            x_key = cache[:, k, :self.in_channels]
            cache = cache[:, :, self.in_channels:]
        gx_fwd, gx_bwd = cache.chunk(2, dim=2)
        h_fwd = self._run(self.forward_cells[level], gx_fwd, range(k + 1))
        h_bwd = self._run(self.backward_cells[level], gx_bwd,
                          range(t - 1, k - 1, -1))
        out = self.projections[level](torch.cat([h_fwd, h_bwd], dim=1))
        if self.norm_cfg is not None:
            out = self.norms[level](out)
        return out + x_key if self.residual else out
