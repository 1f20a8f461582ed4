"""Numpy-only metric functions (binary classification and detection)."""
from .bootstrap import bootstrap_ci
from mmdsa.structures.bbox import box_iou, centre_in_matrix
from .classification import confusion_matrix, matthews_corrcoef
from .combine import stouffer, z_from_two_sided_p
from .delong import DeLongResult, delong_test, placement_values
from .detection import (average_precision, match_detections,
                        precision_recall_at, precision_recall_curve)
from .operating_points import (sensitivity_at_specificity,
                               youden_operating_point)
from .roc import binary_roc_auc, roc_curve

__all__ = [
    'bootstrap_ci', 'box_iou', 'centre_in_matrix', 'confusion_matrix',
    'matthews_corrcoef', 'DeLongResult', 'delong_test', 'placement_values',
    'average_precision', 'match_detections',
    'precision_recall_at', 'precision_recall_curve',
    'sensitivity_at_specificity', 'youden_operating_point', 'binary_roc_auc',
    'roc_curve', 'stouffer', 'z_from_two_sided_p'
]
