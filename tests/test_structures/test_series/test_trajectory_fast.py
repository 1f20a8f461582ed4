"""The pruned trajectory DP against a plain full DP on large cases."""
import numpy as np
import pytest

from mmdsa.structures.series import best_trajectory
from mmdsa.structures.series._boxes import (centre_in_links,
                                                 series_centre_in_links)
from .test_trajectory import _brute_force, _random_case


def _plain_dp(scores, links):
    """Reference: every (frame, box, length) state, no pruning.

    ``S[f][i, l - 1]`` = best sum (added from the first frame on) of an
    ``l``-frame trajectory ending in box ``i`` of frame ``f``. Returns
    (frame indices, box indices, score) chosen by the documented tie-break.
    """
    num_frames = len(scores)
    table = []
    for f in range(num_frames):
        n = len(scores[f])
        run = 0 if f == 0 or n == 0 else table[f - 1].shape[1]
        cur = np.full((n, run + 1), -np.inf)
        for i in range(n):
            cur[i, 0] = scores[f][i]
            if run:
                linked = table[f - 1][links[f - 1][:, i]]
                if linked.shape[0]:
                    cur[i, 1:] = scores[f][i] + linked.max(axis=0)
        table.append(cur)
    best = None
    for f in range(num_frames):
        for i in range(table[f].shape[0]):
            for l_idx in range(table[f].shape[1]):
                value = table[f][i, l_idx] * (l_idx + 1)
                key = (-value, f, i, l_idx)
                if np.isfinite(value) and (best is None or key < best):
                    best = key
    if best is None:
        return None
    value, f, i, l_idx = -best[0], best[1], best[2], best[3]
    frames, box_ids = [f], [i]
    while l_idx > 0:
        col = np.where(links[f - 1][:, i], table[f - 1][:, l_idx - 1],
                       -np.inf)
        i = int(np.flatnonzero(col == col.max())[0])
        f, l_idx = f - 1, l_idx - 1
        frames.append(f)
        box_ids.append(i)
    return frames[::-1], box_ids[::-1], value


def _clustered(rng, num_frames, num_boxes, score_kind):
    boxes, scores = [], []
    for _ in range(num_frames):
        n = int(rng.integers(num_boxes // 2, num_boxes + 1))
        xy = 100 + rng.normal(0, 4, (n, 2))
        boxes.append(np.c_[xy, xy + rng.uniform(30, 60, (n, 2))])
        if score_kind == 'uniform':
            scores.append(rng.uniform(0, 1, n))
        elif score_kind == 'dyadic':  # many exact ties
            scores.append(rng.integers(0, 4, n) / 4.0)
        else:  # mostly zeros
            scores.append(rng.integers(0, 2, n) * (rng.uniform(0, 1, n) > .9))
    return boxes, scores


def _check(boxes, scores, links=None):
    if links is None:
        links = [centre_in_links(boxes[f], boxes[f + 1])
                 for f in range(len(boxes) - 1)]
    expected = _plain_dp(scores, links)
    got = best_trajectory(boxes, scores, links)
    if expected is None:
        assert got is None
        return
    frames, box_ids, value = expected
    assert got.frame_indices.tolist() == frames
    assert got.box_indices.tolist() == box_ids
    assert got.score == value


@pytest.mark.parametrize('score_kind', ['uniform', 'dyadic', 'sparse'])
def test_large_clustered_equals_plain_dp(score_kind):
    rng = np.random.default_rng(['uniform', 'dyadic', 'sparse'].index(
        score_kind))
    boxes, scores = _clustered(rng, 60, 30, score_kind)
    links = [centre_in_links(boxes[f], boxes[f + 1]) for f in range(59)]
    assert np.mean([lk.mean() for lk in links]) > 0.9  # really clustered
    _check(boxes, scores, links)


def test_large_fronts_with_gaps_equal_plain_dp():
    # Random sparse links and skewed scores give many Pareto states per box.
    rng = np.random.default_rng(7)
    for _ in range(4):
        num_frames = 40
        sizes = rng.integers(0, 12, num_frames)
        sizes[rng.uniform(size=num_frames) > 0.1] += 1  # few empty frames
        # heavy-tailed scores: a short chain may beat a long one
        scores = [np.exp(rng.normal(0, 2.5, n)) for n in sizes]
        boxes = [np.tile([0., 0., 1., 1.], (n, 1)) for n in sizes]
        links = [rng.uniform(size=(sizes[f], sizes[f + 1])) < 0.3
                 for f in range(num_frames - 1)]
        _check(boxes, scores, links)


def test_short_state_kept_beside_a_longer_one():
    # Box 0: a zero-score chain over frames 0-19. Box 1: a chain from frame
    # 10 (no predecessor there) whose first box scores 100. Box 0 links into
    # box 1 only from frame 10 to 11, so box 1 of frame 11 ends both a long
    # trajectory (12 frames, sum 1) and a short one (2 frames, sum 101);
    # only the short one leads to the best trajectory.
    num_frames = 20
    scores, links = [], []
    for f in range(num_frames):
        row = [0.0] if f < 10 else [0.0, 100.0 if f == 10 else 1.0]
        scores.append(np.array(row))
    for f in range(num_frames - 1):
        link = np.zeros((len(scores[f]), len(scores[f + 1])), dtype=bool)
        link[0, 0] = True
        if f >= 10:
            link[1, 1] = True
        if f == 10:
            link[0, 1] = True
        links.append(link)
    boxes = [np.tile([0., 0., 1., 1.], (len(s), 1)) for s in scores]
    traj = best_trajectory(boxes, scores, links)
    assert traj.frame_indices.tolist() == list(range(10, 20))
    assert traj.box_indices.tolist() == [1] * 10
    assert traj.score == 109.0 * 10
    _check(boxes, scores, links)


def test_all_zero_scores_pick_first_box():
    boxes, _ = _clustered(np.random.default_rng(3), 20, 10, 'uniform')
    scores = [np.zeros(len(b)) for b in boxes]
    traj = best_trajectory(boxes, scores)
    assert traj.frame_indices.tolist() == [0]
    assert traj.box_indices.tolist() == [0]
    assert traj.score == 0.0
    _check(boxes, scores)


def test_negative_scores_use_exact_fallback():
    rng = np.random.default_rng(11)
    checked = 0
    for _ in range(150):
        boxes, scores = _random_case(rng, int(rng.integers(1, 5)), 3, True)
        scores = [s - 0.5 for s in scores]  # -0.5 .. 0.25, exact sums
        expected = _brute_force(boxes, scores)
        got = best_trajectory(boxes, scores)
        if expected is None:
            assert got is None
            continue
        start, combo, score = expected
        assert got.frame_indices.tolist()[0] == start
        assert got.box_indices.tolist() == list(combo)
        assert got.score == score
        checked += 1
    assert checked > 100


def test_series_links_equal_pairwise_links():
    rng = np.random.default_rng(5)
    boxes, _ = _random_case(rng, 30, 9, False)
    expected = [centre_in_links(boxes[f], boxes[f + 1]) for f in range(29)]
    for chunk in (1, 50, 1 << 22):  # 1 pair per batch .. all at once
        got = series_centre_in_links(boxes, chunk_elems=chunk)
        assert len(got) == 29
        for g, e in zip(got, expected):
            assert g.shape == e.shape and g.dtype == bool
            assert np.array_equal(g, e)
    assert series_centre_in_links(boxes[:1]) == []
    empty = series_centre_in_links([np.zeros((0, 4))] * 3)
    assert [e.shape for e in empty] == [(0, 0), (0, 0)]
