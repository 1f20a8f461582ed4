from mmdsa.structures.pairing import pair_records

from ._common import binary_summary, level_sensitivities
from .prediction_files import (load_prediction_file, write_json_atomic,
                               write_prediction_file)
from .series_classification_metric import SeriesClassificationMetric
from .series_detection_metric import SeriesDetectionMetric

__all__ = [
    'SeriesClassificationMetric', 'SeriesDetectionMetric',
    'load_prediction_file', 'binary_summary', 'write_prediction_file',
    'write_json_atomic', 'level_sensitivities', 'pair_records'
]
