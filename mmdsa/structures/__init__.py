"""Data structures shared by the models and the evaluation (numpy only).

Box geometry lives here so that neither ``mmdsa.models`` nor
``mmdsa.evaluation`` imports the other (as ``mmdet.structures.bbox``).
"""
from .bbox import box_iou, centre_in_matrix

__all__ = ['box_iou', 'centre_in_matrix']
