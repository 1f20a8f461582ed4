"""Turn per-frame detector outputs into series (for the series metrics)."""
from collections import defaultdict
from typing import Callable, Dict, List, Optional, Union

import numpy as np
from mmengine.logging import print_log

from mmdsa.structures.series import (build_series_post_processor,
                                          score_series)
from ._data_samples import require, to_numpy

# ``post_processor='model'``: apply what the model's predictions carry
FROM_MODEL = 'model'


def build_post_processor(cfg: Optional[object]):
    """Build a series post-processor from a config dict (``TASK_UTILS``);
    a callable, None or ``'model'`` (apply the model's, see
    :func:`resolve_post_processor`) is returned as it is."""
    if cfg == FROM_MODEL:
        return cfg
    return build_series_post_processor(cfg)


def _boxes(value) -> np.ndarray:
    if hasattr(value, 'tensor'):  # mmdet HorizontalBoxes
        value = value.tensor
    return to_numpy(value, np.float64).reshape(-1, 4)


def frame_record(sample: dict, where: str, rescale_gt: bool = True) -> dict:
    """Picklable numpy record of one key-frame prediction.

    Args:
        sample (dict): ``DetDataSample.to_dict()``: ``pred_instances``
            (``bboxes`` (n, 4) in original image coordinates, ``scores``
            (n,)), optional ``gt_instances`` (``bboxes`` (m, 4) in network
            input coordinates), metainfo ``series_id``, ``frame_id``,
            ``series_label`` and optional ``series_length``, ``view``,
            ``pair_id``, ``patient_id``, ``scale_factor``.
        where (str): Caller name used in messages.
        rescale_gt (bool): Divide the reference boxes by ``scale_factor`` to
            bring them to original image coordinates like the predictions.

    Returns:
        dict: The record (numpy arrays and plain Python values only).
    """
    pred = require(sample, 'pred_instances', where)
    pred = pred.to_dict() if hasattr(pred, 'to_dict') else pred
    bboxes = _boxes(require(pred, 'bboxes', f'{where} pred_instances'))
    scores = to_numpy(require(pred, 'scores', f'{where} pred_instances'))
    scores = scores.reshape(-1)
    gt = sample.get('gt_instances') or {}
    gt = gt.to_dict() if hasattr(gt, 'to_dict') else gt
    gt_boxes = _boxes(gt['bboxes']) if 'bboxes' in gt else np.zeros((0, 4))
    scale = sample.get('scale_factor')
    if rescale_gt and scale is not None and gt_boxes.size:
        sx, sy = (float(v) for v in np.asarray(scale).reshape(-1)[:2])
        gt_boxes = gt_boxes / np.array([sx, sy, sx, sy])
    length = sample.get('series_length')
    post = sample.get('series_post_processor')
    return dict(
        series_id=str(require(sample, 'series_id', where)),
        frame_id=int(require(sample, 'frame_id', where)),
        series_length=None if length is None else int(length),
        label=int(require(sample, 'series_label', where)),
        view=sample.get('view'),
        pair_id=sample.get('pair_id'),
        patient_id=sample.get('patient_id'),
        bboxes=bboxes.astype(np.float32),
        scores=scores.astype(np.float32),
        gt_bboxes=gt_boxes.astype(np.float32),
        series_post_processor=None if post is None else dict(post))


def resolve_post_processor(setting: Union[str, Callable, None],
                           frames: List[dict], where: str):
    """The series post-processor a metric applies.

    Args:
        setting: ``'model'`` (the config the model's predictions carry as
            metainfo ``series_post_processor``, see
            ``SpatioTemporalDetector``; None when they carry none), a built
            post-processor, or None (maximum box score).
        frames (list[dict]): Frame records of :func:`frame_record`.
        where (str): Caller name used in messages.

    Returns:
        callable | None: The post-processor.

    Raises:
        ValueError: The predictions carry different configs.
    """
    if setting != FROM_MODEL:
        return setting
    cfgs = {repr(fr.get('series_post_processor')): fr.get(
        'series_post_processor') for fr in frames}
    if len(cfgs) > 1:
        raise ValueError(f'{where}: the predictions carry different series '
                         f'post-processors: {sorted(cfgs)}')
    cfg = next(iter(cfgs.values())) if cfgs else None
    return build_series_post_processor(cfg)


def group_series(frames: List[dict],
                 post_processor: Union[str, Callable, None],
                 where: str) -> List[Dict]:
    """Group frame records by ``series_id`` and score every series.

    Frames are ordered by ``frame_id``; frame ids missing from
    ``0 .. series_length - 1`` (or between the smallest and largest id when
    the length is unknown) become frames without boxes, with a warning.
    Every series is scored by :func:`mmdsa.structures.series.
    score_series` (the post-processor's kept boxes and series score, else
    all boxes and the maximum box score); ``post_processor`` may be
    ``'model'`` (see :func:`resolve_post_processor`). The input boxes stay
    in ``raw_bboxes`` / ``raw_scores`` of every frame.

    Returns:
        list[dict]: Per series (sorted by id): ``series_id``, ``label``,
        ``view``, ``pair_id``, ``patient_id``, ``score`` and ``frames`` (a
        list of dicts with ``frame_id``, ``bboxes``, ``scores``,
        ``gt_bboxes``).

    Raises:
        ValueError: If a (series_id, frame_id) appears twice.
    """
    post_processor = resolve_post_processor(post_processor, frames, where)
    by_series: Dict[str, Dict[int, dict]] = defaultdict(dict)
    for fr in frames:
        series = by_series[fr['series_id']]
        if fr['frame_id'] in series:
            raise ValueError(f'{where}: series {fr["series_id"]!r} frame '
                             f'{fr["frame_id"]} was predicted twice')
        series[fr['frame_id']] = fr
    out = []
    for sid in sorted(by_series):
        series = by_series[sid]
        first = series[min(series)]
        length = first['series_length']
        ids = range(length) if length else range(min(series),
                                                 max(series) + 1)
        missing = [i for i in ids if i not in series]
        if missing:
            print_log(f'{where}: series {sid!r} lacks predictions for '
                      f'frames {missing[:10]}; they count as frames without '
                      'boxes', logger='current', level=30)
        empty = dict(bboxes=np.zeros((0, 4), np.float32),
                     scores=np.zeros(0, np.float32),
                     gt_bboxes=np.zeros((0, 4), np.float32))
        rows = [dict(frame_id=i, **{
            k: series[i][k] if i in series else empty[k]
            for k in ('bboxes', 'scores', 'gt_bboxes')
        }) for i in ids]
        score = score_rows(rows, post_processor)
        out.append(
            dict(series_id=sid, label=first['label'], view=first['view'],
                 pair_id=first['pair_id'], patient_id=first['patient_id'],
                 score=score, frames=rows))
    return out


def score_rows(rows: List[dict], post_processor) -> float:
    """Score one series' frame rows in place (see :func:`group_series`).

    ``raw_bboxes`` / ``raw_scores`` keep (or, on a re-score, give) the
    detector's boxes; ``bboxes`` / ``scores`` become the kept ones as
    float64 (kept scores equal the series score exactly under SO).

    Returns:
        float: The series score.
    """
    for r in rows:
        r.setdefault('raw_bboxes', r['bboxes'])
        r.setdefault('raw_scores', r['scores'])
    res = score_series([r['raw_bboxes'] for r in rows],
                       [r['raw_scores'] for r in rows], post_processor)
    for r, b, s in zip(rows, res.bboxes, res.scores):
        r['bboxes'] = np.asarray(b, np.float64).reshape(-1, 4)
        r['scores'] = np.asarray(s, np.float64).reshape(-1)
    return float(res.series_score)
