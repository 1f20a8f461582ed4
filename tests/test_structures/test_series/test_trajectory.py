import itertools

import numpy as np
import pytest

from mmdsa.structures.series import best_trajectory
from mmdsa.structures.series._boxes import centre_in_links


def _linked(a, b):
    """Independent scalar centre-in test (borders inside)."""
    def inside(p, box):
        return box[0] <= p[0] <= box[2] and box[1] <= p[1] <= box[3]
    ca = ((a[0] + a[2]) / 2, (a[1] + a[3]) / 2)
    cb = ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
    return inside(ca, b) or inside(cb, a)


def _brute_force(boxes, scores):
    """Enumerate every trajectory; return the best by the documented key."""
    candidates = []
    num_frames = len(boxes)
    for start in range(num_frames):
        for end in range(start, num_frames):
            choices = [range(len(scores[f])) for f in range(start, end + 1)]
            for combo in itertools.product(*choices):
                ok = all(
                    _linked(boxes[start + k][combo[k]],
                            boxes[start + k + 1][combo[k + 1]])
                    for k in range(len(combo) - 1))
                if not ok:
                    continue
                total = 0.0
                for k, i in enumerate(combo):  # sum from the first frame
                    total = total + float(scores[start + k][i])
                length = len(combo)
                score = total * length
                # max score; then earliest end, smallest end box, fewest
                # frames, smallest reversed box sequence
                key = (-score, end, combo[-1], length, tuple(combo[::-1]))
                candidates.append((key, start, combo, score))
    if not candidates:
        return None
    key, start, combo, score = min(candidates)
    return start, combo, score


def _random_case(rng, num_frames, max_boxes, dyadic):
    boxes, scores = [], []
    for _ in range(num_frames):
        n = int(rng.integers(0, max_boxes + 1))
        xy = rng.integers(0, 20, size=(n, 2)).astype(float)
        wh = rng.integers(1, 12, size=(n, 2)).astype(float)
        boxes.append(np.concatenate([xy, xy + wh], axis=1).reshape(n, 4))
        if dyadic:  # exact sums -> many exact ties
            scores.append(rng.integers(0, 4, size=n) / 4.0)
        else:
            scores.append(rng.uniform(0, 1, size=n))
    return boxes, scores


@pytest.mark.parametrize('dyadic', [False, True])
def test_best_trajectory_equals_brute_force(dyadic):
    rng = np.random.default_rng(1 if dyadic else 0)
    checked = 0
    for _ in range(300):
        boxes, scores = _random_case(
            rng, int(rng.integers(1, 6)), 3, dyadic)
        expected = _brute_force(boxes, scores)
        got = best_trajectory(boxes, scores)
        if expected is None:
            assert got is None
            continue
        start, combo, score = expected
        assert got.frame_indices.tolist() == list(
            range(start, start + len(combo)))
        assert got.box_indices.tolist() == list(combo)
        assert got.score == score
        mean = np.mean([scores[start + k][i] for k, i in enumerate(combo)])
        assert got.mean_score == pytest.approx(mean, abs=1e-12)
        checked += 1
    assert checked > 250


def test_length_beats_additive_sum():
    # A single 0.9 box vs. a 3-frame chain of 0.4: 0.9*1 < 1.2*3.
    boxes = [np.array([[0, 0, 10, 10], [50, 50, 60, 60.]]),
             np.array([[1, 1, 11, 11.]]),
             np.array([[2, 2, 12, 12.]])]
    scores = [np.array([0.4, 0.9]), np.array([0.4]), np.array([0.4])]
    traj = best_trajectory(boxes, scores)
    assert traj.frame_indices.tolist() == [0, 1, 2]
    assert traj.box_indices.tolist() == [0, 0, 0]
    assert traj.score == pytest.approx(1.2 * 3)
    assert traj.mean_score == pytest.approx(0.4)


def test_gap_is_not_jumped():
    box = np.array([[0, 0, 10, 10.]])
    boxes = [box, box, np.zeros((0, 4)), box]
    scores = [np.array([0.5]), np.array([0.5]), np.zeros(0), np.array([.9])]
    traj = best_trajectory(boxes, scores)
    # [0,1] scores 1.0*2 = 2.0 > 0.9; a jump 0-1-3 (1.9*3) is not allowed
    assert traj.frame_indices.tolist() == [0, 1]
    assert traj.score == pytest.approx(2.0)


def test_empty_and_no_boxes():
    assert best_trajectory([], []) is None
    assert best_trajectory([np.zeros((0, 4))] * 3, [np.zeros(0)] * 3) is None


def test_invalid_input_messages():
    with pytest.raises(ValueError, match='frame 0.*shape'):
        best_trajectory([np.zeros((2, 3))], [np.zeros(2)])
    with pytest.raises(ValueError, match='2 box arrays and 1 score'):
        best_trajectory([np.zeros((1, 4))] * 2, [np.zeros(1)])
    with pytest.raises(ValueError, match='finite'):
        best_trajectory([np.zeros((1, 4))], [np.array([np.nan])])


def test_centre_in_links_matches_scalar_definition():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 30, (7, 2)).astype(float)
    a = np.c_[a, a + rng.integers(1, 10, (7, 2))]
    b = rng.integers(0, 30, (5, 2)).astype(float)
    b = np.c_[b, b + rng.integers(1, 10, (5, 2))]
    links = centre_in_links(a, b)
    for i in range(7):
        for j in range(5):
            assert links[i, j] == _linked(a[i], b[j])
