"""Series rules of the detector (numpy only): the trajectory optimiser
("SO", Su et al.), Seq-NMS and the series score.

The models apply them at inference and the evaluation re-applies them to
stored detections, so they live below both layers; neither
``mmdsa.models`` nor ``mmdsa.evaluation`` imports the other. Their
registered names (``TASK_UTILS``: ``TrajectoryOptimizer``) are unchanged.
"""
from .seq_nms import seq_nms
from .series_score import (DEFAULT_DET_SCORE_THR, build_series_post_processor,
                           detector_score_thr, max_score_series,
                           resolve_post_processor_cfg, score_series)
from .trajectory import Trajectory, best_trajectory
from .trajectory_optimizer import SeriesDetections, TrajectoryOptimizer

__all__ = [
    'Trajectory', 'best_trajectory', 'seq_nms', 'SeriesDetections',
    'TrajectoryOptimizer', 'DEFAULT_DET_SCORE_THR',
    'build_series_post_processor', 'detector_score_thr', 'max_score_series',
    'resolve_post_processor_cfg', 'score_series'
]
