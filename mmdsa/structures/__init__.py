"""Data structures shared by the models and the evaluation (numpy only).

Box geometry lives here so that neither ``mmdsa.models`` nor
``mmdsa.evaluation`` imports the other (as ``mmdet.structures.bbox``); so do
the PA+LAT pairing rule, the view names, the class names and the
temporal window rule, which the datasets, the models, the evaluation and
the APIs share. The series rules (trajectory optimiser, series score) are
in :mod:`mmdsa.structures.series` (imported on its own: it registers in
``TASK_UTILS``).
"""
from .bbox import box_iou, centre_in_matrix
from .classes import (CLASSIFICATION_CLASSES, DETECTION_CLASSES,
                      OCCLUSION_LEVELS)
from .pairing import (check_pair_views, group_pairs, pair_label,
                      pair_records, pair_score)
from .views import PAIR_VIEW, PAIR_VIEWS, VIEWS
from .window import window_indices

__all__ = [
    'box_iou', 'centre_in_matrix', 'CLASSIFICATION_CLASSES',
    'DETECTION_CLASSES', 'OCCLUSION_LEVELS', 'check_pair_views',
    'group_pairs', 'pair_label', 'pair_records', 'pair_score', 'PAIR_VIEW',
    'PAIR_VIEWS', 'VIEWS', 'window_indices'
]
