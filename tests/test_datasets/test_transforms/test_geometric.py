import math
import random

import numpy as np
import pytest
import torch

from mmdsa.datasets.transforms import (BroadcastFrames, ShiftScaleRotate,
                                       shift_scale_rotate_matrix)


def _fixed(angle=0.0, scale_limit=0.0, shift=0.0, **kw):
    """A transform whose range is one point (deterministic)."""
    return ShiftScaleRotate(shift_limit=(shift, shift),
                            scale_limit=(scale_limit, scale_limit),
                            rotate_limit=(angle, angle), prob=1.0, **kw)


def test_rotation_keeps_the_image_centre():
    # odd size: the centre is pixel (32, 32)
    img = np.zeros((65, 65), np.uint8)
    img[32, 32] = 255
    for angle, scale in ((20, 0.0), (-37, 0.1), (90, -0.1), (180, 0.0)):
        out = _fixed(angle, scale, interpolation='nearest')(
            dict(img=img.copy()))['img']
        assert out[32, 32] == 255, (angle, scale)
        assert out.sum() == 255


def test_mmdet_affine_moves_the_centre():
    # the old pipeline's transform pivots on the top-left corner
    from mmdet.datasets.transforms import RandomAffine
    t = RandomAffine(max_rotate_degree=0, max_translate_ratio=0,
                     scaling_ratio_range=(1, 1), max_shear_degree=0)
    rot = t._get_rotation_matrix(20)
    centre = rot @ np.array([32, 32, 1.0])
    assert np.hypot(*(centre[:2] - 32)) > 5


def test_matrix_against_rotation_formula():
    # a point r to the right of the centre goes to angle +a (counter-
    # clockwise on screen, y pointing down), distance s * r, plus the shift
    w, h, a, s, dx, dy = 100, 60, 30.0, 1.2, 0.1, -0.05
    m = shift_scale_rotate_matrix(w, h, a, s, dx, dy)
    cx, cy = w / 2, h / 2
    p = m @ np.array([cx + 10, cy, 1.0])
    exp = (cx + s * 10 * math.cos(math.radians(a)) + dx * w,
           cy - s * 10 * math.sin(math.radians(a)) + dy * h)
    np.testing.assert_allclose(p[:2], exp, atol=1e-9)
    np.testing.assert_allclose(m @ np.array([cx, cy, 1]),
                               [cx + dx * w, cy + dy * h, 1])


def test_fill_fraction_about_the_centre():
    # issue 12: a 20 degree rotation keeps ~88 % of the frame filled with
    # image about the centre (70 % about the corner)
    img = np.full((201, 201), 255, np.uint8)
    out = _fixed(20, border_val=0)(dict(img=img))['img']
    frac = float((out > 127).mean())
    w = h = 1.0
    a = math.radians(20)
    # area of the unit square intersected with its rotation, by sampling
    ys, xs = np.mgrid[0:1:400j, 0:1:400j] - 0.5
    xr = xs * math.cos(a) - ys * math.sin(a)
    yr = xs * math.sin(a) + ys * math.cos(a)
    exp = float(((abs(xr) <= w / 2) & (abs(yr) <= h / 2)).mean())
    assert abs(frac - exp) < 0.01
    assert 0.85 < frac < 0.9


def test_shift_and_border_value():
    img = np.full((40, 50, 3), 100, np.uint8)
    out = _fixed(0, 0, 0.1, border_val=193)(dict(img=img))['img']
    # shifted right and down by 10 % of the width / height
    assert (out[:, :5] == 193).all() and (out[:4] == 193).all()
    assert (out[4:, 5:] == 100).all()
    assert out.shape == img.shape and out.dtype == np.uint8


def test_boxes_follow_the_image():
    from mmdet.structures.bbox import HorizontalBoxes
    img = np.zeros((80, 80), np.uint8)
    img[20:30, 40:60] = 255
    boxes = HorizontalBoxes(torch.tensor([[40., 20., 60., 30.],
                                          [0., 0., 2., 2.]]))
    res = dict(img=img, gt_bboxes=boxes,
               gt_bboxes_labels=np.array([0, 0]),
               gt_ignore_flags=np.array([False, True]))
    out = _fixed(15, 0.1, 0.05, interpolation='nearest')(res)
    # the corner box leaves the frame and is dropped with its label / flag
    assert len(out['gt_bboxes']) == 1
    assert out['gt_bboxes_labels'].tolist() == [0]
    assert out['gt_ignore_flags'].tolist() == [False]
    ys, xs = np.nonzero(out['img'])
    x1, y1, x2, y2 = out['gt_bboxes'].tensor[0].tolist()
    # the warped object lies inside its warped box (enclosing box)
    assert xs.min() >= math.floor(x1) - 1 and xs.max() <= math.ceil(x2)
    assert ys.min() >= math.floor(y1) - 1 and ys.max() <= math.ceil(y2)
    assert 'homography_matrix' in out
    # numpy boxes give the same result
    res = dict(img=img, gt_bboxes=np.array([[40., 20., 60., 30.]],
                                           np.float32))
    np_out = _fixed(15, 0.1, 0.05)(res)
    np.testing.assert_allclose(np_out['gt_bboxes'][0], [x1, y1, x2, y2],
                               atol=1e-4)


def test_shared_parameters_in_broadcast():
    rng = np.random.default_rng(0)
    base = rng.integers(40, 200, (32, 32)).astype(np.uint8)
    for seed in range(3):
        random.seed(seed)
        out = BroadcastFrames(transforms=[dict(
            type='ShiftScaleRotate', shift_limit=0.15, scale_limit=(0, 0.1),
            rotate_limit=20, prob=1.0, border_val=193)])(
                dict(imgs=[base.copy() for _ in range(4)]))
        assert all(np.array_equal(out['imgs'][0], f) for f in out['imgs'])
        assert not np.array_equal(out['imgs'][0], base)


def test_draws_cover_the_ranges_and_prob():
    t = ShiftScaleRotate(shift_limit=0.15, scale_limit=(0, 0.1),
                         rotate_limit=20, prob=0.5)
    random.seed(0)
    draws = np.array([t._params() for _ in range(2000)], dtype=float)
    assert abs(draws[:, 0].mean() - 0.5) < 0.05
    assert draws[:, 1].min() >= -20 and draws[:, 1].max() <= 20
    assert draws[:, 2].min() >= 1.0 and draws[:, 2].max() <= 1.1
    assert abs(draws[:, 3]).max() <= 0.15


@pytest.mark.parametrize('kw, match', [
    (dict(shift_limit=-1), 'shift_limit'),
    (dict(scale_limit=(0.2, 0.1)), 'scale_limit'),
    (dict(scale_limit=(-1.5, 0)), 'scale_limit'),
    (dict(rotate_limit='x'), 'rotate_limit'),
    (dict(prob=2), 'prob'),
    (dict(border_val='grey'), 'border_val'),
    (dict(interpolation='lanczos'), 'interpolation'),
])
def test_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        ShiftScaleRotate(**kw)
