"""LayerNorm + LeakyReLU + (bidirectional) GRU / LSTM over packed series."""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from mmdsa.registry import MODELS

RNN_TYPES = {'gru': nn.GRU, 'lstm': nn.LSTM}


@MODELS.register_module()
class RecurrentSequenceEncoder(BaseModule):
    """Recurrent encoder of per-group feature vectors.

    ``LayerNorm(in_channels)`` then ``LeakyReLU(negative_slope)`` on each
    group's flattened features, then a multi-layer (bidirectional) GRU or
    LSTM over the groups of each series. Series of different lengths are
    packed (``pack_padded_sequence``), so every series is processed over its
    true length only: the outputs equal those of the series run alone.

    Args:
        in_channels (int): features per group (backbone channels x grid).
        rnn_type (str): ``'gru'`` or ``'lstm'``. Defaults to ``'gru'``.
        hidden_size (int): hidden units per direction. Defaults to 512.
        num_layers (int): stacked layers. Defaults to 3.
        dropout (float): dropout between layers. Defaults to 0.5.
        bidirectional (bool): Defaults to True.
        negative_slope (float): LeakyReLU slope. Defaults to 0.01.
        init_cfg (dict, optional): MMEngine init config.
    """

    def __init__(self,
                 in_channels: int,
                 rnn_type: str = 'gru',
                 hidden_size: int = 512,
                 num_layers: int = 3,
                 dropout: float = 0.5,
                 bidirectional: bool = True,
                 negative_slope: float = 0.01,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if rnn_type not in RNN_TYPES:
            raise ValueError('RecurrentSequenceEncoder.rnn_type: expected '
                             f"one of {tuple(RNN_TYPES)}, got {rnn_type!r}")
        for name, value in (('in_channels', in_channels),
                            ('hidden_size', hidden_size),
                            ('num_layers', num_layers)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'RecurrentSequenceEncoder.{name}: expected '
                                 f'a positive int, got {value!r}')
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError('RecurrentSequenceEncoder.dropout: expected a '
                             f'value in [0, 1), got {dropout!r}')
        self.in_channels = in_channels
        self.rnn_type = rnn_type
        self.out_channels = hidden_size * (2 if bidirectional else 1)
        self.norm = nn.LayerNorm(in_channels)
        self.act = nn.LeakyReLU(negative_slope)
        self.rnn = RNN_TYPES[rnn_type](
            input_size=in_channels,
            hidden_size=hidden_size,
            num_layers=num_layers,
            dropout=float(dropout) if num_layers > 1 else 0.0,
            bidirectional=bidirectional,
            batch_first=True)

    def forward(self, feats: torch.Tensor,
                lengths: torch.Tensor) -> torch.Tensor:
        """Run the RNN over each series' valid groups.

        Args:
            feats (Tensor): (B, G_max, in_channels); steps ``>= lengths[b]``
                are padding and are never read.
            lengths (Tensor): (B,) int, 1 <= lengths[b] <= G_max.

        Returns:
            Tensor: (B, G_max, out_channels); padded steps are 0.
        """
        if feats.dim() != 3 or feats.shape[-1] != self.in_channels:
            raise ValueError(
                'RecurrentSequenceEncoder: expected features (B, G, '
                f'{self.in_channels}), got {tuple(feats.shape)}; check the '
                "recognizer's backbone_channels and grid_size")
        x = self.act(self.norm(feats))
        packed = pack_padded_sequence(
            x, lengths.detach().cpu().long(), batch_first=True,
            enforce_sorted=False)
        out, _ = self.rnn(packed)
        out, _ = pad_packed_sequence(
            out, batch_first=True, total_length=feats.shape[1])
        return out
