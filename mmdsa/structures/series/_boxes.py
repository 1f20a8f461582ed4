"""Input checks and box helpers of the series-level post-processing."""
from typing import List, Sequence, Tuple

import numpy as np

from mmdsa.structures.bbox import box_iou as pairwise_iou  # noqa: F401
from mmdsa.structures.bbox import centre_in_matrix


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
    count as inside); see :func:`mmdsa.structures.bbox.centre_in_matrix`.

    Args:
        boxes_a (np.ndarray): (n, 4) boxes (x1, y1, x2, y2).
        boxes_b (np.ndarray): (m, 4) boxes (x1, y1, x2, y2).

    Returns:
        np.ndarray: (n, m) bool link matrix.
    """
    return centre_in_matrix(boxes_a, boxes_b)


def _centres_inside(cx: np.ndarray, cy: np.ndarray,
                    boxes: np.ndarray) -> np.ndarray:
    """Whether centres lie inside boxes (borders inside), batched over pairs.

    Args:
        cx (np.ndarray): (P, n) centre x of the first frame of each pair.
        cy (np.ndarray): (P, n) centre y.
        boxes (np.ndarray): (4, P, m) x1, y1, x2, y2 of the boxes of the
            other frame of each pair (NaN padding is never inside).

    Returns:
        np.ndarray: (P, n, m) bool.
    """
    x1, y1, x2, y2 = (c[:, None, :] for c in boxes)
    cx, cy = cx[:, :, None], cy[:, :, None]
    out = np.greater_equal(cx, x1)
    out &= np.less_equal(cx, x2)
    out &= np.greater_equal(cy, y1)
    out &= np.less_equal(cy, y2)
    return out


def series_centre_in_links(boxes: List[np.ndarray],
                           chunk_elems: int = 1 << 22) -> List[np.ndarray]:
    """Centre-in links between every two consecutive frames of a series.

    Same result as ``[centre_in_links(boxes[f], boxes[f + 1]) for f in
    range(F - 1)]`` (same float operations), but computed on frames padded
    to the largest box count, several pairs per numpy call.

    Args:
        boxes (list[np.ndarray]): One (n_f, 4) float64 array of (x1, y1, x2,
            y2) boxes per frame (as returned by ``check_series_boxes``).
        chunk_elems (int): At most about this many link entries are computed
            per batch, to bound the memory. Defaults to 4M.

    Returns:
        list[np.ndarray]: ``F - 1`` bool link matrices (n_f, n_{f+1}).
    """
    num_frames = len(boxes)
    if num_frames < 2:
        return []
    sizes = [b.shape[0] for b in boxes]
    n_max = max(sizes)
    if n_max == 0:
        return [np.zeros((0, 0), dtype=bool) for _ in range(num_frames - 1)]
    pad = np.full((num_frames, n_max, 4), np.nan)
    for f, b in enumerate(boxes):
        pad[f, :sizes[f]] = b
    centres = (pad[:, :, :2] + pad[:, :, 2:]) * 0.5
    cx = np.ascontiguousarray(centres[:, :, 0])
    cy = np.ascontiguousarray(centres[:, :, 1])
    coords = np.ascontiguousarray(pad.transpose(2, 0, 1))  # (4, F, n_max)
    step = max(1, chunk_elems // (n_max * n_max))
    links: List[np.ndarray] = []
    for start in range(0, num_frames - 1, step):
        a = slice(start, min(start + step, num_frames - 1))
        b = slice(a.start + 1, a.stop + 1)
        out = _centres_inside(cx[a], cy[a], coords[:, b])
        out |= _centres_inside(cx[b], cy[b], coords[:, a]).transpose(0, 2, 1)
        links.extend(out[k, :sizes[f], :sizes[f + 1]]
                     for k, f in enumerate(range(a.start, a.stop)))
    return links
