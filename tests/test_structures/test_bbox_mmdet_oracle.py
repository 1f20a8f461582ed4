"""mmdsa.structures.bbox (numpy only) against mmdet's own box IoU."""
import numpy as np
import pytest

from mmdsa.structures import box_iou


def _boxes(rng, n, scale=100.):
    xy = rng.uniform(0, scale, size=(n, 2))
    wh = rng.uniform(0, scale / 2, size=(n, 2))
    return np.concatenate([xy, xy + wh], 1)


@pytest.mark.parametrize('n,m', [(7, 5), (1, 9), (12, 12), (0, 4), (3, 0)])
def test_box_iou_matches_mmdet_bbox_overlaps(n, m):
    bbox_overlaps = pytest.importorskip('mmdet.evaluation').bbox_overlaps
    rng = np.random.default_rng(n * 31 + m)
    a, b = _boxes(rng, n), _boxes(rng, m)
    if n and m:
        b[0] = a[0]  # identical boxes: IoU 1
        a = np.vstack([a, [[5., 5., 5., 9.]]])  # an empty box: IoU 0
    ours = box_iou(a, b)
    ref = bbox_overlaps(a, b)  # float32, union clamped at 1e-6
    assert ours.shape == ref.shape == (len(a), m)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-6)
    if n and m:
        assert ours[0, 0] == pytest.approx(1.0)
        assert (ours[-1] == 0).all()
