from .model_init import init_model
from .series_inference import (inference_detector_series, inference_pair,
                               inference_recognizer_series, inference_series,
                               is_detector)

__all__ = [
    'init_model', 'inference_detector_series', 'inference_recognizer_series',
    'inference_series', 'inference_pair', 'is_detector'
]
