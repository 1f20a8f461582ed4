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

Pareto pruning (scores >= 0, the detector's case). A state (l2, S2) of a box
dominates a state (l1 < l2, S1 <= S2) of the same box: any common extension
keeps it at least as good, and strictly better unless every score involved
is 0 (then the winner is the first box of the first non-empty frame, a
length-1 state, which is never pruned). So only the Pareto front of every
box is kept: a state survives iff its sum is strictly above the sums of all
longer states of that box. Every state of the optimum and every tied
predecessor met during the backtrack lies on these fronts with exactly the
plain DP's float values, so answer and tie-break are unchanged. Fronts are
usually tiny (a predecessor-free first box is needed for a short state to
survive), giving about ``O(F * links)`` time. With a negative score the
plain DP is used.

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
from typing import List, NamedTuple, Optional, Sequence

import numpy as np

from ._boxes import check_series_boxes, series_centre_in_links


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


class _States(NamedTuple):
    """DP states of one frame, sorted by box index, then length.

    Attributes:
        boxes (np.ndarray): (K,) int64 box index of the last box.
        lengths (np.ndarray): (K,) int64 number of frames.
        sums (np.ndarray): (K,) float64 best sum of box scores.
    """
    boxes: np.ndarray
    lengths: np.ndarray
    sums: np.ndarray


def _pareto_is_exact(scores: List[np.ndarray]) -> bool:
    """Whether Pareto pruning gives exactly the plain DP's answer.

    It needs non-negative scores and sums that cannot overflow to ``inf``
    (an ``inf`` score would tie with longer trajectories).

    Args:
        scores (list[np.ndarray]): (n_f,) box scores per frame.

    Returns:
        bool: True when every score is >= 0 and the largest possible
        trajectory score stays far below the float64 range.
    """
    maxima = [s.max() for s in scores if s.size]
    if not maxima or min(s.min() for s in scores if s.size) < 0:
        return False
    # score <= F * (F * max score); Python floats overflow to inf silently
    return float(max(maxima)) * len(scores)**2 < 1e300


def _full_states(prev: Optional[_States], links: Optional[np.ndarray],
                 scores: np.ndarray, num_boxes_prev: int) -> _States:
    """One frame of the plain DP over every (box, length) state.

    Args:
        prev (_States | None): States of the previous frame (None when this
            frame starts a new run of non-empty frames).
        links (np.ndarray | None): (n_prev, n) bool links previous ->
            current.
        scores (np.ndarray): (n,) box scores of the current frame.
        num_boxes_prev (int): ``n_prev``.

    Returns:
        _States: Every reachable state, sorted by box then length.
    """
    n = scores.shape[0]
    if prev is None:
        return _States(np.arange(n), np.ones(n, dtype=np.int64), scores)
    max_len = int(prev.lengths.max())
    prev_sums = np.full((num_boxes_prev, max_len), -np.inf)
    prev_sums[prev.boxes, prev.lengths - 1] = prev.sums
    sums = np.full((n, max_len + 1), -np.inf)
    sums[:, 0] = scores
    cur, src = np.nonzero(links.T)  # sorted by current box, then previous
    if cur.size:
        starts = np.flatnonzero(np.r_[True, cur[1:] != cur[:-1]])
        best = np.maximum.reduceat(prev_sums[src], starts, axis=0)
        rows = cur[starts]
        sums[rows, 1:] = scores[rows, None] + best
    boxes, l_idx = np.nonzero(sums > -np.inf)
    return _States(boxes, l_idx + 1, sums[boxes, l_idx])


def _pareto_states(prev: Optional[_States], links: Optional[np.ndarray],
                   scores: np.ndarray, num_boxes_prev: int) -> _States:
    """One frame of the DP keeping only the Pareto front of every box.

    Valid for non-negative scores only. A state (l, S) of a box is kept iff
    ``S`` is larger than the sum of every longer state of that box.

    Args:
        prev (_States | None): Pareto states of the previous frame (None
            when this frame starts a new run of non-empty frames).
        links (np.ndarray | None): (n_prev, n) bool links previous ->
            current.
        scores (np.ndarray): (n,) box scores of the current frame.
        num_boxes_prev (int): ``n_prev`` (unused, same signature as
            :func:`_full_states`).

    Returns:
        _States: The Pareto states, sorted by box then length.
    """
    n = scores.shape[0]
    if prev is None:
        return _States(np.arange(n), np.ones(n, dtype=np.int64), scores)
    order = np.argsort(prev.lengths, kind='stable')
    lengths = prev.lengths[order]
    starts = np.flatnonzero(np.r_[True, lengths[1:] != lengths[:-1]])
    # (K, n): sum of every previous state where it links to the current box
    masked = np.where(links[prev.boxes[order]], prev.sums[order, None],
                      -np.inf)
    cand = np.empty((starts.shape[0] + 1, n))
    cand[0] = scores
    # best previous sum per (length, current box); -inf stays -inf
    cand[1:] = scores + np.maximum.reduceat(masked, starts, axis=0)
    cand_len = np.r_[1, lengths[starts] + 1]
    # keep a row iff strictly above every longer row of the same box
    longer = np.full_like(cand, -np.inf)
    longer[:-1] = np.maximum.accumulate(cand[:0:-1], axis=0)[::-1]
    boxes, rows = np.nonzero((cand > longer).T)
    return _States(boxes, cand_len[rows], cand[rows, boxes])


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
        links = series_centre_in_links(boxes)
    elif len(links) != max(num_frames - 1, 0):
        raise ValueError(f'best_trajectory: expected {num_frames - 1} link '
                         f'matrices, got {len(links)}')
    step = _pareto_states if _pareto_is_exact(scores) else _full_states
    states: List[Optional[_States]] = []
    best_value, best_state = -np.inf, None
    for f in range(num_frames):
        n = scores[f].shape[0]
        if n == 0:
            states.append(None)
            continue
        prev = states[f - 1] if f > 0 else None
        cur = step(prev, links[f - 1] if prev is not None else None,
                   scores[f], scores[f - 1].shape[0] if f > 0 else 0)
        states.append(cur)
        values = cur.sums * cur.lengths
        k = int(np.argmax(values))  # states sorted by box, then length
        # strict '>' keeps the earliest last frame on ties
        if values[k] > best_value:
            best_value = values[k]
            best_state = (f, int(cur.boxes[k]), int(cur.lengths[k]))
    if best_state is None:
        return None
    f, i, length = best_state
    frame_idx = [f]
    box_idx = [i]
    for _ in range(length - 1):
        prev = states[f - 1]
        cand = np.where(
            (prev.lengths == length - 1) & links[f - 1][prev.boxes, i],
            prev.sums, -np.inf)
        # first maximum = smallest box index (states sorted by box)
        i = int(prev.boxes[np.argmax(cand)])
        f -= 1
        length -= 1
        frame_idx.append(f)
        box_idx.append(i)
    frame_indices = np.asarray(frame_idx[::-1], dtype=np.int64)
    box_indices = np.asarray(box_idx[::-1], dtype=np.int64)
    total = float(best_value)
    box_scores = np.array(
        [scores[fi][bi] for fi, bi in zip(frame_indices, box_indices)])
    return Trajectory(
        frame_indices=frame_indices,
        box_indices=box_indices,
        score=total,
        mean_score=float(box_scores.mean()))
