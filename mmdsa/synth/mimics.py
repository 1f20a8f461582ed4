"""Mimics of extravasation: things that look like a perforation in one frame
but behave differently over time.

Every mimic is an :class:`Event`: a spatial density map (iodine path in mm,
or an image artefact expressed in the same unit) times a per-frame
amplitude. Kinds (``mimics`` knob of a difficulty level, expected count per
series of each kind):

- ``aneurysm``: a saccular pouch at a branching point; fills with the
  arterial bolus and washes out a little later (stasis) than its vessel.
- ``venous_pouch``: a varix on a cortical vein; fills and washes out with
  the venous phase.
- ``catheter_puff``: contrast refluxing at the catheter tip in the cervical
  ICA; visible in one or two early frames.
- ``noise_burst``: a blob of correlated noise in one frame.
- ``motion_rim``: a local misregistration rim (dark and bright crescents) in
  one frame.

The controlled variant (``controlled`` knob) uses one shape generator for
perforations and mimics and differs only in the per-frame amplitude:
:func:`controlled_profiles`.
"""
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter

from .dynamics import CURVES, gamma_variate
from .pathology import build_cloud, leak_site
from .projection import mm_per_pixel, project

MIMIC_KINDS = ('aneurysm', 'venous_pouch', 'catheter_puff', 'noise_burst',
               'motion_rim')
#: one-frame artefacts are drawn in image space rather than from 3D puffs
IMAGE_KINDS = ('noise_burst', 'motion_rim')


@dataclass
class Event:
    """A contrast or artefact event rendered into every view.

    Attributes:
        kind (str): 'perforation' or one of :data:`MIMIC_KINDS`.
        centres (np.ndarray): (B, 3) mm puff centres (3D kinds), or (1, 3)
            the artefact's location.
        sigmas (np.ndarray): (B,) mm puff widths (3D kinds) or the
            artefact's size (mm).
        amounts (np.ndarray): (B,) mm^3 puff volumes (3D kinds) or the
            artefact's peak density (mm).
        profile (np.ndarray): (T,) amplitude per frame (peak 1).
        seed (int): seed of the image-space texture (image kinds).
    """
    kind: str
    centres: np.ndarray
    sigmas: np.ndarray
    amounts: np.ndarray
    profile: np.ndarray
    seed: int = 0


def _gamma_profile(times, t0, tp, a):
    prof = gamma_variate(times - t0, tp, a)
    return prof / max(float(prof.max()), 1e-9) if prof.max() > 0 else prof


def _one_frame(rng, num_frames):
    prof = np.zeros(num_frames)
    prof[int(rng.integers(num_frames))] = 1.0
    return prof


def _mimic_knobs(knobs, rng):
    """Cloud knobs of a mimic: the perforation's cloud with the density
    scaled by ``mimic_density`` (relative range)."""
    lo, hi = knobs['cloud_density']
    f = rng.uniform(*knobs.get('mimic_density', (1.0, 1.0)))
    return dict(knobs, cloud_density=(lo * f, hi * f))


def _branch_points(tree):
    return [(i, v.parent, v.parent_point) for i, v in enumerate(tree.vessels)
            if v.parent >= 0 and v.level in ('M2', 'M3', 'M4+', 'A2', 'A3+')]


def _aneurysm(rng, tree, knobs, times, speed):
    pts = _branch_points(tree)
    _, p, j = pts[int(rng.integers(len(pts)))]
    base = tree.vessels[p].points[j]
    out = rng.standard_normal(3)
    out /= np.linalg.norm(out)
    size = rng.uniform(1.8, 3.2)   # sac radius (mm)
    n = int(rng.integers(1, 4))
    centres = base + out * size + rng.normal(0, 0.5 * size, (n, 3))
    sigmas = rng.uniform(0.7, 1.0, n) * size
    peak = rng.uniform(*_mimic_knobs(knobs, rng)['cloud_density'])
    amounts = peak * 2 * np.pi * sigmas**2 / n
    t0 = tree.vessels[p].times[j] + rng.uniform(0.0, 0.3)
    art = CURVES['artery']
    prof = _gamma_profile(times, t0, art['tp'] * speed *
                          rng.uniform(1.3, 2.2), art['a'])
    return Event('aneurysm', centres, sigmas, amounts, prof)


def _venous_pouch(rng, veins, knobs, times, speed):
    cort = [v for v in veins.vessels if v.level == 'CORTICAL']
    vein = cort[int(rng.integers(len(cort)))]
    j = int(rng.integers(len(vein.points)))
    mk = _mimic_knobs(knobs, rng)
    mk['cloud_blobs'] = (3, 8)
    centres, sigmas, amounts = build_cloud(rng, vein.points[j].copy(), mk)
    vc = CURVES['vein']
    # a pouch on the draining vein: fills with it and empties faster than
    # the sinuses
    prof = _gamma_profile(times, vein.times[j] + rng.uniform(-0.2, 0.4),
                          vc['tp'] * speed * rng.uniform(0.4, 0.7), 3.5)
    return Event('venous_pouch', centres, sigmas, amounts, prof)


def _catheter_puff(rng, tree, knobs, times):
    ica = tree.vessels[0]
    low = np.flatnonzero((ica.points[:, 2] > -105) & (ica.points[:, 2] < -70))
    j = int(low[int(rng.integers(len(low)))]) if len(low) else 0
    mk = _mimic_knobs(knobs, rng)
    mk['cloud_blobs'] = (4, 10)
    centres, sigmas, amounts = build_cloud(rng, ica.points[j].copy(), mk)
    # a short squirt early in the run: one or two frames
    t0 = rng.uniform(0.0, 1.5)
    prof = _gamma_profile(times, t0, rng.uniform(0.15, 0.3), 4.0)
    prof[prof < 0.25] = 0.0
    return Event('catheter_puff', centres, sigmas, amounts, prof)


def _image_artefact(rng, kind, tree, knobs, times):
    # somewhere over the injected hemisphere's territory
    leaves = [v for v in tree.vessels if len(v.territory)]
    leaf = leaves[int(rng.integers(len(leaves)))]
    centre = leaf.territory[int(rng.integers(len(leaf.territory)))]
    size = rng.uniform(4.0, 8.0) if kind == 'noise_burst' \
        else rng.uniform(5.0, 10.0)
    peak = rng.uniform(*_mimic_knobs(knobs, rng)['cloud_density'])
    prof = _one_frame(rng, len(times))
    return Event(kind, centre[None].copy(), np.array([size]),
                 np.array([peak]), prof, seed=int(rng.integers(2**31)))


def draw_mimics(rng, tree, veins, knobs, times, speed, counts=None):
    """Draw the mimics of one run.

    Args:
        rng (np.random.Generator): random source (its own stream, so the
            anatomy and the perforation do not depend on the mimics).
        tree (VesselTree): arteries with arrival times.
        veins (VesselTree): veins with arrival times.
        knobs (dict): the difficulty level; ``mimics`` maps kinds to the
            expected count per series (Poisson).
        times (np.ndarray): (T,) frame times (s).
        speed (float): the run's curve time scale.
        counts (dict, optional): fixed counts per kind instead of Poisson.

    Returns:
        list[Event]: the mimics.
    """
    rates = knobs.get('mimics') or {}
    events = []
    for kind in MIMIC_KINDS:
        if kind not in rates:
            continue
        n = counts.get(kind, 0) if counts is not None else \
            int(rng.poisson(rates[kind]))
        for _ in range(n):
            if kind == 'aneurysm':
                events.append(_aneurysm(rng, tree, knobs, times, speed))
            elif kind == 'venous_pouch':
                events.append(_venous_pouch(rng, veins, knobs, times, speed))
            elif kind == 'catheter_puff':
                events.append(_catheter_puff(rng, tree, knobs, times))
            else:
                events.append(_image_artefact(rng, kind, tree, knobs, times))
    return events


def controlled_profiles(rng, num_frames, ramp_frames=4, plateau_frames=2):
    """Per-frame amplitudes of the controlled variant.

    Perforation and mimic are visible in the same number of frames with
    the same amplitudes; one is the other played backwards, so only their
    evolution tells them apart:

    - ramp levels ``k / R`` for ``k = 1 .. R - 1`` with
      ``R = min(ramp_frames, (T - plateau) // 2 + 1)``, then a plateau of
      ``plateau_frames`` frames at 1;
    - a perforation grows: ramp up, then the plateau (it fills and holds);
    - a mimic appears at its peak: the plateau, then the ramp down (it
      washes out);
    - the plateau's first frame ``q`` is drawn from the same range for
      both, ``[R - 1, T - plateau - (R - 1)]``, so the peak frames (what a
      single-frame detector's maximum sees) sit at the same frames, in the
      same phase of the run, for both.

    Outside its ``R - 1 + plateau`` frames an event is not visible (the
    perforation is cut after its plateau so that both have the same
    count: a controlled check of temporal modelling, not realism).

    Returns:
        tuple[callable, callable]: ``perforation()`` and ``mimic()``, each
        returning a (T,) profile drawn from ``rng``.
    """
    ramp = max(2, min(int(ramp_frames), (num_frames - plateau_frames) // 2
                      + 1))
    levels = np.arange(1, ramp) / ramp   # e.g. 0.25, 0.5, 0.75
    n_up = levels.size

    def plateau_start():
        return int(rng.integers(n_up, num_frames - plateau_frames - n_up + 1))

    def perforation():
        q = plateau_start()
        prof = np.zeros(num_frames)
        prof[q - n_up:q] = levels
        prof[q:q + plateau_frames] = 1.0
        return prof

    def mimic():
        q = plateau_start()
        prof = np.zeros(num_frames)
        prof[q:q + plateau_frames] = 1.0
        prof[q + plateau_frames:q + plateau_frames + n_up] = levels[::-1]
        return prof

    return perforation, mimic


def controlled_events(r_path, r_mimic, tree, difficulty, knobs, num_frames,
                      with_perforation):
    """The events of one run of the controlled variant.

    Perforation and mimics share one generator of sites (:func:`leak_site`)
    and shapes (:func:`build_cloud` with the level's cloud knobs), so a
    single frame cannot tell them apart; only their profiles differ (see
    :func:`controlled_profiles`). A positive run has the perforation and
    0 or 1 mimic, a negative run 1 or 2 mimics (same event count
    distribution); the mimics of a positive run are the first ones of the
    negative run with the same seed.

    Returns:
        tuple[Event | None, list[Event]]: the perforation (None for a
        negative run) and the mimics.
    """
    ctl = knobs['controlled']
    extra = int(r_mimic.random() < 0.5)
    n_mimics = extra + (0 if with_perforation else 1)
    perf_prof, _ = controlled_profiles(r_path, num_frames,
                                       ctl['ramp_frames'],
                                       ctl['plateau_frames'])
    _, mimic_prof = controlled_profiles(r_mimic, num_frames,
                                        ctl['ramp_frames'],
                                        ctl['plateau_frames'])

    def event(rng, kind, profile_fn, taken):
        for _ in range(20):   # keep events apart (> min_gap_mm)
            i, j = leak_site(rng, tree, difficulty)
            point = tree.vessels[i].points[j].copy()
            if all(np.linalg.norm(point - q) > ctl['min_gap_mm']
                   for q in taken):
                break
        centres, sigmas, amounts = build_cloud(rng, point, knobs)
        return Event(kind, centres, sigmas, amounts, profile_fn())

    # every run draws extra + 1 mimics from its own stream and a negative
    # run shows them all, a positive one the first ``extra``: the same seed
    # gives the same mimics with and without the perforation, which is
    # placed away from all of them
    candidates, taken = [], []
    for _ in range(extra + 1):
        ev = event(r_mimic, 'mimic', mimic_prof, taken)
        taken.append(ev.centres[0])
        candidates.append(ev)
    perforation = event(r_path, 'perforation', perf_prof, taken) \
        if with_perforation else None
    return perforation, candidates[:n_mimics]


def event_density(event, view, image_size, splat_maps):
    """(H, W) density map (mm) of ``event`` in ``view`` at amplitude 1.

    Args:
        event (Event): the event.
        view (str): 'PA' or 'LAT'.
        image_size (int): image side.
        splat_maps (callable): :func:`mmdsa.synth.render.splat_maps`.
    """
    mmpp = mm_per_pixel(image_size)
    xy = project(event.centres, view, image_size)
    if event.kind not in IMAGE_KINDS:
        maps, _ = splat_maps(dict(xy=xy, sigma=event.sigmas / mmpp,
                                  weight=event.amounts,
                                  time=np.zeros(len(xy))), image_size, 1)
        return maps[0].astype(np.float64)
    h = w = int(image_size)
    yy, xx = np.mgrid[0:h, 0:w] + 0.5
    cx, cy = xy[0]
    s = event.sigmas[0] / mmpp
    tex_rng = np.random.default_rng(event.seed)
    if event.kind == 'noise_burst':
        env = np.exp(-((xx - cx)**2 + (yy - cy)**2) / (2 * s**2))
        tex = gaussian_filter(tex_rng.standard_normal((h, w)),
                              max(0.35 * s, 0.7))
        tex /= tex.std() + 1e-9
        m = env * np.clip(0.8 + 0.6 * tex, 0.0, None)
    else:   # motion rim: a soft disc minus the same disc shifted
        ang = tex_rng.uniform(0, 2 * np.pi)
        shift = tex_rng.uniform(0.25, 0.45) * s
        dx, dy = shift * np.cos(ang), shift * np.sin(ang)

        def disc(x0, y0):
            r = np.sqrt((xx - x0)**2 + (yy - y0)**2)
            return 1.0 / (1.0 + np.exp((r - s) / max(0.15 * s, 0.5)))
        # the dark crescent dominates: the shifted structure was denser
        m = disc(cx, cy) - 0.5 * disc(cx + dx, cy + dy)
        m = gaussian_filter(m, 0.6)
    peak = float(np.max(m))
    return m * (event.amounts[0] / peak if peak > 0 else 0.0)
