"""What the result objects say, taken once from an inference result.

:func:`summarise` turns a result of :func:`mmdsa.apis.inference_series`
into the verdict, score, operating point, scope check and the boxes to
report, so the SR, the presentation state, the key object selection and
the Secondary Capture all say the same.
"""
from typing import Dict, List

import numpy as np

from .codes import TASKS

#: Detector boxes with a score below this are not reported (the kept
#: trajectory always is). The cine loops draw from the same score.
DEFAULT_BOX_SCORE_THR = 0.3
VERDICTS = ('positive', 'negative', 'out_of_scope')


def _clip_box(box, rows: int, columns: int, where: str) -> List[float]:
    arr = np.asarray(box, dtype=np.float64).reshape(-1)
    if arr.size != 4 or not np.all(np.isfinite(arr)):
        raise ValueError(f'{where}: expected a finite box [x1, y1, x2, y2], '
                         f'got {list(np.asarray(box).reshape(-1))}')
    x1, y1, x2, y2 = arr
    x1, x2 = np.clip([x1, x2], 0.0, float(columns))
    y1, y2 = np.clip([y1, y2], 0.0, float(rows))
    return [float(x1), float(y1), float(x2), float(y2)]


def summarise(result: Dict, task: str, rows: int, columns: int,
              box_score_thr: float = DEFAULT_BOX_SCORE_THR) -> Dict:
    """The facts the result objects report.

    Args:
        result (dict): From :func:`mmdsa.apis.inference_series`: a detector
            result has ``detections`` (per frame ``(boxes (n, 4) x1y1x2y2,
            scores (n,))``), ``trajectory`` (``{frame: box}``) and
            ``series_score``; a recognizer result has ``probability``.
            Both have ``decision`` (``verdict``, ``threshold``,
            ``operating_point``) and may have ``scope``.
        task (str): ``'perforation'`` or ``'thrombus'``.
        rows, columns (int): Source image size; boxes are clipped to it.
        box_score_thr (float): Lowest detector box score reported.

    Returns:
        dict: ``task``, ``verdict`` (positive / negative / out_of_scope),
        ``score`` (None when out of scope and not forced), ``threshold``,
        ``operating_point`` (dict), ``scope`` (dict or None),
        ``num_frames``, ``boxes``: list of ``{'frame', 'box' [x1, y1, x2,
        y2] clipped to the image, 'score' (None for a trajectory box the
        detector gave no score for), 'kind' ('trajectory' | 'detection'),
        'index'}`` (trajectory boxes first, by frame).

    Raises:
        ValueError: an unknown task or verdict, or a malformed box.
    """
    if task not in TASKS:
        raise ValueError(f'result objects: task: expected one of {TASKS}, '
                         f'got {task!r}')
    decision = result.get('decision') or {}
    verdict = decision.get('verdict')
    if verdict not in VERDICTS:
        raise ValueError(f'result: field decision.verdict: expected one of '
                         f'{VERDICTS}, got {verdict!r}')
    detector = 'detections' in result
    score = result['series_score'] if detector else result.get('probability')
    if verdict == 'out_of_scope':
        score = None  # not scored: no number that invites a reading
    elif score is None or not np.isfinite(float(score)):
        raise ValueError(f'result: expected a finite series score, got '
                         f'{score!r}')
    num_frames = len(result['detections']) if detector else len(
        result['frames'])
    boxes = []
    if detector and verdict != 'out_of_scope':
        for frame, box in sorted(result.get('trajectory', {}).items()):
            frame = int(frame)
            boxes.append(dict(
                frame=frame, kind='trajectory', index=0,
                box=_clip_box(box, rows, columns,
                              f'result: trajectory[{frame}]'),
                score=_score_of(result['detections'][frame], box)))
        for frame, (fboxes, fscores) in enumerate(result['detections']):
            fboxes = np.asarray(fboxes).reshape(-1, 4)
            fscores = np.asarray(fscores).reshape(-1)
            order = np.argsort(-fscores, kind='stable')
            for k, i in enumerate(o for o in order
                                  if fscores[o] >= box_score_thr):
                boxes.append(dict(
                    frame=frame, kind='detection', index=k,
                    box=_clip_box(fboxes[i], rows, columns,
                                  f'result: detections[{frame}][{i}]'),
                    score=float(fscores[i])))
    return dict(
        task=task, verdict=verdict,
        score=None if score is None else float(score),
        threshold=decision.get('threshold'),
        operating_point=dict(decision.get('operating_point') or {}),
        scope=result.get('scope'), num_frames=int(num_frames),
        detector=detector, boxes=boxes)


def _score_of(frame_detections, box):
    """The detector's score of ``box`` in its frame (None if absent)."""
    fboxes, fscores = frame_detections
    fboxes = np.asarray(fboxes, dtype=np.float64).reshape(-1, 4)
    if not len(fboxes):
        return None
    hit = np.flatnonzero(np.all(np.isclose(fboxes, np.asarray(
        box, dtype=np.float64)[None], atol=1e-4), axis=1))
    return float(np.asarray(fscores).reshape(-1)[hit[0]]) if len(hit) \
        else None


def operating_point_text(summary: Dict) -> str:
    """One line: the threshold and where it comes from."""
    point = summary['operating_point']
    text = (f'threshold {summary["threshold"]} '
            f'({point.get("source", "unknown")}')
    if point.get('method'):
        text += f', {point["method"]}'
    chosen = point.get('chosen_on')
    if isinstance(chosen, dict) and chosen.get('split'):
        text += f' on the {chosen["split"]} split'
    return text + ')'


def verdict_text(summary: Dict) -> str:
    """One line: the verdict, the score and the operating point."""
    if summary['verdict'] == 'out_of_scope':
        reasons = '; '.join((summary['scope'] or {}).get('reasons') or [])
        return ('out of scope: not scored' +
                (f' ({reasons})' if reasons else ''))
    text = (f'{summary["verdict"]}: score {summary["score"]:.4f} at '
            f'{operating_point_text(summary)}')
    scope = summary['scope'] or {}
    if scope.get('forced') and not scope.get('in_scope', True):
        text += ('; scored although out of scope (forced): ' +
                 '; '.join(scope.get('reasons') or []))
    return text
