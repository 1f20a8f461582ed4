"""Series-level perforation detection metric (Su et al., MedIA 2022)."""
import math
from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from mmdsa.registry import METRICS
from ..functional import match_detections, pr_auc, precision_recall_at
from ._common import as_dict, binary_summary, build_post_processor
from ._series_grouping import frame_record, group_series
from .prediction_files import write_prediction_file


@METRICS.register_module()
class SeriesDetectionMetric(BaseMetric):
    """Series classification and localisation metrics of a detector.

    Frame predictions are grouped by ``series_id`` (ordered by
    ``frame_id``) and the ``post_processor`` (e.g. the paper's trajectory
    optimiser, "SO") is applied per series once all frames are in. Without
    one (the default, the paper's rows without "+SO") the series score is
    the maximum box score.

    Series level (plain keys, usable as ``save_best``): ``auc``,
    ``youden_thr``, ``youden_sens``, ``youden_spec``, ``sens95``, plus
    ``mcc``, ``sens``, ``spec``, ``tn``, ``fp``, ``fn``, ``tp`` at
    ``threshold``. Series score = optimiser's series score, or the maximum
    box score without post-processor.

    Localisation, following papers.md B with at most one detection per
    image: in every evaluated frame only the highest-scoring remaining box
    is kept; it is a true positive when it matches the frame's reference box
    (IoU >= ``iou_thr`` for ``ap50``/``ar50``, centre-in for
    ``ap_cin``/``ar_cin``; greedy one-to-one). With ``K`` = kept boxes
    scoring >= ``loc_score_thr`` and ``G`` = reference boxes of the
    evaluated frames:

    - ``ap50`` / ``ap_cin`` (AP): TP among ``K`` / ``|K|`` (0 when empty);
    - ``ar50`` / ``ar_cin`` (AR): TP among ``K`` / ``G``;
    - ``auprc``: trapezoidal area under the precision-recall curve of all
      kept boxes ranked by score under centre-in, recall relative to ``G``
      (``mmdsa.evaluation.functional.pr_auc``).

    Evaluated frames are all frames (``loc_series='all'``: boxes in
    negative series are false positives) or those of positive series
    (``'positive'``). Localisation keys are NaN when ``G`` is 0.

    Args:
        post_processor (dict | callable | None): ``TASK_UTILS`` config such
            as ``dict(type='TrajectoryOptimizer')`` ("+SO" configs); None
            (default) = no post-processing (series score = max box score).
        iou_thr (float): IoU for ``ap50`` / ``ar50``.
        loc_score_thr (float): Score threshold for AP / AR.
        loc_series (str): 'all' or 'positive'.
        threshold (float): Series decision threshold for MCC etc.
        prediction_file (str, optional): Series prediction JSON (rank 0).
        model_name (str): Stored as ``model`` in that file.
        rescale_gt (bool): Divide reference boxes by ``scale_factor``
            (reference boxes in network-input space, predictions in
            original space, as mmdet packs them).
        collect_device (str): Device for collecting results.
        prefix (str, optional): Key prefix; none by default.
    """
    default_prefix: Optional[str] = ''

    def __init__(self,
                 post_processor: Optional[Mapping] = None,
                 iou_thr: float = 0.5,
                 loc_score_thr: float = 0.5,
                 loc_series: str = 'all',
                 threshold: float = 0.5,
                 prediction_file: Optional[str] = None,
                 model_name: str = '',
                 rescale_gt: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if loc_series not in ('all', 'positive'):
            raise ValueError("SeriesDetectionMetric: expected loc_series "
                             f"'all' or 'positive', got {loc_series!r}")
        if not 0.0 < iou_thr <= 1.0:
            raise ValueError('SeriesDetectionMetric: expected iou_thr in '
                             f'(0, 1], got {iou_thr}')
        self.post_processor = build_post_processor(post_processor)
        self.iou_thr = float(iou_thr)
        self.loc_score_thr = float(loc_score_thr)
        self.loc_series = loc_series
        self.threshold = float(threshold)
        self.prediction_file = prediction_file
        self.model_name = model_name
        self.rescale_gt = rescale_gt

    def process(self, data_batch, data_samples: Sequence) -> None:
        """Store one picklable numpy record per key frame."""
        for sample in data_samples:
            self.results.append(
                frame_record(as_dict(sample), type(self).__name__,
                             self.rescale_gt))

    def localisation(self, series: List[dict]) -> Dict[str, float]:
        """AP / AR at IoU and centre-in, AUPRC (see the class docstring)."""
        flags = {'iou': [], 'centre_in': []}
        scores, num_gt = [], 0
        for s in series:
            if self.loc_series == 'positive' and s['label'] != 1:
                continue
            for fr in s['frames']:
                num_gt += fr['gt_bboxes'].shape[0]
                if fr['scores'].size == 0:
                    continue
                top = int(np.argmax(fr['scores']))
                box, score = fr['bboxes'][top:top + 1], fr['scores'][top:top +
                                                                     1]
                scores.append(float(score[0]))
                for crit in flags:
                    tp, _ = match_detections(box, score, fr['gt_bboxes'],
                                             crit, self.iou_thr)
                    flags[crit].append(bool(tp[0]))
        keys = ('ap50', 'ar50', 'ap_cin', 'ar_cin', 'auprc')
        if num_gt == 0:
            print_log('SeriesDetectionMetric: no reference boxes; '
                      'localisation metrics are NaN', logger='current',
                      level=30)
            return {k: math.nan for k in keys}
        out = {}
        for crit, (ap_key, ar_key) in (('iou', ('ap50', 'ar50')),
                                       ('centre_in', ('ap_cin', 'ar_cin'))):
            out[ap_key], out[ar_key] = precision_recall_at(
                flags[crit], scores, num_gt, self.loc_score_thr)
        out['auprc'] = pr_auc(flags['centre_in'], scores, num_gt) \
            if scores else 0.0
        return out

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Series and localisation metrics (rank 0); writes the file."""
        where = type(self).__name__
        if not results:
            raise ValueError(f'{where}: no predictions were collected')
        series = group_series(results, self.post_processor, where)
        records = [{k: v for k, v in s.items() if k != 'frames'}
                   for s in series]
        if self.prediction_file:
            write_prediction_file(self.prediction_file, 'perforation',
                                  self.model_name, records)
        out = binary_summary([r['label'] for r in records],
                             [r['score'] for r in records], self.threshold,
                             where)
        out.update(self.localisation(series))
        return out
