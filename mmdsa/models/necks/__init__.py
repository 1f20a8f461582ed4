from .base_temporal_neck import BaseTemporalNeck
from .conv_gru import BiConvGRU
from .conv_lstm import BiConvLSTM
from .temporal_attention import TemporalAttention
from .temporal_conv import TemporalConvolution

__all__ = [
    'BaseTemporalNeck', 'BiConvGRU', 'BiConvLSTM', 'TemporalConvolution',
    'TemporalAttention'
]
