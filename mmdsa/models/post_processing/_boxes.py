"""Input checks and box helpers of the series-level post-processing."""
from typing import List, Sequence, Tuple

import numpy as np

from mmdsa.evaluation.functional.boxes import box_iou as pairwise_iou
from mmdsa.evaluation.functional.boxes import centre_in_matrix


def check_series_boxes(boxes: Sequence, scores: Sequence,
                       where: str) -> Tuple[List[np.ndarray], List[np.ndarray]]:
    """Validate per-frame boxes and scores and return float64 copies.

    Args:
        boxes (Sequence): One entry per frame, each array-like of shape
            (n_i, 4) in (x1, y1, x2, y2) order; ``n_i`` may be 0.
        scores (Sequence): One entry per frame, each array-like of shape
            (n_i,).
        where (str): Name of the caller, used in error messages.

    Returns:
        tuple[list[np.ndarray], list[np.ndarray]]: Boxes (n_i, 4) and scores
        (n_i,) as float64 arrays.

    Raises:
        ValueError: If the number of frames differs, shapes are wrong or a
            value is not finite.
    """
    if len(boxes) != len(scores):
        raise ValueError(f'{where}: expected as many score arrays as box '
                         f'arrays (one per frame), got {len(boxes)} box '
                         f'arrays and {len(scores)} score arrays')
    out_boxes, out_scores = [], []
    for f, (b, s) in enumerate(zip(boxes, scores)):
        b = np.asarray(b, dtype=np.float64)
        s = np.asarray(s, dtype=np.float64)
        if b.size == 0 and s.size == 0:
            b = b.reshape(0, 4)
            s = s.reshape(0)
        if b.ndim != 2 or b.shape[1] != 4:
            raise ValueError(f'{where}: frame {f}: expected boxes of shape '
                             f'(n, 4), got {b.shape}')
        if s.ndim != 1 or s.shape[0] != b.shape[0]:
            raise ValueError(f'{where}: frame {f}: expected scores of shape '
                             f'({b.shape[0]},), got {s.shape}')
        if not (np.all(np.isfinite(b)) and np.all(np.isfinite(s))):
            raise ValueError(f'{where}: frame {f}: expected finite boxes '
                             f'and scores, got NaN or inf')
        out_boxes.append(b)
        out_scores.append(s)
    return out_boxes, out_scores


def centre_in_links(boxes_a: np.ndarray, boxes_b: np.ndarray) -> np.ndarray:
    """Centre-in links between the boxes of two frames.

    Box ``a_i`` and box ``b_j`` are linked when the centre of ``a_i`` lies
    inside ``b_j`` or the centre of ``b_j`` lies inside ``a_i`` (borders
    count as inside); see :func:`mmdsa.evaluation.functional.centre_in_matrix`.

    Args:
        boxes_a (np.ndarray): (n, 4) boxes (x1, y1, x2, y2).
        boxes_b (np.ndarray): (m, 4) boxes (x1, y1, x2, y2).

    Returns:
        np.ndarray: (n, m) bool link matrix.
    """
    return centre_in_matrix(boxes_a, boxes_b)
