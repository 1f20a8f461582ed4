"""The 'temporal' and 'temporal-controlled' difficulty levels."""
import numpy as np
import pytest
from scipy.ndimage import gaussian_filter
from scipy.stats import ks_2samp

import mmdsa.synth.simulate as simulate_module
from mmdsa.synth import generate_thrombus_dataset, simulate_series
from mmdsa.synth.mimics import IMAGE_KINDS, MIMIC_KINDS
from mmdsa.synth.tree import build_arterial_tree

CTL = 'temporal-controlled'


def _without(monkeypatch, drop):
    """Make ``simulate_series`` skip the perforation or the mimics of the
    controlled level (every random stream stays as it is)."""
    real = simulate_module.controlled_events

    def patched(*args, **kwargs):
        perf, mimics = real(*args, **kwargs)
        return (None, mimics) if drop == 'perforation' else (perf, [])
    monkeypatch.setattr(simulate_module, 'controlled_events', patched)


def _dark(with_ev, without_ev):
    """(T, H, W) darkening (grey values) due to the dropped event."""
    return without_ev.frames.astype(float) - with_ev.frames.astype(float)


def test_temporal_trees_are_dense_with_loops():
    sparse = build_arterial_tree(np.random.default_rng(0), 1.0)
    dense = build_arterial_tree(np.random.default_rng(0), 1.0, (1200, 400),
                                0.22, loops=5)
    assert len(dense.vessels) > 3 * len(sparse.vessels)
    loops = [v for v in dense.vessels if v.level == 'LOOP']
    assert len(loops) == 5
    for v in loops:   # a coil: ends near where it starts
        span = np.ptp(v.points, axis=0).max()
        assert np.linalg.norm(v.points[-1] - v.points[0]) < span


def test_temporal_mimics_and_growing_leak():
    kinds = set()
    for seed in range(12):
        kw = dict(difficulty='temporal', image_size=64, num_frames=12)
        pos = simulate_series(seed, 'PA', 'perforation', **kw)
        neg = simulate_series(seed, 'PA', None, **kw)
        perf = pos.info['events'][0]
        assert perf['kind'] == 'perforation'
        prof = np.array(perf['profile'])
        # faint at first, grows, stays
        assert np.all(np.diff(prof) >= -1e-3) and prof[-1] == 1.0
        first = int(np.flatnonzero(prof > 0)[0])
        assert prof[first] < 0.5
        assert [b is not None for b in pos.boxes] == \
            [b is not None for b in perf['boxes']]
        # the same mimics in the positive and the negative run
        assert pos.info['events'][1:] == neg.info['events']
        # before the leak the two runs are the same arrays
        assert np.array_equal(pos.frames[:first], neg.frames[:first])
        for ev in neg.info['events']:
            kinds.add(ev['kind'])
            p = np.array(ev['profile'])
            if ev['kind'] in IMAGE_KINDS:   # exactly one frame
                assert np.count_nonzero(p) == 1
            elif ev['kind'] == 'aneurysm':   # washes out with the arteries
                assert p[-1] < 0.3
            else:   # filled for a few seconds at most, then gone
                peak = int(np.argmax(p))
                assert np.all(p[:peak] <= 1) and \
                    (peak >= len(p) - 3 or p[-1] < 0.5)
    assert kinds == set(MIMIC_KINDS)


def test_controlled_mimic_peaks_first_then_washes_out(monkeypatch):
    seen = 0
    for seed in range(6):
        kw = dict(difficulty=CTL, image_size=64, num_frames=9)
        neg = simulate_series(seed, 'LAT', None, **kw)
        with monkeypatch.context() as m:
            _without(m, 'mimics')
            bare = simulate_series(seed, 'LAT', None, **kw)
        dark = _dark(neg, bare)
        mimics = neg.info['events']
        assert 1 <= len(mimics) <= 2 and all(e['kind'] == 'mimic'
                                             for e in mimics)
        on = np.zeros(9, bool)
        for ev in mimics:
            p = np.array(ev['profile'])
            frames = np.flatnonzero(p > 0)
            assert len(frames) == 5 and np.ptp(frames) == 4
            q = frames[0]
            np.testing.assert_allclose(p[q:q + 5],
                                       [1, 1, 0.75, 0.5, 0.25])
            on[frames] = True
            seen += 1
        # exactly the background outside the mimics' frames
        assert np.all(dark[~on] == 0)
        assert all(dark[t].max() > 30 for t in np.flatnonzero(on))
    assert seen >= 6


def test_controlled_perforation_grows_to_its_peak(monkeypatch):
    for seed in range(5):
        kw = dict(difficulty=CTL, image_size=64, num_frames=10)
        pos = simulate_series(seed, 'PA', 'perforation', **kw)
        with monkeypatch.context() as m:
            _without(m, 'perforation')
            bare = simulate_series(seed, 'PA', 'perforation', **kw)
        perf = pos.info['events'][0]
        prof = np.array(perf['profile'])
        onset = int(np.flatnonzero(prof > 0)[0])
        np.testing.assert_allclose(prof[onset:onset + 5],
                                   [0.25, 0.5, 0.75, 1.0, 1.0])
        assert np.count_nonzero(prof) == 5
        dark = gaussian_filter(_dark(pos, bare), (0, 1, 1))
        peak = dark.reshape(10, -1).max(1)
        assert np.all(peak[:onset] == 0)
        # grows over 4 frames, then holds at the same darkness
        assert np.all(np.diff(peak[onset:onset + 4]) > 0)
        assert abs(peak[onset + 4] / peak[onset + 3] - 1) < 0.1
        assert all(b is None for b in pos.boxes[:onset])
        assert all(b is not None for b in pos.boxes[onset + 1:onset + 5])


def test_controlled_profiles_differ_only_in_evolution():
    """Same number of visible frames, same amplitudes, the peak at the
    same frames (same distribution): one profile is the other reversed."""
    from mmdsa.synth.mimics import controlled_profiles
    for num_frames in (5, 6, 8, 12):
        perf, mimic = controlled_profiles(np.random.default_rng(0),
                                          num_frames)
        p_peaks, m_peaks = [], []
        for _ in range(400):
            p, m = perf(), mimic()
            assert np.count_nonzero(p) == np.count_nonzero(m)
            assert sorted(p[p > 0]) == sorted(m[m > 0])
            pv, mv = p[p > 0], m[m > 0]
            np.testing.assert_array_equal(pv, mv[::-1])
            p_peaks.append(int(np.flatnonzero(p == 1)[0]))
            m_peaks.append(int(np.flatnonzero(m == 1)[0]))
        assert set(p_peaks) == set(m_peaks)
        assert ks_2samp(p_peaks, m_peaks).pvalue > 0.01


def _peak_appearance(dark, t):
    """Peak darkness (grey values) and area (px) above half of it."""
    img = gaussian_filter(dark[t], 0.7)
    peak = float(img.max())
    return peak, float(np.count_nonzero(img > 0.5 * peak))


def test_controlled_events_match_frame_by_frame(monkeypatch):
    perf_stats, mimic_stats, counts = [], [], {0: set(), 1: set()}
    for seed in range(24):
        kw = dict(difficulty=CTL, image_size=64, num_frames=8)
        pos = simulate_series(seed, 'PA', 'perforation', **kw)
        neg = simulate_series(seed, 'PA', None, **kw)
        counts[1].add(len(pos.info['events']))
        counts[0].add(len(neg.info['events']))
        with monkeypatch.context() as m:
            _without(m, 'perforation')
            no_perf = simulate_series(seed, 'PA', 'perforation', **kw)
        with monkeypatch.context() as m:
            _without(m, 'mimics')
            no_mimic = simulate_series(seed, 'PA', None, **kw)
        prof = np.array(pos.info['events'][0]['profile'])
        perf_stats.append(_peak_appearance(_dark(pos, no_perf),
                                           int(np.argmax(prof))))
        if len(neg.info['events']) == 1:   # one mimic: its frames alone
            prof = np.array(neg.info['events'][0]['profile'])
            mimic_stats.append(_peak_appearance(_dark(neg, no_mimic),
                                                int(np.argmax(prof))))
    # the same number of events (1 or 2) in positive and negative runs
    assert counts[0] == counts[1] == {1, 2}
    perf_stats, mimic_stats = np.array(perf_stats), np.array(mimic_stats)
    assert len(mimic_stats) >= 8
    for k in range(2):   # peak darkness, size
        a, b = perf_stats[:, k], mimic_stats[:, k]
        assert abs(a.mean() / b.mean() - 1) < 0.2
        assert ks_2samp(a, b).pvalue > 0.05
    # clearly visible in a single frame: many times the noise (16)
    assert perf_stats[:, 0].min() > 100


def test_controlled_level_refuses_thrombus_and_short_runs(tmp_path):
    with pytest.raises(ValueError, match='perforation task only'):
        simulate_series(0, 'PA', 'thrombus', CTL, 48, 8)
    with pytest.raises(ValueError, match='num_frames'):
        simulate_series(0, 'PA', None, CTL, 48, 4)
    with pytest.raises(ValueError, match='perforation task only'):
        generate_thrombus_dataset(str(tmp_path), 1, difficulty=CTL,
                                  image_size=48, num_frames=6,
                                  progress=False)
