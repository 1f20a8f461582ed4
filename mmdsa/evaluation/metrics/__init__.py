from mmdsa.structures.pairing import pair_records

from .binary_metrics import binary_summary
from .dump_json_results import DumpJSONResults
from .dump_results import AtomicDumpResults
from .prediction_files import (load_prediction_file, write_json_atomic,
                               write_prediction_file)
from .series_classification_metric import SeriesClassificationMetric
from .series_detection_metric import SeriesDetectionMetric
from .subgroup_metrics import level_sensitivities

__all__ = [
    'AtomicDumpResults', 'DumpJSONResults',
    'SeriesClassificationMetric', 'SeriesDetectionMetric',
    'load_prediction_file', 'binary_summary', 'write_prediction_file',
    'write_json_atomic', 'level_sensitivities', 'pair_records'
]
