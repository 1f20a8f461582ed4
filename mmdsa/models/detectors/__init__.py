from .window_inference import (predict_series, predict_series_naive,
                               window_indices)
from .spatio_temporal_detector import SpatioTemporalDetector

__all__ = [
    'SpatioTemporalDetector', 'predict_series', 'predict_series_naive',
    'window_indices'
]
