from .seq_nms import seq_nms
from .trajectory import Trajectory, best_trajectory
from .trajectory_optimizer import (SeriesDetections, TrajectoryOptimizer,
                                   optimize_series_predictions)

__all__ = [
    'Trajectory', 'best_trajectory', 'seq_nms', 'SeriesDetections',
    'TrajectoryOptimizer', 'optimize_series_predictions'
]
