import itertools

import numpy as np
import pytest

from mmdsa.structures.series import TrajectoryOptimizer
from mmdsa.registry import TASK_UTILS


def _iou(a, b):
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1])
    union -= inter
    return inter / union if union > 0 else 0.0


def _seq_nms_reference(boxes, scores, link_thr, nms_thr, rescore):
    """Classic Seq-NMS with the max-sum path found by enumeration."""
    alive = [set(range(len(s))) for s in scores]
    new = [dict() for _ in scores]
    while any(alive):
        best = None
        for start in range(len(boxes)):
            for end in range(start, len(boxes)):
                choices = [sorted(alive[f]) for f in range(start, end + 1)]
                for combo in itertools.product(*choices):
                    if any(
                            _iou(boxes[start + k][combo[k]],
                                 boxes[start + k + 1][combo[k + 1]]) <
                            link_thr for k in range(len(combo) - 1)):
                        continue
                    total = sum(scores[start + k][i]
                                for k, i in enumerate(combo))
                    if best is None or total > best[0] + 1e-12:
                        best = (total, start, combo)
        _, start, combo = best
        vals = [scores[start + k][i] for k, i in enumerate(combo)]
        value = np.mean(vals) if rescore == 'avg' else max(vals)
        for k, i in enumerate(combo):
            f = start + k
            new[f][i] = value
            alive[f] = {
                j for j in alive[f]
                if j != i and _iou(boxes[f][i], boxes[f][j]) < nms_thr
            }
    return new


@pytest.mark.parametrize('rescore', ['avg', 'max'])
def test_seq_nms_mode_matches_enumeration(rescore):
    rng = np.random.default_rng(5)
    opt = TrajectoryOptimizer(
        mode='seq_nms', score_thr=0.0, link_iou_thr=0.3, nms_iou_thr=0.5,
        rescore=rescore)
    for _ in range(60):
        boxes, scores = [], []
        for _f in range(int(rng.integers(1, 5))):
            n = int(rng.integers(0, 4))
            xy = rng.uniform(0, 10, (n, 2))
            boxes.append(np.c_[xy, xy + rng.uniform(4, 10, (n, 2))])
            scores.append(rng.uniform(0.01, 1, n))
        ref = _seq_nms_reference(boxes, scores, 0.3, 0.5, rescore)
        res = opt(boxes, scores)
        for f in range(len(boxes)):
            np.testing.assert_array_equal(
                res.bboxes[f], boxes[f][sorted(ref[f])].reshape(-1, 4))
            np.testing.assert_allclose(
                res.scores[f], [ref[f][i] for i in sorted(ref[f])])
        all_new = [v for d in ref for v in d.values()]
        assert res.series_score == pytest.approx(max(all_new or [0.0]))


def test_trajectory_mode_keeps_only_best_and_rescores():
    opt = TASK_UTILS.build(dict(type='TrajectoryOptimizer'))
    boxes = [np.array([[0, 0, 10, 10], [40, 40, 50, 50.]]),
             np.array([[1, 1, 11, 11.], [41, 41, 51, 51]]),
             np.zeros((0, 4))]
    scores = [np.array([0.6, 0.9]), np.array([0.8, 0.1]), np.zeros(0)]
    res = opt(boxes, scores)
    # (0.6+0.8)*2 = 2.8 beats (0.9+0.1)*2 = 2.0
    assert [b.tolist() for b in res.bboxes] == [[[0, 0, 10, 10]],
                                                [[1, 1, 11, 11]], []]
    np.testing.assert_allclose(res.scores[0], [0.7])
    np.testing.assert_allclose(res.bboxes[1], [[1, 1, 11, 11]])
    assert res.series_score == pytest.approx(0.7)


def test_score_thr_and_empty_series():
    opt = TrajectoryOptimizer(score_thr=0.5)
    res = opt([np.array([[0, 0, 5, 5.]])], [np.array([0.2])])
    assert res.series_score == 0.0 and res.bboxes[0].shape == (0, 4)
    res = opt([np.array([[0, 0, 5, 5.], [9, 9, 12, 12]])],
              [np.array([0.2, 0.6])])
    assert res.bboxes[0].tolist() == [[9, 9, 12, 12]]  # the box above 0.5


def test_trajectory_never_enters_frames_with_only_weak_boxes():
    """Sum x duration grows with every linked box: boxes under the minimum
    score must not reach the optimiser (papers.md B)."""
    box = [[10, 10, 30, 30]]
    boxes = [np.array(box, float) for _ in range(8)]
    scores = [np.array([0.04])] * 4 + [np.array([0.6])] * 4
    res = TrajectoryOptimizer()(boxes, scores)  # default: 0.05
    assert res.trajectory.frame_indices.tolist() == [4, 5, 6, 7]
    assert res.series_score == pytest.approx(0.6)
    # the same series without the cut stretches over the weak frames
    res = TrajectoryOptimizer(score_thr=0.0)(boxes, scores)
    assert res.trajectory.frame_indices.tolist() == list(range(8))
    # random series: no kept box ever scores below the cut in the input
    rng = np.random.default_rng(0)
    for _ in range(50):
        n_frames = int(rng.integers(2, 9))
        boxes = [np.tile([[10, 10, 30, 30.]], (2, 1)) +
                 rng.uniform(-3, 3, (2, 4)) for _ in range(n_frames)]
        scores = [rng.uniform(0, 0.1, 2) for _ in range(n_frames)]
        res = TrajectoryOptimizer(score_thr=0.05)(boxes, scores)
        for f, kept in enumerate(res.bboxes):
            for box in kept:
                i = np.flatnonzero((boxes[f] == box).all(axis=1))
                assert i.size == 1 and scores[f][i[0]] >= 0.05


def test_bad_config_raises():
    with pytest.raises(ValueError, match='mode'):
        TrajectoryOptimizer(mode='greedy')
    with pytest.raises(ValueError, match='rescore'):
        TrajectoryOptimizer(rescore='sum')
    assert 'trajectory' in repr(TrajectoryOptimizer())
