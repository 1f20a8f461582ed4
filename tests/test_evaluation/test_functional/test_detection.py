import numpy as np
import pytest
from sklearn import metrics as skm

from mmdsa.evaluation.functional import (average_precision, box_iou,
                                         centre_in_matrix, match_detections,
                                         precision_recall_at,
                                         precision_recall_curve)


def test_box_iou_and_centre_in_by_hand():
    a = np.array([[0, 0, 10, 10.]])
    b = np.array([[5, 5, 15, 15.], [10, 0, 20, 10], [30, 30, 31, 31]])
    np.testing.assert_allclose(box_iou(a, b), [[25 / 175, 0, 0]])
    # b0 centre (10, 10) on a's corner -> inside; b1 centre (15, 5) outside
    # but a's centre (5, 5) is outside b1 too
    assert centre_in_matrix(a, b).tolist() == [[True, False, False]]
    big = np.array([[0, 0, 100, 100.]])
    small = np.array([[80, 80, 90, 90.]])  # IoU 0.01 but centre inside
    assert centre_in_matrix(small, big)[0, 0] and box_iou(small, big) < .5


def test_match_detections_greedy_one_to_one():
    gt = np.array([[0, 0, 10, 10.]])
    pred = np.array([[0, 0, 10, 9.], [0, 0, 10, 10], [50, 50, 60, 60]])
    scores = np.array([0.9, 0.5, 0.7])
    tp, idx = match_detections(pred, scores, gt, 'iou', 0.5)
    # highest score takes the reference, the better-IoU duplicate is FP
    assert tp.tolist() == [True, False, False]
    assert idx.tolist() == [0, -1, -1]
    tp, _ = match_detections([[8, 8, 30, 30]], [1.0], gt, 'centre_in')
    assert tp.tolist() == [False]
    tp, _ = match_detections([[4, 4, 30, 30]], [1.0], gt, 'centre_in')
    assert tp.tolist() == [True]  # reference centre (5, 5) inside
    with pytest.raises(ValueError, match='criterion'):
        match_detections(pred, scores, gt, 'giou')


def test_ap_matches_sklearn():
    rng = np.random.default_rng(0)
    for k in range(30):
        n = int(rng.integers(2, 60))
        tp = rng.integers(0, 2, n).astype(bool)
        tp[0] = True
        s = rng.integers(0, 8, n) / 7 if k % 2 else rng.uniform(size=n)
        assert abs(average_precision(tp, s) -
                   skm.average_precision_score(tp, s)) < 1e-9
        ours = precision_recall_curve(tp, s)
        for a, b in zip(ours, skm.precision_recall_curve(tp, s)):
            np.testing.assert_allclose(a, b, atol=1e-9, rtol=0)
        # missed references scale the step-wise area by #TP / num_gt
        extra = int(rng.integers(1, 5))
        num_gt = int(tp.sum()) + extra
        assert abs(average_precision(tp, s, num_gt) -
                   skm.average_precision_score(tp, s) * tp.sum() / num_gt
                   ) < 1e-9


def test_precision_recall_at_threshold():
    tp = np.array([True, False, True, False])
    s = np.array([0.9, 0.8, 0.4, 0.2])
    assert precision_recall_at(tp, s, 4, 0.5) == (0.5, 0.25)
    assert precision_recall_at(tp, s, 4, 0.0) == (0.5, 0.5)
    assert precision_recall_at(tp, s, 4, 0.95) == (0.0, 0.0)
    with pytest.raises(ValueError, match='num_gt'):
        precision_recall_at(tp, s, 1)
    with pytest.raises(ValueError, match='length mismatch'):
        average_precision(tp, s[:3])
    with pytest.raises(ValueError, match='NaN'):
        average_precision(tp, [0.1, np.nan, 0.2, 0.3])


def test_ap_ties_are_one_step_without_optimistic_start():
    # a block of 4 tied detections, 3 TPs: one step to recall 3/4 at
    # precision 3/4 (no point at precision 1, no trapezoid)
    assert average_precision([1, 1, 0, 1], [0.5] * 4, 4) == \
        pytest.approx(0.75 * 0.75)
    # FP first, then 2 tied TPs: 0 * 0 + (1 - 0) * 2/3
    assert average_precision([0, 1, 1], [0.9, 0.3, 0.3]) == \
        pytest.approx(2 / 3)
