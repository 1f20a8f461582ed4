"""Classic Seq-NMS (Han et al., 2016) over the frames of a series.

Repeated until no box is left:

1. link boxes of consecutive frames whose IoU >= ``link_iou_thr``;
2. find the path (chain over consecutive frames) with the maximum *sum* of
   scores by dynamic programming;
3. rescore the path's boxes to the path's mean ('avg') or max ('max') score;
4. in every frame of the path, remove the path's box and suppress (discard)
   the remaining boxes whose IoU with it is >= ``nms_iou_thr``.

The boxes that were on a path are kept with their new scores; suppressed
boxes are dropped. Ties: the path with the earliest last frame, then the
smallest box index there, then the smallest predecessor index is chosen.
"""
from typing import List, Sequence, Tuple

import numpy as np

from ._boxes import check_series_boxes, pairwise_iou


def _max_sum_path(scores: List[np.ndarray], alive: List[np.ndarray],
                  links: List[np.ndarray]) -> List[Tuple[int, int]]:
    """Max-sum path over the alive boxes; returns [(frame, box), ...]."""
    best_sum: List[np.ndarray] = []
    back: List[np.ndarray] = []
    best_value, best_end = -np.inf, None
    for f, s in enumerate(scores):
        cur = np.where(alive[f], s, -np.inf)
        prev_idx = np.full(s.shape[0], -1, dtype=np.int64)
        if f > 0 and s.shape[0] and best_sum[f - 1].shape[0]:
            cand = np.where(links[f - 1], best_sum[f - 1][:, None], -np.inf)
            j = np.argmax(cand, axis=0)
            prev_best = cand[j, np.arange(s.shape[0])]
            use = np.isfinite(prev_best) & np.isfinite(cur) & (prev_best > 0)
            cur = np.where(use, cur + prev_best, cur)
            prev_idx = np.where(use, j, -1)
        best_sum.append(cur)
        back.append(prev_idx)
        if cur.size and cur.max() > best_value:
            best_value = cur.max()
            best_end = (f, int(np.argmax(cur)))
    if best_end is None:
        return []
    f, i = best_end
    path = [(f, i)]
    while back[f][i] >= 0:
        i = int(back[f][i])
        f -= 1
        path.append((f, i))
    return path[::-1]


def seq_nms(boxes: Sequence,
            scores: Sequence,
            link_iou_thr: float = 0.5,
            nms_iou_thr: float = 0.3,
            rescore: str = 'avg') -> List[np.ndarray]:
    """Classic Seq-NMS.

    Args:
        boxes (Sequence): One (n_i, 4) array of (x1, y1, x2, y2) boxes per
            frame.
        scores (Sequence): One (n_i,) array of scores per frame.
        link_iou_thr (float): IoU needed to link boxes of consecutive frames.
        nms_iou_thr (float): IoU with a path box above which a box of the
            same frame is suppressed.
        rescore (str): 'avg' or 'max'.

    Returns:
        list[np.ndarray]: Per frame, (n_i,) new scores; suppressed boxes get
        ``-1`` (callers drop them).
    """
    if rescore not in ('avg', 'max'):
        raise ValueError(f"seq_nms: expected rescore 'avg' or 'max', got "
                         f'{rescore!r}')
    boxes, scores = check_series_boxes(boxes, scores, 'seq_nms')
    links = [
        pairwise_iou(boxes[f], boxes[f + 1]) >= link_iou_thr
        for f in range(len(boxes) - 1)
    ]
    alive = [np.ones(s.shape[0], dtype=bool) for s in scores]
    new_scores = [np.full(s.shape[0], -1.0) for s in scores]
    while any(a.any() for a in alive):
        live_links = [
            links[f] & alive[f][:, None] & alive[f + 1][None, :]
            for f in range(len(links))
        ]
        path = _max_sum_path(scores, alive, live_links)
        path_scores = np.array([scores[f][i] for f, i in path])
        value = path_scores.mean() if rescore == 'avg' else path_scores.max()
        for f, i in path:
            new_scores[f][i] = value
            iou = pairwise_iou(boxes[f][i:i + 1], boxes[f])[0]
            alive[f] &= iou < nms_iou_thr
            alive[f][i] = False
    return new_scores
