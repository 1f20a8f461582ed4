import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from mmdsa.synth import simulate_pair, simulate_series
from mmdsa.synth.dynamics import frame_schedule, gamma_variate
from mmdsa.synth.tree import assign_arrival_times, build_arterial_tree


@pytest.fixture(scope='module')
def thrombus_pair():
    kw = dict(difficulty='easy', image_size=80, num_frames=10)
    return (simulate_pair(11, 'thrombus', **kw), simulate_pair(11, None, **kw))


def test_series_shape_range_and_phases():
    s = simulate_series(3, 'LAT', image_size=64, num_frames=9)
    assert s.frames.shape == (9, 64, 64) and s.frames.dtype == np.uint16
    assert s.frames.max() <= 4095
    # flat mid-grey background, first frame before contrast arrival
    assert abs(np.median(s.frames[0]) - 2048) < 15
    # contrast makes pixels darker later on
    assert s.frames[4].min() < s.frames[0].min() - 200
    dt = np.diff(s.frame_times_ms)
    assert np.all(dt >= 250 - 1e-6) and np.all(dt <= 2000 + 1e-6)
    assert s.label == 0 and s.thrombus_points == [] and \
        all(b is None for b in s.boxes)


def test_murray_law_and_arrival_order():
    tree = build_arterial_tree(np.random.default_rng(0), 1.0)
    assign_arrival_times(tree, 300.0)
    checked = 0
    for i, v in enumerate(tree.vessels):
        kids = [tree.vessels[c] for c in v.children
                if tree.vessels[c].level[0] in 'MA'
                and tree.vessels[c].parent_point == len(v.points) - 1]
        if len(kids) == 2 and v.level[0] in 'MA' and v.level not in (
                'M1', 'A2'):
            r3 = sum(k.radii[0]**3 for k in kids)
            assert r3 == pytest.approx(v.radii[-1]**3, rel=1e-6)
            checked += 1
        if v.parent >= 0:   # bolus arrives later downstream
            assert v.times[0] == pytest.approx(
                tree.vessels[v.parent].times[v.parent_point])
            assert np.all(np.diff(v.times) > 0)
    assert checked > 10


def test_gamma_variate_and_schedule():
    assert gamma_variate(np.array([1.5]), 1.5, 3.0)[0] == pytest.approx(1.0)
    assert gamma_variate(np.array([-1.0, 0.0]), 1.5, 3.0).tolist() == [0, 0]
    t = frame_schedule(np.random.default_rng(1), 20)
    assert t[0] == 0 and np.all(np.diff(np.diff(t)) >= -1e-9)
    assert 1 / np.diff(t)[0] <= 4.0 + 1e-9


def test_thrombus_removes_territory(thrombus_pair):
    pos, neg = thrombus_pair
    for view in ('PA', 'LAT'):
        p, n = pos[view], neg[view]
        assert p.label == 1 and n.label == 0
        assert p.frames.shape == n.frames.shape
        # same anatomy, same first frame up to noise
        assert abs(float(p.frames[0].mean()) - float(n.frames[0].mean())) < 3
        iodine_p = 2048.0 - p.frames.astype(float)
        iodine_n = 2048.0 - n.frames.astype(float)
        assert iodine_p.sum() < 0.8 * iodine_n.sum()
        # the missing territory: a region where the negative is much darker
        diff = gaussian_filter(iodine_n - iodine_p, (0, 2, 2)).max(0)
        assert diff.max() > 150
        (x, y), = p.thrombus_points
        assert 0 <= x < 80 and 0 <= y < 80


def test_perforation_boxes_hold_the_extravasation():
    kw = dict(image_size=96, num_frames=12, difficulty='medium')
    pos = simulate_series(5, 'PA', 'perforation', **kw)
    neg = simulate_series(5, 'PA', None, **kw)
    assert pos.label == 1
    leak_ms = pos.info['leak_time_s'] * 1000
    for t, box in zip(pos.frame_times_ms, pos.boxes):
        if t < leak_ms:
            assert box is None
    assert pos.boxes[-1] is not None and pos.boxes[-2] is not None
    # the darkest extravasation (positive minus negative, same anatomy)
    # lies inside the last frame's box: it does not wash out
    diff = gaussian_filter(neg.frames[-1].astype(float) -
                           pos.frames[-1].astype(float), 1.5)
    y, x = np.unravel_index(np.argmax(diff), diff.shape)
    bx, by, bw, bh = pos.boxes[-1]
    assert bx <= x < bx + bw and by <= y < by + bh
    assert diff.max() > 100


def test_same_seed_same_frames_different_seed_differs():
    a = simulate_series(7, 'PA', image_size=48, num_frames=5)
    b = simulate_series(7, 'PA', image_size=48, num_frames=5)
    c = simulate_series(8, 'PA', image_size=48, num_frames=5)
    assert np.array_equal(a.frames, b.frames)
    assert not np.array_equal(a.frames, c.frames)


@pytest.mark.parametrize('kwargs, name', [
    (dict(pathology='stroke'), 'pathology'),
    (dict(difficulty='extreme'), 'difficulty'),
    (dict(image_size=8), 'image_size'),
    (dict(num_frames=1), 'num_frames'),
    (dict(seed=-1), 'seed'),
    (dict(view='AP'), 'view'),
])
def test_bad_arguments(kwargs, name):
    args = dict(seed=0, view='PA', image_size=48, num_frames=4)
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        simulate_series(**args)
