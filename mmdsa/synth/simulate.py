"""Simulation of one DSA run (one or two views of the same 3D anatomy).

``simulate_pair`` builds one patient's arterial and venous trees, optionally
a thrombus or a perforation, and renders the requested views over the same
frame times. Independent random streams drive anatomy, timing, pathology and
noise, so the same seed with and without pathology gives the same anatomy
(useful to compare a positive with its negative counterpart).
"""
from dataclasses import dataclass, field

import numpy as np

from mmdsa.structures.views import PAIR_VIEWS

from .dynamics import CURVES, accumulation, frame_schedule, gamma_variate
from .mimics import controlled_events, draw_mimics, event_density
from .pathology import check_difficulty, choose_occlusion, choose_perforation
from .projection import check_view, mm_per_pixel, project
from .render import compose, sample_vessels, skull_image, splat_maps
from .tree import MIN_RADIUS_MM, assign_arrival_times, build_arterial_tree
from .veins import build_venous_tree

BACKGROUND = 2048.0       # flat mid-grey of the subtracted image
GAIN_PER_MM = 260.0       # grey values per mm of iodine path
BLUSH_SIGMA_MM = 8.0
VEIN_DILUTION = 0.55     # venous contrast is diluted relative to arteries
BLUSH_DENSITY = 0.045
BLUSH_POINTS = 480       # attractor points the blush density refers to
#: a box covers extravasation denser than this fraction of its peak (and
#: 2.5 x the noise)
BOX_FRACTION = 0.2
PATHOLOGIES = (None, 'thrombus', 'perforation')


@dataclass
class SimulatedSeries:
    """One rendered view.

    Attributes:
        frames (np.ndarray): (T, H, W) uint16, 12-bit values (background
            about 2048, contrast darker).
        frame_times_ms (np.ndarray): (T,) ms since the first frame.
        view (str): 'PA' or 'LAT'.
        label (int): 1 if the run has the pathology.
        thrombus_points (list): ``[[x, y]]`` proximal clot end in px, or [].
        boxes (list): per frame ``[x, y, w, h]`` (px) of the visible
            extravasation or None.
        info (dict): extra ground truth (occlusion level, leak time...).
    """
    frames: np.ndarray
    frame_times_ms: np.ndarray
    view: str
    label: int
    thrombus_points: list = field(default_factory=list)
    boxes: list = field(default_factory=list)
    info: dict = field(default_factory=dict)


def _seed_sequence(seed):
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(int(seed.integers(2**63)))
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) \
            and seed >= 0:
        return np.random.SeedSequence(int(seed))
    raise ValueError(f'seed: expected a non-negative int, a numpy Generator '
                     f'or SeedSequence, got {seed!r}')


def _curve(name, scale):
    p = CURVES[name]
    return lambda tau: gamma_variate(tau, p['tp'] * scale, p['a'])


def _box(mask):
    rows = np.flatnonzero(mask.any(1))
    cols = np.flatnonzero(mask.any(0))
    if len(rows) == 0:
        return None
    return [int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1),
            int(rows[-1] - rows[0] + 1)]


def _event_frames(event, view, image_size):
    """(T, H, W) float32 density of a mimic / controlled event."""
    m = event_density(event, view, image_size, splat_maps).astype(np.float32)
    return event.profile.astype(np.float32)[:, None, None] * m[None]


def _event_info(kind, frames, box_floor):
    """Ground truth of one event: per-frame profile (peak 1) and boxes of
    the density above ``BOX_FRACTION`` of its peak (and ``box_floor``)."""
    peaks = np.abs(frames).reshape(len(frames), -1).max(1)
    peak = float(peaks.max())
    thr = max(BOX_FRACTION * peak, box_floor)
    return dict(kind=kind, peak_mm=round(peak, 4),
                profile=[round(float(p) / max(peak, 1e-9), 4) for p in peaks],
                boxes=[_box(f > thr) for f in frames])


def _arterial_state(tree, occlusion, knobs, rng):
    """Per-vessel arrival times and amplitudes with an optional occlusion."""
    arrivals = [v.times.copy() for v in tree.vessels]
    amps = [np.ones(len(v.points)) for v in tree.vessels]
    if occlusion is None:
        return arrivals, amps, 0.0, 0.0
    col_amp = rng.uniform(*knobs['collateral_amp'])
    col_delay = rng.uniform(*knobs['collateral_delay'])
    t_occ = tree.vessels[occlusion['vessel']].times[occlusion['start']]
    blocked = occlusion['blocked']
    t_max = max(tree.vessels[i].times[-1] for i in blocked)
    for i, start in blocked.items():
        t = tree.vessels[i].times[start:]
        # retrograde: the distal end fills first through collaterals
        arrivals[i][start:] = t_occ + col_delay + 0.4 * (t_max - t)
        amps[i][start:] = col_amp
        if start > 0:   # the clot itself (a few mm) never fills
            amps[i][start:start + 2] = 0.0
    return arrivals, amps, col_amp, col_delay


def simulate_pair(seed, pathology=None, difficulty='medium', image_size=256,
                  num_frames=16, views=PAIR_VIEWS):
    """Simulate one patient's run seen in one or two views.

    Args:
        seed (int | np.random.Generator | np.random.SeedSequence): source
            of all randomness; the same seed gives the same output.
        pathology (str | None): None, 'thrombus' or 'perforation'.
        difficulty (str): 'easy', 'medium', 'hard', 'mixed', 'temporal' or
            'temporal-controlled' (see
            :data:`mmdsa.synth.pathology.DIFFICULTIES`; the last one is for
            the perforation task only and needs ``num_frames >= 5``).
        image_size (int): square image side in px (>= 32).
        num_frames (int): frames in the run (>= 3).
        views (tuple[str]): views to render (default both, PA first).

    Returns:
        dict[str, SimulatedSeries]: one entry per view. ``info['events']``
        lists the perforation and the mimics: ``kind``, ``profile`` (per
        frame amplitude, peak 1) and ``boxes`` (per frame ``[x, y, w, h]``
        of the event's own density above :data:`BOX_FRACTION` of its peak,
        or None).
    """
    if pathology not in PATHOLOGIES:
        raise ValueError(f'pathology: expected one of {PATHOLOGIES}, got '
                         f'{pathology!r}')
    knobs = check_difficulty(difficulty)
    if not isinstance(image_size, (int, np.integer)) or image_size < 32:
        raise ValueError(f'image_size: expected an int >= 32, got '
                         f'{image_size!r}')
    if not isinstance(num_frames, (int, np.integer)) or num_frames < 3:
        raise ValueError(f'num_frames: expected an int >= 3, got '
                         f'{num_frames!r}')
    controlled = knobs.get('controlled')
    if controlled is not None and pathology == 'thrombus':
        raise ValueError(f'difficulty: {difficulty!r} is for the perforation '
                         f'task only, got pathology {pathology!r}')
    if controlled is not None and num_frames < 5:
        raise ValueError(f'num_frames: expected an int >= 5 for difficulty '
                         f'{difficulty!r}, got {num_frames!r}')
    views = tuple(check_view(v) for v in views)
    ss = _seed_sequence(seed)
    # the sixth stream (mimics) leaves the first five, and so the levels
    # without mimics, unchanged
    r_tree, r_time, r_path, r_vein, r_noise, r_mimic = (
        np.random.default_rng(s) for s in ss.spawn(6))

    side = 1.0 if r_tree.random() < 0.5 else -1.0
    loops = knobs.get('tree_loops')
    tree = build_arterial_tree(
        r_tree, side, knobs.get('tree_points', (360, 120)),
        knobs.get('tree_min_radius_mm', MIN_RADIUS_MM),
        int(r_tree.integers(loops[0], loops[1] + 1)) if loops else 0)
    assign_arrival_times(tree, r_tree.uniform(260.0, 380.0))
    times = frame_schedule(r_time, int(num_frames)) + r_time.uniform(0.0, 0.3)
    speed = r_time.uniform(0.85, 1.2)
    motion_dir = r_time.standard_normal(2)
    motion_dir /= np.linalg.norm(motion_dir)

    occlusion = perforation = controlled_perf = None
    if pathology == 'thrombus':
        occlusion = choose_occlusion(r_path, tree, difficulty)
    elif pathology == 'perforation' and controlled is None:
        perforation = choose_perforation(r_path, tree, difficulty)
    arrivals, amps, col_amp, _ = _arterial_state(tree, occlusion, knobs,
                                                 r_path)

    # capillary blush: each leaf's territory fills after the leaf
    terr, terr_t, terr_a = [], [], []
    for i, v in enumerate(tree.vessels):
        if len(v.territory):
            terr.append(v.territory)
            terr_t.append(np.full(len(v.territory), arrivals[i][-1] + 0.4))
            terr_a.append(np.full(len(v.territory),
                                  1.0 if amps[i][-1] >= 1 else col_amp))
    terr, terr_t, terr_a = map(np.concatenate, (terr, terr_t, terr_a))
    # the blush is one hemisphere's capillary bed whatever the number of
    # attractor points (480 in the sparse default trees)
    blush_scale = BLUSH_POINTS / len(terr)
    normal_t = np.median(terr_t[terr_a >= 1]) if np.any(terr_a >= 1) \
        else np.median(terr_t)

    def perfusion(point):
        if point is None:
            return float(np.mean(terr_a)), 0.0
        near = np.linalg.norm(terr - point, axis=1) < 35.0
        if not near.any():
            return 1.0, 0.0
        frac = float(np.mean(terr_a[near]))
        delay = float(np.mean(np.clip(terr_t[near] - normal_t, 0, None)))
        return frac, delay

    veins, vein_amps = build_venous_tree(
        r_vein, tree, normal_t + r_vein.uniform(1.6, 2.4), perfusion)
    if controlled is not None:
        controlled_perf, mimics = controlled_events(
            r_path, r_mimic, tree, difficulty, knobs, len(times),
            pathology == 'perforation')
    else:
        mimics = draw_mimics(r_mimic, tree, veins, knobs, times, speed)

    out = {}
    noise_sd = knobs['noise']
    for view in views:
        mmpp = mm_per_pixel(image_size)
        art = sample_vessels(tree.vessels, amps, arrivals, image_size, view,
                             project)
        ven = sample_vessels(veins.vessels,
                             [np.full(len(v.points), VEIN_DILUTION * a)
                              for v, a in zip(veins.vessels, vein_amps)],
                             [v.times for v in veins.vessels], image_size,
                             view, project)
        keep = terr_a > 0
        blush = dict(xy=project(terr[keep], view, image_size),
                     sigma=np.full(keep.sum(), BLUSH_SIGMA_MM / mmpp),
                     weight=BLUSH_DENSITY * 2 * np.pi * BLUSH_SIGMA_MM**2
                     * blush_scale * terr_a[keep], time=terr_t[keep])
        layers = [(*splat_maps(art, image_size), _curve('artery', speed)),
                  (*splat_maps(blush, image_size, 8), _curve('blush', speed)),
                  (*splat_maps(ven, image_size, 10), _curve('vein', speed))]
        density = compose(layers, times)
        box_floor = 2.5 * noise_sd / GAIN_PER_MM
        events = []
        ext_d = None   # (T, H, W) extravasation density
        if perforation is not None:
            ext = dict(xy=project(perforation['centres'], view, image_size),
                       sigma=perforation['sigmas'] / mmpp,
                       weight=perforation['amounts'],
                       time=perforation['arrivals'])
            tau = perforation['tau_fill']
            ext_d = compose([(*splat_maps(ext, image_size, 12),
                              lambda x: accumulation(x, tau))], times)
        elif controlled_perf is not None:
            ext_d = _event_frames(controlled_perf, view, image_size)
        boxes = [None] * len(times)
        if ext_d is not None:
            density += ext_d
            events.append(_event_info('perforation', ext_d, box_floor))
            boxes = events[0]['boxes']
        for ev in mimics:
            d = _event_frames(ev, view, image_size)
            density += d
            events.append(_event_info(ev.kind, d, box_floor))
        img = BACKGROUND - GAIN_PER_MM * density
        # misregistration rims along the skull: bone shifted by d(t)
        bone = skull_image(view, image_size)
        gy, gx = np.gradient(bone)
        drift = knobs['motion_mm'] / mmpp * (times / max(times[-1], 1e-6))
        shake = r_noise.normal(0, 0.15 * knobs['motion_mm'] / mmpp,
                               (len(times), 2))
        dx = drift * motion_dir[0] + shake[:, 0]
        dy = drift * motion_dir[1] + shake[:, 1]
        img += 18.0 * (gx[None] * dx[:, None, None]
                       + gy[None] * dy[:, None, None])
        # quantum noise, stronger where more iodine absorbs photons
        sd = noise_sd * np.sqrt(1.0 + 0.5 * np.clip(density, 0, None))
        img += sd * r_noise.standard_normal(img.shape)
        frames = np.clip(np.rint(img), 0, 4095).astype(np.uint16)
        info = dict(difficulty=difficulty, side=side, events=events)
        points = []
        if occlusion is not None:
            xy = project(occlusion['point'][None], view, image_size)[0]
            points = [[round(float(xy[0]), 2), round(float(xy[1]), 2)]]
            info['occlusion_level'] = occlusion['level']
        if perforation is not None:
            info['leak_time_s'] = float(perforation['time'] - times[0])
        out[view] = SimulatedSeries(
            frames=frames, frame_times_ms=np.round((times - times[0]) * 1000,
                                                   1),
            view=view, label=int(pathology is not None),
            thrombus_points=points, boxes=boxes, info=info)
    return out


def simulate_series(seed, view='PA', pathology=None, difficulty='medium',
                    image_size=256, num_frames=16):
    """Simulate a single view; see :func:`simulate_pair` for the arguments.

    Returns:
        SimulatedSeries: the rendered view with its ground truth.
    """
    return simulate_pair(seed, pathology, difficulty, image_size, num_frames,
                         views=(view,))[check_view(view)]
