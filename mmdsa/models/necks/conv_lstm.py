"""Bidirectional convolutional LSTM neck (BiLSTM of Su et al.)."""
from typing import Optional, Tuple

import torch
from torch import Tensor, nn

from mmdsa.registry import MODELS
from .conv_gru import BiConvGRU


class _ConvLSTMDirection(nn.Module):
    """Hidden-state half of one ConvLSTM direction.

    ``i, f, o = sig(Wx*x + Wh*h)``, ``g = tanh(Wxg*x + Whg*h)``,
    ``c' = f c + i g``, ``h' = o tanh(c')``; the ``Wx*x`` terms (with the
    biases) come precomputed.
    """

    def __init__(self, hidden: int, kernel_size: int) -> None:
        super().__init__()
        self.conv_h = nn.Conv2d(hidden, 4 * hidden, kernel_size,
                                padding=kernel_size // 2, bias=False)

    def step(self, gx: Tensor,
             state: Optional[Tuple[Tensor, Tensor]]) -> Tuple[Tensor, Tensor]:
        """One step. gx: (B, 4H, h, w); state: (h, c) or None (zeros)."""
        if state is None:
            xi, _, xo, xg = gx.chunk(4, dim=1)
            c = torch.sigmoid(xi) * torch.tanh(xg)
        else:
            h, c = state
            xi, xf, xo, xg = (gx + self.conv_h(h)).chunk(4, dim=1)
            c = torch.sigmoid(xf) * c + torch.sigmoid(xi) * torch.tanh(xg)
        return torch.sigmoid(xo) * torch.tanh(c), c


@MODELS.register_module()
class BiConvLSTM(BiConvGRU):
    """Bidirectional ConvLSTM over the T frames of each FPN level.

    Same structure, arguments and caching as :class:`BiConvGRU` with LSTM
    cells (4 gates): the input half of the gate convolutions of both
    directions is precomputed per frame, the hidden half runs per step, the
    key-frame hidden states of the two directions are concatenated and
    projected from 2H back to C channels.
    """

    gates = 4

    def _make_direction(self, hidden: int, kernel_size: int) -> nn.Module:
        return _ConvLSTMDirection(hidden, kernel_size)

    @staticmethod
    def _hidden(state) -> Tensor:
        return state[0]
