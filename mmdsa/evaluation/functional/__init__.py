"""Numpy-only metric functions (binary classification and detection) and
the tests and corrections the claims ledgers use."""
from .anova import one_way_anova
from .bootstrap import bootstrap_ci
from mmdsa.structures.bbox import box_iou, centre_in_matrix
from .classification import confusion_matrix, matthews_corrcoef
from .combine import stouffer, z_from_two_sided_p
from .delong import DeLongResult, delong_test, placement_values
from .equivalence import tost_normal
from .detection import (average_precision, match_detections,
                        precision_recall_at, precision_recall_curve)
from .multiple_testing import holm_adjust
from .operating_points import (sensitivity_at_specificity,
                               youden_operating_point)
from .paired_bootstrap import paired_bootstrap_test
from .roc import binary_roc_auc, roc_curve
from .seed_test import paired_seed_test
from .verdict import (DIRECTIONS, VERDICTS, claim_verdict,
                      direction_holds)

__all__ = [
    'bootstrap_ci', 'box_iou', 'centre_in_matrix', 'confusion_matrix',
    'matthews_corrcoef', 'DeLongResult', 'delong_test', 'placement_values',
    'average_precision', 'match_detections',
    'precision_recall_at', 'precision_recall_curve',
    'sensitivity_at_specificity', 'youden_operating_point', 'binary_roc_auc',
    'roc_curve', 'stouffer', 'z_from_two_sided_p', 'one_way_anova',
    'tost_normal', 'holm_adjust', 'paired_bootstrap_test',
    'paired_seed_test', 'DIRECTIONS', 'VERDICTS', 'claim_verdict',
    'direction_holds'
]
