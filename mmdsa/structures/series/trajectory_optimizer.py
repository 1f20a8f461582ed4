"""Series-level optimisation of per-frame detections (``TASK_UTILS``)."""
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np

from mmdsa.registry import TASK_UTILS
from ._boxes import check_series_boxes
from .seq_nms import seq_nms
from .trajectory import Trajectory, best_trajectory


@dataclass
class SeriesDetections:
    """Result of :class:`TrajectoryOptimizer` for one series.

    Attributes:
        bboxes (list[np.ndarray]): Per frame, (k_i, 4) kept boxes.
        scores (list[np.ndarray]): Per frame, (k_i,) new scores.
        series_score (float): Series-level score in [0, 1] when the input
            scores are.
        trajectory (Trajectory | None): The best trajectory ('trajectory'
            mode only).
    """
    bboxes: List[np.ndarray]
    scores: List[np.ndarray]
    series_score: float
    trajectory: Optional[Trajectory] = None


@TASK_UTILS.register_module()
class TrajectoryOptimizer:
    """Series-level post-processing of per-frame boxes.

    Two modes:

    - ``'trajectory'`` (Su et al., MedIA 2022, "SO"): boxes of consecutive
      frames are linked when the centre of one lies inside the other; the
      single trajectory maximising (sum of scores) x (number of frames) is
      found exactly (:func:`best_trajectory`); only its boxes are kept, all
      rescored to its mean score, and the series score is that mean (0 when
      the series has no box). At most one box per frame survives.
    - ``'seq_nms'`` (classic Seq-NMS): links by IoU >= ``link_iou_thr``,
      maximises the plain *sum* of scores, rescores the path ('avg'/'max'),
      suppresses overlapping boxes in the path's frames and repeats until no
      box is left, so several paths (and several boxes per frame) survive.
      The series score is the highest rescored box score (0 when none).

    Boxes scoring below ``score_thr`` are dropped before either mode, so a
    trajectory never extends into frames that hold only weaker boxes (the
    sum x duration score grows with every linked box, whatever its score).
    The default 0.05 is MMDetection's standard test cut, which the paper's
    detector applied before SO (papers.md B); a ``SpatioTemporalDetector``
    with a ``series_post_processor`` sets it to its detector's
    ``test_cfg`` score cut unless given.

    Args:
        mode (str): 'trajectory' or 'seq_nms'. Defaults to 'trajectory'.
        score_thr (float): Input boxes scoring below it are ignored.
            Defaults to 0.05.
        link_iou_thr (float): 'seq_nms' linking IoU. Defaults to 0.5.
        nms_iou_thr (float): 'seq_nms' suppression IoU. Defaults to 0.3.
        rescore (str): 'seq_nms' rescoring, 'avg' or 'max'. Defaults to
            'avg'.
    """

    def __init__(self,
                 mode: str = 'trajectory',
                 score_thr: float = 0.05,
                 link_iou_thr: float = 0.5,
                 nms_iou_thr: float = 0.3,
                 rescore: str = 'avg') -> None:
        if mode not in ('trajectory', 'seq_nms'):
            raise ValueError("TrajectoryOptimizer: expected mode "
                             f"'trajectory' or 'seq_nms', got {mode!r}")
        if rescore not in ('avg', 'max'):
            raise ValueError("TrajectoryOptimizer: expected rescore 'avg' or "
                             f"'max', got {rescore!r}")
        for name, value in (('link_iou_thr', link_iou_thr),
                            ('nms_iou_thr', nms_iou_thr)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f'TrajectoryOptimizer: expected {name} in '
                                 f'[0, 1], got {value}')
        self.mode = mode
        self.score_thr = float(score_thr)
        self.link_iou_thr = float(link_iou_thr)
        self.nms_iou_thr = float(nms_iou_thr)
        self.rescore = rescore

    def __call__(self, boxes: Sequence, scores: Sequence) -> SeriesDetections:
        """Optimise one series.

        Args:
            boxes (Sequence): Per frame, (n_i, 4) boxes (x1, y1, x2, y2).
            scores (Sequence): Per frame, (n_i,) scores.

        Returns:
            SeriesDetections: Kept boxes, new scores and the series score.
        """
        boxes, scores = check_series_boxes(boxes, scores,
                                           'TrajectoryOptimizer')
        pre_keep = [np.flatnonzero(s >= self.score_thr) for s in scores]
        f_boxes = [b[k] for b, k in zip(boxes, pre_keep)]
        f_scores = [s[k] for s, k in zip(scores, pre_keep)]
        empty_b, empty_i = np.zeros((0, 4)), np.zeros(0, dtype=np.int64)
        if self.mode == 'trajectory':
            traj = best_trajectory(f_boxes, f_scores)
            keep = [empty_i.copy() for _ in boxes]
            out_scores = [np.zeros(0) for _ in boxes]
            if traj is None:
                return SeriesDetections([empty_b.copy() for _ in boxes],
                                        out_scores, 0.0, None)
            for f, i in zip(traj.frame_indices, traj.box_indices):
                keep[f] = pre_keep[f][[i]]
                out_scores[f] = np.array([traj.mean_score])
            out_boxes = [b[k] for b, k in zip(boxes, keep)]
            return SeriesDetections(out_boxes, out_scores,
                                    float(traj.mean_score), traj)
        new = seq_nms(f_boxes, f_scores, self.link_iou_thr, self.nms_iou_thr,
                      self.rescore)
        keep, out_scores = [], []
        for pk, ns in zip(pre_keep, new):
            kept = ns >= 0
            keep.append(pk[kept])
            out_scores.append(ns[kept])
        out_boxes = [b[k] for b, k in zip(boxes, keep)]
        nonempty = [s.max() for s in out_scores if s.size]
        series_score = float(max(nonempty)) if nonempty else 0.0
        return SeriesDetections(out_boxes, out_scores, series_score)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(mode={self.mode!r}, '
                f'score_thr={self.score_thr}, '
                f'link_iou_thr={self.link_iou_thr}, '
                f'nms_iou_thr={self.nms_iou_thr}, rescore={self.rescore!r})')
