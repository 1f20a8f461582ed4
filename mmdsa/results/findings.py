"""What the result objects say, taken once from an inference result.

:func:`summarise` turns a result of :func:`mmdsa.apis.inference_series`
into the verdict, score, operating point, scope check and the boxes to
report, so the SR, the presentation state, the key object selection and
the Secondary Capture all say the same.
"""
from typing import Dict

import numpy as np

from .codes import TASKS

#: Detector boxes with a score below this are not reported (the kept
#: trajectory always is). The cine loops draw from the same score.
DEFAULT_BOX_SCORE_THR = 0.3
VERDICTS = ('positive', 'negative', 'out_of_scope')


def _clip_box(box, rows: int, columns: int, where: str):
    """The box clipped to the image, or None when nothing of it is inside."""
    arr = np.asarray(box, dtype=np.float64).reshape(-1)
    if arr.size != 4 or not np.all(np.isfinite(arr)):
        raise ValueError(f'{where}: expected a finite box [x1, y1, x2, y2], '
                         f'got {list(np.asarray(box).reshape(-1))}')
    x1, y1, x2, y2 = arr
    x1, x2 = np.clip([x1, x2], 0.0, float(columns))
    y1, y2 = np.clip([y1, y2], 0.0, float(rows))
    if x2 <= x1 or y2 <= y1:
        return None
    return [float(x1), float(y1), float(x2), float(y2)]


def result_frames(result: Dict):
    """The number of frames a result covers (None if it holds none)."""
    if 'detections' in result:
        return len(result['detections'])
    if result.get('frames') is not None:
        return len(result['frames'])
    return None


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
        ``num_frames`` (None when the result has no frames: an input out
        of scope that was not read), ``boxes``: list of ``{'frame', 'box' [x1, y1, x2,
        y2] clipped to the image, 'score' (None for a trajectory box the
        detector gave no score for), 'kind' ('trajectory' | 'detection'),
        'index'}`` (trajectory boxes first, by frame; boxes wholly outside
        the image are left out).

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
    score = result.get('series_score') if detector else result.get(
        'probability')
    if verdict == 'out_of_scope':
        score = None  # not scored: no number that invites a reading
    elif score is None or not np.isfinite(float(score)):
        raise ValueError(f'result: expected a finite series score, got '
                         f'{score!r}')
    boxes = []
    if detector and verdict != 'out_of_scope':
        for frame, box in sorted(result.get('trajectory', {}).items()):
            frame = int(frame)
            clipped = _clip_box(box, rows, columns,
                                f'result: trajectory[{frame}]')
            if clipped is not None:
                boxes.append(dict(
                    frame=frame, kind='trajectory', index=0, box=clipped,
                    score=_score_of(result['detections'][frame], box)))
        for frame, (fboxes, fscores) in enumerate(result['detections']):
            fboxes = np.asarray(fboxes).reshape(-1, 4)
            fscores = np.asarray(fscores).reshape(-1)
            order = np.argsort(-fscores, kind='stable')
            kept = [(i, _clip_box(fboxes[i], rows, columns,
                                  f'result: detections[{frame}][{i}]'))
                    for i in order if fscores[i] >= box_score_thr]
            for k, (i, clipped) in enumerate(
                    (i, c) for i, c in kept if c is not None):
                boxes.append(dict(frame=frame, kind='detection', index=k,
                                  box=clipped, score=float(fscores[i])))
    return dict(
        task=task, verdict=verdict,
        score=None if score is None else float(score),
        threshold=decision.get('threshold'),
        operating_point=dict(decision.get('operating_point') or {}),
        scope=result.get('scope'), num_frames=result_frames(result),
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


def short_verdict(summary: Dict) -> str:
    """A few words: ``positive 0.85``, ``negative 0.12``, ``out of scope``."""
    if summary['verdict'] == 'out_of_scope':
        return 'out of scope'
    return f'{summary["verdict"]} {summary["score"]:.2f}'


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
