"""Best box trajectory of a series (Su et al., MedIA 2022, papers.md B).

A *trajectory* is a chain of boxes, one per frame, over consecutive frames
``f0, f0 + 1, ..., f1`` in which every two neighbouring boxes are linked
(the centre of one lies inside the other, borders included). A frame without
boxes breaks every chain: trajectories never jump over a frame. Its score is

    score = (sum of its box scores) x (number of frames).

Because of the length factor the score is not additive, so the classic
max-sum dynamic programme of Seq-NMS does not find the optimum. For a fixed
last box and a fixed length, however, the score is maximal exactly when the
sum is maximal, so :func:`best_trajectory` keeps, for every box ``i`` of frame
``f`` and every length ``l``, the best sum ``S[f, i, l]`` of a trajectory of
``l`` frames that ends in that box:

    S[f, i, 1] = s[f, i]
    S[f, i, l] = s[f, i] + max_{j linked to i in frame f-1} S[f-1, j, l-1]

and returns ``max_{f, i, l} l * S[f, i, l]``. This is exact and costs
``O(F * L * links)`` time (``L`` = longest run of non-empty frames), never an
enumeration of paths.

Tie-break (deterministic, scores compared as float64 values computed by
summing from the first frame of the trajectory onwards): among trajectories
with the same score the one chosen has

1. the earliest last frame, then
2. the smallest box index in its last frame, then
3. the fewest frames, then
4. going backwards from the last frame, the smallest box index in each
   earlier frame (lexicographic on the reversed box-index sequence).
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np

from ._boxes import centre_in_links, check_series_boxes


@dataclass
class Trajectory:
    """The best trajectory of a series.

    Attributes:
        frame_indices (np.ndarray): (L,) int64, consecutive frame indices.
        box_indices (np.ndarray): (L,) int64, index of the chosen box in each
            of those frames.
        score (float): Sum of the box scores x L.
        mean_score (float): Mean box score (= score / L**2).
    """
    frame_indices: np.ndarray
    box_indices: np.ndarray
    score: float
    mean_score: float

    def __len__(self) -> int:
        return int(self.frame_indices.shape[0])


def _dp_step(prev_sums: np.ndarray, links: np.ndarray,
             scores: np.ndarray) -> np.ndarray:
    """One frame of the dynamic programme.

    Args:
        prev_sums (np.ndarray): (n_prev, L) best sums of the previous frame
            per box and length - 1 (``-inf`` = no such trajectory).
        links (np.ndarray): (n_prev, n) bool links previous -> current.
        scores (np.ndarray): (n,) box scores of the current frame.

    Returns:
        np.ndarray: (n, L + 1) best sums per box and length - 1.
    """
    n = scores.shape[0]
    max_len = prev_sums.shape[1]
    sums = np.full((n, max_len + 1), -np.inf)
    sums[:, 0] = scores
    cur, prev = np.nonzero(links.T)  # sorted by current box, then previous
    if cur.size == 0:
        return sums
    starts = np.flatnonzero(np.r_[True, cur[1:] != cur[:-1]])
    best = np.maximum.reduceat(prev_sums[prev], starts, axis=0)
    rows = cur[starts]
    sums[rows, 1:] = scores[rows, None] + best
    return sums


def best_trajectory(boxes: Sequence,
                    scores: Sequence,
                    links: Optional[List[np.ndarray]] = None
                    ) -> Optional[Trajectory]:
    """Find the trajectory with the highest sum-of-scores x length.

    Args:
        boxes (Sequence): One (n_i, 4) array of (x1, y1, x2, y2) boxes per
            frame; ``n_i`` may be 0.
        scores (Sequence): One (n_i,) array of box scores per frame.
        links (list[np.ndarray], optional): Precomputed (n_f, n_{f+1}) bool
            link matrices between consecutive frames (``F - 1`` of them).
            Defaults to centre-in links.

    Returns:
        Trajectory | None: The best trajectory (see the module docstring for
        the tie-break), or None when the series has no box at all.

    Raises:
        ValueError: On malformed input (see ``check_series_boxes``).
    """
    boxes, scores = check_series_boxes(boxes, scores, 'best_trajectory')
    num_frames = len(boxes)
    if links is None:
        links = [
            centre_in_links(boxes[f], boxes[f + 1])
            for f in range(num_frames - 1)
        ]
    elif len(links) != max(num_frames - 1, 0):
        raise ValueError(f'best_trajectory: expected {num_frames - 1} link '
                         f'matrices, got {len(links)}')
    sums: List[np.ndarray] = []
    best_value, best_state = -np.inf, None
    for f in range(num_frames):
        n = scores[f].shape[0]
        if f == 0 or n == 0 or sums[f - 1].shape[0] == 0:
            cur = np.full((n, 1), -np.inf) if n else np.zeros((0, 0))
            if n:
                cur[:, 0] = scores[f]
        else:
            cur = _dp_step(sums[f - 1], links[f - 1], scores[f])
        sums.append(cur)
        if n == 0:
            continue
        values = cur * np.arange(1, cur.shape[1] + 1)
        frame_best = values.max()
        # strict '>' keeps the earliest last frame on ties
        if frame_best > best_value:
            best_value = frame_best
            i, l_idx = np.argwhere(values == frame_best)[0]  # min i, then l
            best_state = (f, int(i), int(l_idx))
    if best_state is None:
        return None
    f, i, l_idx = best_state
    frame_idx = [f]
    box_idx = [i]
    while l_idx > 0:
        prev_col = sums[f - 1][:, l_idx - 1]
        cand = np.where(links[f - 1][:, i], prev_col, -np.inf)
        i = int(np.argmax(cand))  # first maximum = smallest index
        f -= 1
        l_idx -= 1
        frame_idx.append(f)
        box_idx.append(i)
    frame_indices = np.asarray(frame_idx[::-1], dtype=np.int64)
    box_indices = np.asarray(box_idx[::-1], dtype=np.int64)
    length = frame_indices.shape[0]
    total = float(best_value)
    box_scores = np.array(
        [scores[fi][bi] for fi, bi in zip(frame_indices, box_indices)])
    return Trajectory(
        frame_indices=frame_indices,
        box_indices=box_indices,
        score=total,
        mean_score=float(box_scores.mean()))
