"""A random 3D cerebral arterial tree (ICA -> MCA / ACA) grown towards
territory attractor points, with radii following Murray's law.

Every vessel is a polyline in millimetres (see :mod:`.projection` for the
frame). Branch territories are sets of attractor points on the hemisphere:
a vessel splits its set in two along the set's principal axis, each child
grows towards its half, and leaves keep their points, which later become the
capillary blush of that territory. Children radii obey Murray's law
``r0**3 = r1**3 + r2**3`` with the flow split in proportion to territory
size.
"""
from dataclasses import dataclass, field

import numpy as np

from .projection import HEAD_AXES

STEP_MM = 2.5          # growth step of the vessel polylines
LEAF_POINTS = 3        # a territory this small ends the branching
MIN_RADIUS_MM = 0.32   # a vessel this thin ends the branching


@dataclass
class Vessel:
    """One unbranched vessel.

    Attributes:
        points (np.ndarray): (N, 3) centreline in mm, proximal first.
        radii (np.ndarray): (N,) radius in mm at each point.
        level (str): anatomical level ('ICA', 'M1', 'M2', 'M3', 'M4+',
            'A1', 'A2', 'A3+', 'OPH', 'LSA', venous names).
        parent (int): index of the parent vessel, -1 for a root.
        parent_point (int): index into the parent's points where it starts.
        territory (np.ndarray): (M, 3) attractor points a leaf perfuses.
        times (np.ndarray): (N,) arrival time in s (filled by
            :func:`assign_arrival_times`).
    """
    points: np.ndarray
    radii: np.ndarray
    level: str
    parent: int = -1
    parent_point: int = 0
    territory: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    times: np.ndarray = None
    children: list = field(default_factory=list)


@dataclass
class VesselTree:
    """A set of vessels linked by ``parent`` (arteries or veins)."""
    vessels: list
    side: float = 1.0

    def add(self, vessel):
        self.vessels.append(vessel)
        idx = len(self.vessels) - 1
        if vessel.parent >= 0:
            self.vessels[vessel.parent].children.append(idx)
        return idx


def smooth_curve(control, step=STEP_MM):
    """Catmull-Rom spline through (K, 3) control points, resampled at about
    ``step`` mm. Returns (N, 3)."""
    control = np.asarray(control, dtype=np.float64)
    padded = np.vstack([2 * control[0] - control[1], control,
                        2 * control[-1] - control[-2]])
    out = []
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1:i + 3]
        n = max(2, int(np.ceil(np.linalg.norm(p2 - p1) / step)))
        t = np.linspace(0, 1, n, endpoint=False)[:, None]
        out.append(0.5 * ((2 * p1) + (-p0 + p2) * t +
                          (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2 +
                          (-p0 + 3 * p1 - 3 * p2 + p3) * t**3))
    out.append(control[-1:])
    return np.vstack(out)


def inside_head(p, scale=0.97):
    """True where (…, 3) points lie inside the scaled skull ellipsoid."""
    return np.sum((np.asarray(p) / (HEAD_AXES * scale))**2, axis=-1) < 1.0


def steer(rng, start, direction, target, length, wander=0.25, pull=0.35):
    """Grow a polyline from ``start`` towards ``target``.

    Each step mixes the current direction, the direction to the target
    (weight ``pull``) and Gaussian noise (``wander``); steps leaving the head
    are bent back inwards. Returns (N, 3) points including ``start``.
    """
    pts = [np.asarray(start, dtype=np.float64)]
    d = np.asarray(direction, dtype=np.float64)
    d = d / (np.linalg.norm(d) + 1e-9)
    n = max(2, int(np.ceil(length / STEP_MM)))
    for _ in range(n):
        to_t = target - pts[-1]
        dist = np.linalg.norm(to_t)
        if dist < STEP_MM:
            break
        d = d + pull * to_t / dist + wander * rng.standard_normal(3)
        d /= np.linalg.norm(d) + 1e-9
        nxt = pts[-1] + STEP_MM * d
        if not inside_head(nxt, 0.95):
            d = d - 0.8 * nxt / (HEAD_AXES**2) * HEAD_AXES.min()**2 / 60.0
            d /= np.linalg.norm(d) + 1e-9
            nxt = pts[-1] + STEP_MM * d
        pts.append(nxt)
    if len(pts) == 1:   # already at the target: one short step
        pts.append(pts[0] + 0.5 * STEP_MM * d)
    return np.array(pts)


def sample_territories(rng, side, n_mca=360, n_aca=120):
    """Attractor points (mm) of the MCA (lateral convexity) and ACA
    (medial, parasagittal) territories of one hemisphere."""
    def shell(n, accept):
        pts = []
        while sum(len(p) for p in pts) < n:
            u = rng.standard_normal((4 * n, 3))
            u /= np.linalg.norm(u, axis=1, keepdims=True)
            rho = rng.uniform(0.72, 0.93, (4 * n, 1))
            keep = accept(u + 0.08 * rng.standard_normal(u.shape))
            pts.append((u * rho * HEAD_AXES)[keep])
        return np.vstack(pts)[:n]

    mca = shell(n_mca, lambda u: (side * u[:, 0] > 0.42) & (u[:, 2] > -0.45)
                & (u[:, 2] < 0.8) & (u[:, 1] > -0.8) & (u[:, 1] < 0.75))
    theta = rng.uniform(np.deg2rad(15), np.deg2rad(160), n_aca)
    rho = rng.uniform(0.6, 0.92, n_aca)
    aca = np.stack([side * rng.uniform(3, 22, n_aca),
                    HEAD_AXES[1] * rho * np.cos(theta) * 0.95,
                    HEAD_AXES[2] * rho * np.sin(theta) * 0.95 + 5.0], 1)
    return mca, aca


def _split(rng, pts):
    """Split attractors along their principal axis at a random quantile."""
    centred = pts - pts.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    axis = vt[0] + 0.3 * rng.standard_normal(3)
    order = np.argsort(centred @ axis)
    k = int(np.clip(round(len(pts) * rng.uniform(0.35, 0.65)), 1,
                    len(pts) - 1))
    return pts[order[:k]], pts[order[k:]]


def _grow_children(rng, tree, parent, start, direction, radius, pts, gen,
                   prefix, min_radius=MIN_RADIUS_MM):
    """Recursively split ``pts`` and grow two child vessels from ``start``."""
    halves = _split(rng, pts)
    total = float(len(pts))
    for half in halves:
        r = radius * (len(half) / total)**(1.0 / 3.0)
        centroid = half.mean(0)
        dist = np.linalg.norm(centroid - start)
        leaf = len(half) <= LEAF_POINTS or r < min_radius
        length = dist if leaf else dist * rng.uniform(0.3, 0.55)
        line = steer(rng, start, direction, centroid, length)
        level = (f'{prefix}{gen}' if gen < 4 else f'{prefix}4+')
        if prefix == 'A':
            level = f'A{gen}' if gen < 3 else 'A3+'
        vessel = Vessel(points=line, radii=np.full(len(line), r),
                        level=level, parent=parent,
                        parent_point=len(tree.vessels[parent].points) - 1)
        idx = tree.add(vessel)
        if leaf:
            vessel.territory = half
        else:
            d = line[-1] - line[-2]
            _grow_children(rng, tree, idx, line[-1], d, r, half, gen + 1,
                           prefix, min_radius)


def _jit(rng, p, s=3.0):
    return np.asarray(p, dtype=np.float64) + rng.normal(0, s, 3)


def build_arterial_tree(rng, side=1.0, territory_points=(360, 120),
                        min_radius=MIN_RADIUS_MM, loops=0):
    """Grow one hemisphere's ICA -> MCA/ACA tree.

    Args:
        rng (np.random.Generator): random source.
        side (float): +1 or -1, the injected hemisphere (sign of x).
        territory_points (tuple[int, int]): MCA and ACA attractor points;
            more points (with a smaller ``min_radius``) give a denser tree
            with more, thinner distal branches.
        min_radius (float): a vessel thinner than this (mm) ends the
            branching.
        loops (int): number of tortuous loops added on distal branches
            (see :func:`add_loops`).

    Returns:
        VesselTree: vessel 0 is the ICA; levels name the segments.
    """
    s = float(side)
    tree = VesselTree(vessels=[], side=s)
    ctrl = [(s * 22, 4, -135), _jit(rng, (s * 22, 8, -80)),
            _jit(rng, (s * 18, 14, -50)), _jit(rng, (s * 16, 24, -36)),
            _jit(rng, (s * 17, 30, -24), 2), _jit(rng, (s * 19, 18, -15), 2),
            _jit(rng, (s * 21, 12, -6), 1.5)]
    ica = smooth_curve(ctrl)
    r_ica = rng.uniform(1.9, 2.3)
    tree.add(Vessel(points=ica, radii=np.linspace(r_ica * 1.1, r_ica,
                                                  len(ica)), level='ICA'))
    mca_pts, aca_pts = sample_territories(rng, s, *territory_points)
    n_m, n_a = len(mca_pts), len(aca_pts)
    r_m1 = r_ica * 0.85 * (n_m / (n_m + n_a))**(1 / 3)
    r_a1 = r_ica * 0.85 * (n_a / (n_m + n_a))**(1 / 3)
    term = ica[-1]
    # ophthalmic artery from the siphon's anterior genu
    genu = int(np.argmax(ica[:, 1]))
    oph = steer(rng, ica[genu], (0, 1, 0.1), _jit(rng, (s * 30, 80, -22), 4),
                75, wander=0.15, pull=0.3)
    tree.add(Vessel(points=oph, radii=np.full(len(oph), 0.55), level='OPH',
                    parent=0, parent_point=genu))
    # M1: lateral, slightly upward, to the sylvian bifurcation
    m1_end = _jit(rng, (s * 50, 10, 0), 3)
    m1 = smooth_curve([term, _jit(rng, (s * 34, 12, -6), 2), m1_end])
    m1_idx = tree.add(Vessel(points=m1, radii=np.full(len(m1), r_m1),
                             level='M1', parent=0,
                             parent_point=len(ica) - 1))
    # lenticulostriate perforators going up from M1
    for k in range(int(rng.integers(2, 5))):
        j = int(rng.integers(1, max(2, len(m1) - 2)))
        top = m1[j] + np.array([rng.normal(0, 4), rng.normal(0, 4),
                                rng.uniform(18, 30)])
        lsa = steer(rng, m1[j], (0, 0, 1), top, 28, wander=0.2)
        tree.add(Vessel(points=lsa, radii=np.full(len(lsa), 0.3),
                        level='LSA', parent=m1_idx, parent_point=j))
    _grow_children(rng, tree, m1_idx, m1[-1], m1[-1] - m1[-2], r_m1,
                   mca_pts, 2, 'M', min_radius)
    # A1 medially to the midline, A2 up and forwards to the genu
    a1 = smooth_curve([term, _jit(rng, (s * 12, 18, 0), 1.5),
                       (s * 3, 22, 4)])
    a1_idx = tree.add(Vessel(points=a1, radii=np.full(len(a1), r_a1),
                             level='A1', parent=0,
                             parent_point=len(ica) - 1))
    a2 = smooth_curve([a1[-1], _jit(rng, (s * 4, 34, 14), 2),
                       _jit(rng, (s * 4, 36, 30), 2)])
    a2_idx = tree.add(Vessel(points=a2, radii=np.full(len(a2), r_a1 * 0.95),
                             level='A2', parent=a1_idx,
                             parent_point=len(a1) - 1))
    _grow_children(rng, tree, a2_idx, a2[-1], a2[-1] - a2[-2], r_a1 * 0.95,
                   aca_pts, 2, 'A', min_radius)
    if loops:
        add_loops(rng, tree, loops)
    return tree


def add_loops(rng, tree, count, radius_mm=(1.5, 3.0)):
    """Add ``count`` tortuous loops: a thin child vessel that leaves an
    M3 / M4+ / A3+ branch, coils one to two turns (radius ``radius_mm``)
    and ends near where it started. Seen in projection a loop is a small
    dense ring that fills and washes out with its parent (a mimic of
    extravasation in one frame).

    Returns:
        list[int]: indices of the added vessels (level 'LOOP').
    """
    cands = [i for i, v in enumerate(tree.vessels)
             if v.level in ('M3', 'M4+', 'A3+') and len(v.points) >= 3]
    added = []
    for _ in range(int(count) if cands else 0):
        i = cands[int(rng.integers(len(cands)))]
        v = tree.vessels[i]
        j = int(rng.integers(1, len(v.points) - 1))
        rad = rng.uniform(*radius_mm)
        turns = rng.uniform(1.0, 2.0)
        # two unit vectors spanning the loop plane, roughly tangential to
        # the brain surface
        e1 = rng.standard_normal(3)
        e1 /= np.linalg.norm(e1)
        e2 = np.cross(e1, rng.standard_normal(3))
        e2 /= np.linalg.norm(e2) + 1e-9
        phi = np.linspace(0.0, 2 * np.pi * turns,
                          max(8, int(np.ceil(2 * np.pi * turns * rad
                                             / (0.4 * STEP_MM)))))
        drift = rng.standard_normal(3) * 0.4
        pts = v.points[j] + rad * (np.outer(1 - np.cos(phi), e1)
                                   + np.outer(np.sin(phi), e2)) \
            + np.outer(phi / (2 * np.pi), drift)
        r = min(float(v.radii[j]) * 0.9, 0.6)
        added.append(tree.add(Vessel(points=pts, radii=np.full(len(pts), r),
                                     level='LOOP', parent=i,
                                     parent_point=j)))
    return added


def assign_arrival_times(tree, velocity_mm_s, t0=0.0):
    """Bolus arrival time (s) at every point: path length divided by a
    velocity that falls in thin vessels. Fills ``vessel.times``."""
    for i, v in enumerate(tree.vessels):
        if v.parent < 0:
            start = t0
        else:
            start = tree.vessels[v.parent].times[v.parent_point]
        seg = np.linalg.norm(np.diff(v.points, axis=0), axis=1)
        speed = velocity_mm_s * np.clip((v.radii[1:] / 2.0)**0.6, 0.35, 1.0)
        v.times = start + np.concatenate([[0.0], np.cumsum(seg / speed)])
    return tree
