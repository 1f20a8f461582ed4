"""Series-level perforation detection metric (Su et al., MedIA 2022)."""
import copy
from typing import Dict, Optional, Sequence, Union

from mmengine.evaluator import BaseMetric

from mmdsa.registry import METRICS
from ._data_samples import as_dict
from ._series_grouping import (FROM_MODEL, build_post_processor, frame_record,
                               group_series, resolve_post_processor,
                               score_rows)
from .detection_summary import check_loc_score_thr, detection_summary
from .prediction_files import write_prediction_file

MAX_SCORE_PREFIX = 'max_score/'


@METRICS.register_module()
class SeriesDetectionMetric(BaseMetric):
    """Series classification and localisation metrics of a detector.

    Frame predictions are grouped by ``series_id`` (ordered by
    ``frame_id``) and, once all frames of a series are in, scored by the
    series rule (:func:`mmdsa.structures.series.score_series`): the
    series post-processor's kept boxes and series score (the paper's "+SO"
    rows), or without one all boxes and the maximum box score. By default
    the post-processor is the model's (``SpatioTemporalDetector``'s
    ``series_post_processor``, carried by its predictions), so the model
    config is the one place it is set.

    Keys (definitions in :mod:`.detection_summary` and ``docs/metrics.md``):
    series level ``auc``, ``youden_thr``, ``youden_sens``, ``youden_spec``,
    ``sens95``, and ``mcc``, ``sens``, ``spec``, ``tn``, ``fp``, ``fn``,
    ``tp`` at ``threshold``; localisation ``ap50``, ``ar50``, ``ap_cin``,
    ``ar_cin`` at the operating point ``loc_thr`` (by default the series
    Youden threshold) and ``auprc`` (centre-in, step-wise, ties one step).
    With a post-processor and ``compare_max_score=True`` the same keys of
    the max-score rule on the same detections follow as
    ``max_score/<key>``.

    Args:
        post_processor (str | dict | callable | None): ``'model'``
            (default: the model's), a ``TASK_UTILS`` config such as
            ``dict(type='TrajectoryOptimizer')``, or None (max box score).
        iou_thr (float): IoU for ``ap50`` / ``ar50``.
        loc_score_thr (str | float): 'youden' (default) or a fixed box
            score for AP / AR.
        loc_series (str): Frames evaluated for localisation: 'all' (boxes
            in negative series are false positives) or 'positive'.
        threshold (float): Series decision threshold for MCC etc.
        compare_max_score (bool): Also report ``max_score/<key>``.
        prediction_file (str, optional): Series prediction JSON (rank 0)
            with every series' per-frame detections and reference boxes.
        model_name (str): Stored as ``model`` in that file.
        rescale_gt (bool): Divide reference boxes by ``scale_factor``
            (reference boxes in network-input space, predictions in
            original space, as mmdet packs them).
        collect_device (str): Device for collecting results.
        prefix (str, optional): Key prefix; none by default.
    """
    default_prefix: Optional[str] = ''

    def __init__(self,
                 post_processor: Union[str, dict, None] = FROM_MODEL,
                 iou_thr: float = 0.5,
                 loc_score_thr: Union[str, float] = 'youden',
                 loc_series: str = 'all',
                 threshold: float = 0.5,
                 compare_max_score: bool = True,
                 prediction_file: Optional[str] = None,
                 model_name: str = '',
                 rescale_gt: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        where = type(self).__name__
        if loc_series not in ('all', 'positive'):
            raise ValueError(f"{where}: expected loc_series 'all' or "
                             f"'positive', got {loc_series!r}")
        if not 0.0 < iou_thr <= 1.0:
            raise ValueError(f'{where}: expected iou_thr in (0, 1], got '
                             f'{iou_thr}')
        if isinstance(post_processor, str) and post_processor != FROM_MODEL:
            raise ValueError(f"{where}: expected post_processor 'model', a "
                             f'config dict or None, got {post_processor!r}')
        self.post_processor_cfg = post_processor
        self.post_processor = build_post_processor(post_processor)
        self.iou_thr = float(iou_thr)
        self.loc_score_thr = check_loc_score_thr(loc_score_thr, where)
        self.loc_series = loc_series
        self.threshold = float(threshold)
        self.compare_max_score = bool(compare_max_score)
        self.prediction_file = prediction_file
        self.model_name = model_name
        self.rescale_gt = rescale_gt

    def process(self, data_batch, data_samples: Sequence) -> None:
        """Store one picklable numpy record per key frame."""
        for sample in data_samples:
            self.results.append(
                frame_record(as_dict(sample), type(self).__name__,
                             self.rescale_gt))

    def summary(self, series) -> Dict[str, float]:
        """:func:`detection_summary` with this metric's settings."""
        return detection_summary(series, self.threshold, self.loc_score_thr,
                                 self.iou_thr, self.loc_series,
                                 type(self).__name__)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Series and localisation metrics (rank 0); writes the file."""
        where = type(self).__name__
        if not results:
            raise ValueError(f'{where}: no predictions were collected')
        post = resolve_post_processor(self.post_processor, results, where)
        series = group_series(results, post, where)
        if self.prediction_file:
            cfg = self.post_processor_cfg
            if cfg == FROM_MODEL:
                cfg = results[0].get('series_post_processor')
            elif callable(cfg):
                cfg = repr(cfg)
            write_prediction_file(
                self.prediction_file, 'perforation', self.model_name,
                series, extra=dict(series_post_processor=cfg),
                with_frames=True)
        out = self.summary(series)
        if post is not None and self.compare_max_score:
            plain = copy.deepcopy(series)
            for s in plain:
                s['score'] = score_rows(s['frames'], None)
            out.update({MAX_SCORE_PREFIX + k: v
                        for k, v in self.summary(plain).items()})
        return out
