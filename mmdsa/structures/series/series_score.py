"""The series score of a detector: one rule for metrics, inference, tools.

A series' score is the series post-processor's ``series_score`` when one is
configured (e.g. the paper's trajectory optimiser, "SO"), else the maximum
box score of the series (0 without boxes): the paper's rows without "+SO".
Every caller (``SeriesDetectionMetric``, ``SeriesClassificationMetric`` with
``source='detector'``, ``mmdsa.apis`` inference, the cross-validation and
ensemble tools) goes through :func:`score_series`.
"""
from typing import Mapping, Optional, Sequence

from mmdsa.registry import TASK_UTILS
from ._boxes import check_series_boxes
from .trajectory_optimizer import SeriesDetections

# MMDetection's standard test setting, which the perforation paper says it
# used (papers.md B): boxes below it are never reported.
DEFAULT_DET_SCORE_THR = 0.05


def max_score_series(boxes: Sequence, scores: Sequence) -> SeriesDetections:
    """No post-processing: every box is kept, series score = max box score.

    Args:
        boxes (Sequence): Per frame, (n_i, 4) boxes (x1, y1, x2, y2).
        scores (Sequence): Per frame, (n_i,) scores.

    Returns:
        SeriesDetections: The input boxes and scores (float64 copies),
        ``series_score`` = the largest score (0 when the series has no box).
    """
    boxes, scores = check_series_boxes(boxes, scores, 'max_score_series')
    best = [float(s.max()) for s in scores if s.size]
    return SeriesDetections(boxes, scores, max(best) if best else 0.0)


def score_series(boxes: Sequence, scores: Sequence,
                 post_processor=None) -> SeriesDetections:
    """Post-process one series and give its score (the one rule).

    Args:
        boxes (Sequence): Per frame, (n_i, 4) boxes.
        scores (Sequence): Per frame, (n_i,) scores.
        post_processor (callable, optional): A built series post-processor
            (``TrajectoryOptimizer``); None = :func:`max_score_series`.

    Returns:
        SeriesDetections: Kept boxes, their scores and the series score.
    """
    if post_processor is None:
        return max_score_series(boxes, scores)
    return post_processor(boxes, scores)


def detector_score_thr(test_cfg: Optional[Mapping]) -> Optional[float]:
    """The score cut of an mmdet detector's ``test_cfg`` (one-stage
    ``score_thr``, or two-stage ``rcnn.score_thr``); None when absent."""
    if not test_cfg:
        return None
    if 'score_thr' in test_cfg:
        return float(test_cfg['score_thr'])
    rcnn = test_cfg.get('rcnn')
    if isinstance(rcnn, Mapping) and 'score_thr' in rcnn:
        return float(rcnn['score_thr'])
    return None


def resolve_post_processor_cfg(cfg: Optional[Mapping],
                               det_score_thr: Optional[float] = None
                               ) -> Optional[dict]:
    """A plain-dict copy of a series post-processor config whose minimum
    box score (``score_thr``) defaults to the detector's.

    Args:
        cfg (Mapping, optional): e.g. ``dict(type='TrajectoryOptimizer')``.
        det_score_thr (float, optional): The detector's score cut.

    Returns:
        dict | None: The config with an explicit ``score_thr``, or None.

    Raises:
        TypeError: ``cfg`` is neither None nor a mapping.
    """
    if cfg is None:
        return None
    if not isinstance(cfg, Mapping):
        raise TypeError('series_post_processor: expected a config dict or '
                        f'None, got {type(cfg).__name__}')
    out = _plain(cfg)
    if out.get('score_thr') is None:
        out['score_thr'] = DEFAULT_DET_SCORE_THR \
            if det_score_thr is None else float(det_score_thr)
    return out


def build_series_post_processor(cfg):
    """Build a series post-processor (``TASK_UTILS``) from a config dict;
    a callable or None is returned as it is."""
    if cfg is None or callable(cfg):
        return cfg
    if not isinstance(cfg, Mapping):
        raise TypeError('series_post_processor: expected a config dict, a '
                        f'callable or None, got {type(cfg).__name__}')
    return TASK_UTILS.build(_plain(cfg))


def _plain(value):
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value
