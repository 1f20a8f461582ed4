"""Read and write series prediction files (``docs/contracts.md``).

```
{"task": "thrombus"|"perforation", "model": "...",
 "predictions": [{"series_id", "pair_id", "view", "patient_id", "label",
                  "score", "occlusion_level"}]}
```
``occlusion_level`` (ICA-T / M1 / M2 / M3 / M4+ or null) is optional on
reading.
Series ids are unique and scores finite in [0, 1]. Detection files written
by ``SeriesDetectionMetric`` also hold, per series, ``frames``: the
detector's boxes of every frame before series post-processing and the
reference boxes (``[{"frame_id", "bboxes", "scores", "gt_bboxes"}]``,
original image coordinates), and at the top level the
``series_post_processor`` config that gave ``score``, so any series rule can
be re-applied offline (pooled cross-validation, both arms of a study).
"""
import json
import math
from typing import Dict, List, Optional

import numpy as np

from mmdsa.utils.fileio import write_json_atomic

TASKS = ('thrombus', 'perforation')


class PredictionFileError(ValueError):
    """A prediction file that cannot be used as asked (unreadable, empty,
    malformed or of another task); the message names the file."""


PREDICTION_KEYS = ('series_id', 'pair_id', 'view', 'patient_id', 'label',
                   'score', 'occlusion_level')


def frames_to_json(frames: List[dict]) -> List[dict]:
    """Per-frame detector boxes (``raw_bboxes`` / ``raw_scores`` when a
    series rule was applied, else ``bboxes`` / ``scores``) and references
    as JSON lists."""
    out = []
    for fr in frames:
        boxes = fr.get('raw_bboxes', fr['bboxes'])
        scores = fr.get('raw_scores', fr['scores'])
        out.append(dict(
            frame_id=int(fr['frame_id']),
            bboxes=np.asarray(boxes, np.float64).reshape(-1, 4).tolist(),
            scores=np.asarray(scores, np.float64).reshape(-1).tolist(),
            gt_bboxes=np.asarray(fr['gt_bboxes'],
                                 np.float64).reshape(-1, 4).tolist()))
    return out


def frames_from_json(frames: List[dict], where: str) -> List[dict]:
    """Inverse of :func:`frames_to_json` (numpy arrays), checked.

    Raises:
        ValueError: A missing key or a wrongly shaped array, naming
            ``where`` and the frame.
    """
    out = []
    for k, fr in enumerate(frames):
        try:
            boxes = np.asarray(fr['bboxes'], np.float64).reshape(-1, 4)
            scores = np.asarray(fr['scores'], np.float64).reshape(-1)
            gt = np.asarray(fr['gt_bboxes'], np.float64).reshape(-1, 4)
            fid = int(fr['frame_id'])
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f'{where}: frames[{k}]: expected frame_id, '
                             'bboxes (n, 4), scores (n,) and gt_bboxes '
                             f'(m, 4), got {err}') from err
        if scores.shape[0] != boxes.shape[0]:
            raise ValueError(f'{where}: frames[{k}]: {boxes.shape[0]} boxes '
                             f'but {scores.shape[0]} scores')
        out.append(dict(frame_id=fid, bboxes=boxes, scores=scores,
                        gt_bboxes=gt))
    return out


def write_prediction_file(path: str,
                          task: str,
                          model: str,
                          records: List[dict],
                          extra: Optional[Dict] = None,
                          with_frames: bool = False) -> None:
    """Write series records as a prediction file (atomically).

    Args:
        path (str): Output JSON path.
        task (str): 'thrombus' or 'perforation'.
        model (str): Free text naming the model.
        records (list[dict]): Records with the keys of ``PREDICTION_KEYS``.
        extra (dict, optional): More top-level keys (e.g. ``metrics``).
        with_frames (bool): Also write each record's ``frames`` (see
            :func:`frames_to_json`).
    """
    preds = []
    for r in records:
        pred = {k: r.get(k) for k in PREDICTION_KEYS}
        if with_frames:
            pred['frames'] = frames_to_json(r['frames'])
        preds.append(pred)
    payload = dict(task=task, model=model, predictions=preds)
    payload.update(extra or {})
    write_json_atomic(path, payload)


def load_prediction_file(path: str,
                         task: Optional[str] = None,
                         allow_empty: bool = False) -> dict:
    """Load and validate a prediction file.

    Args:
        path (str): The JSON file.
        task (str, optional): The task the caller needs ('thrombus' or
            'perforation'); a file of the other task is refused.
        allow_empty (bool): Accept a file without predictions.

    Returns:
        dict: The file's content; ``predictions`` with int labels and float
        scores.

    Raises:
        PredictionFileError: Unreadable JSON, missing fields, no
            predictions, another task, duplicated series ids, labels
            outside {0, 1} or scores that are NaN / outside [0, 1]; the
            message names the file and the offending series ids.
    """
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise PredictionFileError(
            f'{path}: cannot read prediction file: {err}')
    preds = data.get('predictions') if isinstance(data, dict) else None
    if not isinstance(preds, list):
        raise PredictionFileError(f'{path}: expected a JSON object with a '
                                  '"predictions" list')
    if not preds and not allow_empty:
        raise PredictionFileError(f'{path}: field "predictions": expected '
                                  'at least one series, got none')
    if task is not None and data.get('task') != task:
        raise PredictionFileError(
            f'{path}: field "task": expected {task!r}, got '
            f'{data.get("task")!r}')
    if data.get('task') is not None and data.get('task') not in TASKS:
        raise PredictionFileError(f'{path}: field "task": expected one of '
                                  f'{TASKS}, got {data.get("task")!r}')
    seen, dupes, bad_scores, bad_labels = set(), [], [], []
    for k, p in enumerate(preds):
        for key in ('series_id', 'label', 'score'):
            if not isinstance(p, dict) or key not in p:
                raise PredictionFileError(
                    f'{path}: prediction {k}: expected field {key!r}')
        sid = str(p['series_id'])
        if sid in seen:
            dupes.append(sid)
        seen.add(sid)
        score = p['score']
        if not isinstance(score, (int, float)) or isinstance(score, bool) \
                or not math.isfinite(score) or not 0.0 <= score <= 1.0:
            bad_scores.append(sid)
        if p['label'] not in (0, 1):
            bad_labels.append(sid)
    if dupes:
        raise PredictionFileError(
            f'{path}: duplicated series ids: {dupes[:10]}')
    if bad_scores:
        raise PredictionFileError(
            f'{path}: scores NaN, missing or outside [0, 1] for series '
            f'{bad_scores[:10]}')
    if bad_labels:
        raise PredictionFileError(
            f'{path}: labels not in {{0, 1}} for series {bad_labels[:10]}')
    for p in preds:
        p['series_id'] = str(p['series_id'])
        p['label'] = int(p['label'])
        p['score'] = float(p['score'])
        if 'frames' in p:
            p['frames'] = frames_from_json(
                p['frames'], f'{path}: series {p["series_id"]!r}')
    return data


def check_same_task(datas: List[dict], paths: List[str]) -> Optional[str]:
    """The one task of several loaded prediction files, or a refusal.

    Returns:
        str | None: The task (None when no file names one).

    Raises:
        PredictionFileError: The files hold different tasks (a file that
            names none differs from one that does), naming each file's task.
    """
    tasks = [d.get('task') for d in datas]
    if len(set(tasks)) != 1:
        listed = ', '.join(f'{p}: {t!r}' for p, t in zip(paths, tasks))
        raise PredictionFileError(f'expected prediction files of one task '
                                  f'(thrombus or perforation), got {listed}')
    return tasks[0]
