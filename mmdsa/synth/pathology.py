"""Pathologies and difficulty knobs: thrombus (occlusion) and perforation
(contrast extravasation).

Difficulty knobs (``DIFFICULTIES[name]``):

- ``occlusion_levels``: probability of each occlusion site; 'ICA-T' (carotid
  terminus: M1 and A1 territories lost), 'M1', 'M2', 'M3', 'M4+' (distal,
  small territories, subtle).
- ``occlusion_size_power``: a segment of the chosen level is drawn with
  probability proportional to ``radius ** power`` (3 = proportional to its
  territory by Murray's law, i.e. mostly the larger M2 division; 0 =
  uniform, many small distal branches).
- ``occlusion_fraction``: where along the chosen segment the clot starts
  (fraction of its length).
- ``collateral_amp`` / ``collateral_delay``: strength (0 = none, 1 = normal)
  and extra delay (s) of the late, retrograde leptomeningeal filling of the
  occluded territory.
- ``perforation_radius``: radius range (mm) of the vessel that leaks (thin =
  distal = hard).
- ``cloud_blobs``, ``cloud_sigma_mm``, ``cloud_step_mm``: number, size and
  spacing of the Gaussian puffs forming the extravasation cloud (more and
  larger = bigger cloud).
- ``cloud_density``: peak iodine path (mm equivalent) of the whole cloud
  once filled (x 260 grey values per mm); several times the noise at
  'medium', about 5-10 x the noise at 'hard'.
- ``noise``: quantum noise standard deviation in 12-bit grey values at the
  background level.
- ``motion_mm``: largest misregistration shift (mm) of the skull outline.

Optional knobs (absent = the behaviour of 'easy' / 'medium' / 'hard'):

- ``tree_points`` (MCA, ACA attractor points), ``tree_min_radius_mm`` and
  ``tree_loops`` (range of tortuous loops per tree): tree density (see
  :func:`mmdsa.synth.tree.build_arterial_tree`).
- ``leak_growth``: ``delay_s`` (extra delay of the leak after the arterial
  arrival), ``spread_mm_s`` (how fast the cloud spreads from the leak) and
  ``tau_fill_s`` (filling time constant): a slow, growing leak that is
  faint in its first frames.
- ``mimics``: expected count per series (Poisson) of each mimic kind of
  :mod:`mmdsa.synth.mimics`, in positive and negative series alike;
  ``mimic_density``: their peak density relative to ``cloud_density``.
- ``controlled``: the controlled temporal variant (perforation task only):
  ``ramp_frames`` (the ramp's levels are ``k / ramp_frames``),
  ``plateau_frames`` (frames at the peak) and ``min_gap_mm`` (distance
  between events); see
  :func:`mmdsa.synth.mimics.controlled_events`.

Levels:

- 'easy', 'medium', 'hard': sparse trees, no mimics; the perforation is a
  dark cloud that fills within 1-2 s and stays (a single frame suffices).
- 'mixed': 'medium''s image quality with occlusions at every site, from
  the carotid terminus to M4+ (70 % proximal, 30 % M3 / M4+), so that a
  thrombus benchmark holds both the occlusions a network finds and the
  distal ones the paper's external validation found hard ('medium' has no
  distal sites and saturates at the CPU scale; 'hard' is mostly distal
  and, with its noise, motion and collaterals, sits near chance).
- 'temporal': the benchmark that needs time. Dense trees (about 1300
  vessels, many overlapping in projection, plus tortuous loops), slowly
  growing leaks that are faint at first, and mimics in positive and
  negative series (aneurysms and venous pouches that fill and wash out
  with the vessels, a contrast puff at the catheter tip, one-frame noise
  bursts and motion rims).
- 'temporal-controlled': perforations and mimics identical frame by frame
  (one generator of sites, shapes, sizes and peak densities), visible in
  the same number of frames with the same amplitudes, their peaks at the
  same frames: a perforation grows (0.25, 0.5, 0.75) to its 2-frame
  peak, a mimic shows its peak first and then washes out (0.75, 0.5,
  0.25). Frame indices, not seconds, define the evolution, so it is
  visible within one T = 5 window.
"""
import numpy as np

DIFFICULTIES = {
    'easy': dict(
        occlusion_levels={'ICA-T': 0.3, 'M1': 0.7},
        occlusion_size_power=3.0,
        occlusion_fraction=(0.05, 0.4), collateral_amp=(0.0, 0.1),
        collateral_delay=(3.0, 5.0), perforation_radius=(0.6, 1.6),
        cloud_blobs=(30, 50), cloud_sigma_mm=(2.5, 4.5),
        cloud_step_mm=(5.0, 8.0), cloud_density=(2.5, 3.5), noise=10.0,
        motion_mm=0.15),
    'medium': dict(
        occlusion_levels={'ICA-T': 0.2, 'M1': 0.5, 'M2': 0.3},
        occlusion_size_power=3.0,
        occlusion_fraction=(0.05, 0.5), collateral_amp=(0.05, 0.25),
        collateral_delay=(2.5, 4.5), perforation_radius=(0.45, 1.3),
        cloud_blobs=(24, 40), cloud_sigma_mm=(2.5, 4.5),
        cloud_step_mm=(5.0, 8.0), cloud_density=(1.6, 2.6), noise=16.0,
        motion_mm=0.3),
    'hard': dict(
        occlusion_levels={'M1': 0.1, 'M2': 0.3, 'M3': 0.35, 'M4+': 0.25},
        occlusion_size_power=0.0,
        occlusion_fraction=(0.05, 0.8), collateral_amp=(0.15, 0.45),
        collateral_delay=(2.0, 4.0), perforation_radius=(0.32, 0.8),
        cloud_blobs=(10, 20), cloud_sigma_mm=(1.5, 3.0),
        cloud_step_mm=(3.0, 5.0), cloud_density=(0.6, 1.1), noise=24.0,
        motion_mm=0.6),
    'temporal': dict(
        occlusion_levels={'M1': 0.1, 'M2': 0.3, 'M3': 0.35, 'M4+': 0.25},
        occlusion_size_power=0.0,
        occlusion_fraction=(0.05, 0.8), collateral_amp=(0.15, 0.45),
        collateral_delay=(2.0, 4.0), perforation_radius=(0.3, 0.9),
        cloud_blobs=(14, 26), cloud_sigma_mm=(2.0, 3.5),
        cloud_step_mm=(3.0, 5.0), cloud_density=(1.0, 1.8), noise=20.0,
        motion_mm=0.5,
        tree_points=(1200, 400), tree_min_radius_mm=0.22, tree_loops=(4, 10),
        leak_growth=dict(delay_s=(0.2, 1.5), spread_mm_s=(4.0, 10.0),
                         tau_fill_s=(1.5, 3.0)),
        mimics=dict(aneurysm=0.5, venous_pouch=0.5, catheter_puff=0.3,
                    noise_burst=0.4, motion_rim=0.3),
        mimic_density=(0.7, 1.3)),
    'temporal-controlled': dict(
        occlusion_levels={'ICA-T': 0.2, 'M1': 0.5, 'M2': 0.3},
        occlusion_size_power=3.0,
        occlusion_fraction=(0.05, 0.5), collateral_amp=(0.05, 0.25),
        collateral_delay=(2.5, 4.5), perforation_radius=(0.45, 1.3),
        cloud_blobs=(8, 14), cloud_sigma_mm=(2.5, 4.0),
        cloud_step_mm=(3.0, 5.0), cloud_density=(1.5, 2.5), noise=16.0,
        motion_mm=0.3,
        controlled=dict(ramp_frames=4, plateau_frames=2, min_gap_mm=30.0)),
}


# 'medium' with occlusions at every site (see the module doc)
DIFFICULTIES['mixed'] = dict(
    DIFFICULTIES['medium'],
    occlusion_levels={'ICA-T': 0.1, 'M1': 0.3, 'M2': 0.3, 'M3': 0.2,
                      'M4+': 0.1})


def check_difficulty(difficulty):
    """Return the knob dict of ``difficulty`` or raise ValueError."""
    if difficulty not in DIFFICULTIES:
        raise ValueError(f'difficulty: expected one of '
                         f'{sorted(DIFFICULTIES)}, got {difficulty!r}')
    return DIFFICULTIES[difficulty]


def choose_occlusion(rng, tree, difficulty):
    """Pick the occluded vessel and the clot's proximal point.

    Args:
        rng (np.random.Generator): random source.
        tree (VesselTree): arterial tree with arrival times.
        difficulty (str): key of :data:`DIFFICULTIES`.

    Returns:
        dict: ``vessel`` (index), ``start`` (point index of the clot's
        proximal end), ``point`` ((3,) mm), ``level``, ``blocked``
        (dict vessel index -> first blocked point index).
    """
    knobs = check_difficulty(difficulty)
    levels = list(knobs['occlusion_levels'])
    probs = np.array([knobs['occlusion_levels'][k] for k in levels])
    level = levels[int(rng.choice(len(levels), p=probs / probs.sum()))]
    if level == 'ICA-T':
        idx = 0
        start = len(tree.vessels[0].points) - 1
    else:
        cands = [i for i, v in enumerate(tree.vessels) if v.level == level]
        if not cands:   # tiny trees: fall back to M1
            cands = [i for i, v in enumerate(tree.vessels)
                     if v.level == 'M1']
        w = np.array([tree.vessels[c].radii[0] for c in cands])
        w = w**knobs['occlusion_size_power']
        idx = int(cands[int(rng.choice(len(cands), p=w / w.sum()))])
        n = len(tree.vessels[idx].points)
        frac = rng.uniform(*knobs['occlusion_fraction'])
        start = int(np.clip(round(frac * (n - 1)), 1, n - 1))
    blocked = {idx: start}
    stack = [c for c in tree.vessels[idx].children
             if tree.vessels[c].parent_point >= start]
    while stack:
        c = stack.pop()
        blocked[c] = 0
        stack.extend(tree.vessels[c].children)
    return dict(vessel=idx, start=start, level=level, blocked=blocked,
                point=tree.vessels[idx].points[start].copy())


def leak_site(rng, tree, difficulty):
    """Pick a vessel point that can leak: an M2+ / A2+ point whose radius
    lies in the level's ``perforation_radius`` range.

    Returns:
        tuple[int, int]: vessel index and point index.
    """
    lo, hi = check_difficulty(difficulty)['perforation_radius']
    cands = [(i, j) for i, v in enumerate(tree.vessels)
             if v.level[0] in 'MA' and v.level not in ('M1', 'A1')
             for j in range(1, len(v.points))
             if lo <= v.radii[j] <= hi]
    if not cands:
        cands = [(i, j) for i, v in enumerate(tree.vessels)
                 if v.level[0] in 'MA' for j in range(1, len(v.points))]
    i, j = cands[int(rng.integers(len(cands)))]
    return i, j


def build_cloud(rng, point, knobs):
    """A cloud of Gaussian puffs around ``point`` spreading along the brain
    surface (the shape of extravasated contrast; also used for mimics so
    that they look alike).

    Args:
        rng (np.random.Generator): random source.
        point ((3,) np.ndarray): seed point (mm).
        knobs (dict): ``cloud_blobs``, ``cloud_sigma_mm``, ``cloud_step_mm``,
            ``cloud_density`` (see the module docstring).

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: centres (B, 3) mm,
        sigmas (B,) mm and amounts (B,) mm^3 (a puff alone projects to a
        peak iodine path of ``amount / (2 pi sigma^2)`` mm).
    """
    n = int(rng.integers(*knobs['cloud_blobs']))
    normal = point / (np.linalg.norm(point) + 1e-9)
    # a preferred spreading direction along the surface (a sulcus)
    sulcus = np.cross(normal, rng.standard_normal(3))
    sulcus /= np.linalg.norm(sulcus) + 1e-9
    centres = [point]
    for _ in range(n - 1):
        base = centres[int(rng.integers(len(centres)))]
        d = rng.standard_normal(3) + 1.5 * sulcus * rng.choice([-1, 1])
        d -= 0.7 * normal * (d @ normal)
        d /= np.linalg.norm(d) + 1e-9
        centres.append(base + d * rng.uniform(*knobs['cloud_step_mm']))
    centres = np.array(centres)
    sigmas = rng.uniform(*knobs['cloud_sigma_mm'], n)
    dens = rng.uniform(0.4, 1.0, n)
    # scale so that the filled cloud's peak (3D overlap of the puffs, a
    # proxy of the projected peak) equals the wanted density
    d2 = np.sum((centres[:, None] - centres[None]) ** 2, axis=-1)
    peak = np.max(np.exp(-d2 / (2 * sigmas[None] ** 2)) @ dens)
    dens *= rng.uniform(*knobs['cloud_density']) / peak
    return centres, sigmas, dens * 2 * np.pi * sigmas**2


def choose_perforation(rng, tree, difficulty):
    """Pick the leaking vessel point and build the extravasation cloud.

    With the level's ``leak_growth`` knob the leak starts later and
    spreads slowly (faint at first, growing over seconds).

    Returns:
        dict: ``point`` ((3,) mm), ``time`` (s, leak start, after the
        point's arterial arrival), ``centres`` ((B, 3) mm), ``sigmas``
        ((B,) mm), ``amounts`` ((B,) mm^3, so that a puff alone projects
        to a peak iodine path of ``amount / (2 pi sigma^2)`` mm),
        ``arrivals``
        ((B,) s, when each puff starts to fill), ``tau_fill`` (s).
    """
    knobs = check_difficulty(difficulty)
    i, j = leak_site(rng, tree, difficulty)
    vessel = tree.vessels[i]
    point = vessel.points[j].copy()
    t_leak = vessel.times[j] + rng.uniform(0.15, 0.8)
    centres, sigmas, amounts = build_cloud(rng, point, knobs)
    n = len(centres)
    dist = np.linalg.norm(centres - point, axis=1)
    growth = knobs.get('leak_growth')
    if growth is None:
        arrivals = t_leak + dist / rng.uniform(6.0, 14.0) + \
            rng.uniform(0, 0.4, n)
        tau_fill = rng.uniform(0.8, 1.8)
    else:
        t_leak += rng.uniform(*growth['delay_s'])
        arrivals = t_leak + dist / rng.uniform(*growth['spread_mm_s']) + \
            rng.uniform(0, 0.4, n)
        tau_fill = rng.uniform(*growth['tau_fill_s'])
    arrivals[0] = t_leak
    return dict(point=point, time=t_leak, centres=centres, sigmas=sigmas,
                amounts=amounts, arrivals=arrivals, tau_fill=tau_fill,
                vessel=i, index=j)
