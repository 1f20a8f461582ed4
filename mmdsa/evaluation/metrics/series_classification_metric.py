"""Series-level thrombus classification metric (Mittmann et al.)."""
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from mmdsa.registry import METRICS
from ._data_samples import as_dict, require, to_numpy
from ._series_grouping import build_post_processor, frame_record, group_series
from .prediction_files import write_prediction_file
from .subgroup_metrics import view_and_pair_summaries


@METRICS.register_module()
class SeriesClassificationMetric(BaseMetric):
    """AUC, MCC, Youden and sens@95 %spec of series-level probabilities.

    Keys (plain, no prefix, all usable as ``save_best``): ``auc``, ``mcc``,
    ``sens``, ``spec`` (at ``threshold``; positive = ``score >=
    threshold``), ``youden_thr``, ``youden_sens``, ``youden_spec``,
    ``sens95`` (maximum sensitivity among thresholds with specificity >=
    0.95) and the confusion counts ``tn``, ``fp``, ``fn``, ``tp``. When the
    series carry PA and LAT views the same keys are repeated as
    ``pa/<key>`` and ``lat/<key>`` (``views=True``) and ``pair/<key>`` for
    PA+LAT pairs (``pairs=True``: mean of the two views' probabilities, the
    pair positive if either view is; pairs missing a view are left out).
    Ranking metrics are NaN (with a warning) when one class is missing.
    With ``levels=True`` (default) and series carrying an
    ``occlusion_level`` (ICA-T / M1 / M2 / M3 / M4+, from the annotation
    file), the sensitivity of the positives of every level is added:
    ``level/<L>/sens`` (at ``threshold``), ``level/<L>/youden_sens`` (at
    the Youden threshold) and ``level/<L>/num_pos``, also under ``pa/``,
    ``lat/`` and ``pair/``.

    Inputs (``docs/contracts.md``, "Model outputs"):

    - ``source='recognizer'``: one data sample per series with
      ``pred_score`` (tensor (1,) = P(thrombus)), ``gt_label`` and metainfo
      ``series_id``, optional ``pair_id``, ``view``, ``patient_id``.
    - ``source='detector'``: one ``DetDataSample`` per key frame; frames are
      grouped by ``series_id`` and the series score is the
      ``post_processor``'s (e.g. ``dict(type='TrajectoryOptimizer')``)
      ``series_score`` or, without one, the maximum frame box score.

    Args:
        source (str): 'recognizer' or 'detector'.
        threshold (float): Decision threshold for MCC / sens / spec.
        post_processor (dict | callable, optional): ``TASK_UTILS`` config of
            the series post-processor (detector only).
        prediction_file (str, optional): Write the series predictions in the
            contract's prediction-file format (rank 0, atomically).
        model_name (str): Free text stored as ``model`` in that file.
        views (bool): Report per-view metrics.
        pairs (bool): Report PA+LAT pair metrics.
        levels (bool): Report sensitivity per occlusion level.
        collect_device (str): Device for collecting results.
        prefix (str, optional): Key prefix; none by default.
    """
    default_prefix: Optional[str] = ''

    def __init__(self,
                 source: str = 'recognizer',
                 threshold: float = 0.5,
                 post_processor: Optional[dict] = None,
                 prediction_file: Optional[str] = None,
                 model_name: str = '',
                 views: bool = True,
                 pairs: bool = True,
                 levels: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if source not in ('recognizer', 'detector'):
            raise ValueError("SeriesClassificationMetric: expected source "
                             f"'recognizer' or 'detector', got {source!r}")
        if post_processor is not None and source != 'detector':
            raise ValueError('SeriesClassificationMetric: post_processor is '
                             "only used with source='detector'")
        self.source = source
        self.threshold = float(threshold)
        self.post_processor = build_post_processor(post_processor)
        self.prediction_file = prediction_file
        self.model_name = model_name
        self.views = views
        self.pairs = pairs
        self.levels = levels

    def process(self, data_batch, data_samples: Sequence) -> None:
        """Store one picklable numpy record per data sample."""
        where = type(self).__name__
        for sample in data_samples:
            sample = as_dict(sample)
            if self.source == 'detector':
                self.results.append(frame_record(sample, where))
                continue
            score = to_numpy(require(sample, 'pred_score', where)).reshape(-1)
            if score.shape[0] != 1:
                raise ValueError(f'{where}: expected pred_score of shape (1,)'
                                 f' = P(thrombus), got {score.shape}')
            label = to_numpy(require(sample, 'gt_label', where), np.int64)
            self.results.append(
                dict(series_id=str(require(sample, 'series_id', where)),
                     pair_id=sample.get('pair_id'),
                     view=sample.get('view'),
                     patient_id=sample.get('patient_id'),
                     occlusion_level=sample.get('occlusion_level'),
                     label=int(label.reshape(-1)[0]),
                     score=float(score[0])))

    def series_records(self, results: List[dict]) -> List[dict]:
        """Series records (``series_id``, ``label``, ``score``, ...)."""
        where = type(self).__name__
        if self.source == 'detector':
            series = group_series(results, self.post_processor, where)
            return [{k: v for k, v in s.items() if k != 'frames'}
                    for s in series]
        seen = set()
        for r in results:
            if r['series_id'] in seen:
                raise ValueError(f'{where}: series {r["series_id"]!r} was '
                                 'predicted twice')
            seen.add(r['series_id'])
        return sorted(results, key=lambda r: r['series_id'])

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Compute the metrics (rank 0) and write the prediction file."""
        where = type(self).__name__
        if not results:
            raise ValueError(f'{where}: no predictions were collected')
        records = self.series_records(results)
        if self.prediction_file:
            write_prediction_file(
                self.prediction_file,
                'thrombus' if self.source == 'recognizer' else 'perforation',
                self.model_name, records)
        return view_and_pair_summaries(records, self.threshold, where,
                                       self.views, self.pairs, self.levels)
