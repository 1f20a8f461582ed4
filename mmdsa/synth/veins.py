"""Venous side: cortical veins, superior sagittal sinus (SSS), deep veins,
straight, transverse and sigmoid sinuses, internal jugular veins.

The SSS runs along the inner vertex in the midline, so it projects to a
midline vertical band in PA and an arch along the vertex in LAT.
"""
import numpy as np

from .projection import HEAD_AXES
from .tree import Vessel, VesselTree, smooth_curve, steer

VEIN_SPEED_MM_S = 45.0
SINUS_SPEED_MM_S = 90.0


def _on_shell(points, rho):
    points = np.asarray(points, dtype=np.float64)
    norm = np.sqrt(np.sum((points / HEAD_AXES)**2, axis=1, keepdims=True))
    return points * rho / np.maximum(norm, 1e-6)


def _sss_curve(rng):
    phi = np.deg2rad(np.linspace(28, 196, 40))
    rho = 0.97
    pts = np.stack([np.zeros_like(phi) + rng.normal(0, 0.5),
                    HEAD_AXES[1] * rho * np.cos(phi),
                    HEAD_AXES[2] * rho * np.sin(phi) + 2.0], 1)
    return smooth_curve(pts[::3])


def build_venous_tree(rng, arterial, t_venous, perfusion=None):
    """Build the veins and their contrast arrival times.

    Args:
        rng (np.random.Generator): random source.
        arterial (VesselTree): the arterial tree (its side and leaf
            territories place the cortical veins).
        t_venous (float): time (s) at which the earliest cortical veins
            fill; sinuses follow.
        perfusion (callable, optional): ``f(point) -> (fraction, delay)``,
            the perfused fraction of the territory around a point and the
            extra delay (s) of its filling; used to weaken / delay veins
            draining an occluded territory.

    Returns:
        tuple[VesselTree, np.ndarray]: the venous tree (``times`` filled) and
        (V,) amplitude factors per vessel.
    """
    s = arterial.side
    tree = VesselTree(vessels=[], side=s)
    amps = []
    if perfusion is None:
        def perfusion(_):
            return 1.0, 0.0
    sss = _sss_curve(rng)
    radii = np.linspace(1.2, 3.0, len(sss))
    tree.add(Vessel(points=sss, radii=radii, level='SSS'))
    sss_t = t_venous + 0.4 + np.concatenate(
        [[0], np.cumsum(np.linalg.norm(np.diff(sss, axis=0), axis=1))]) \
        / SINUS_SPEED_MM_S
    tree.vessels[0].times = sss_t
    total_frac, _ = perfusion(None)
    amps.append(0.35 + 0.65 * total_frac)
    torcula = sss[-1]
    # deep system: internal cerebral vein -> Galen -> straight sinus
    deep = smooth_curve([(s * 3, 12, 12), (0, -14, 16), (0, -30, 12),
                         (0, -60, -4), torcula])
    deep_t = t_venous + 0.8 + np.concatenate(
        [[0], np.cumsum(np.linalg.norm(np.diff(deep, axis=0), axis=1))]) \
        / SINUS_SPEED_MM_S
    tree.add(Vessel(points=deep, radii=np.linspace(0.9, 2.0, len(deep)),
                    level='DEEP', times=deep_t))
    amps.append(0.6 + 0.4 * total_frac)
    # transverse + sigmoid sinuses and jugular veins, both sides
    t_torc = max(sss_t[-1], deep_t[-1])
    for side, amp in ((s, 1.0), (-s, rng.uniform(0.35, 0.8))):
        ctrl = [torcula, (side * 30, -84, -26), (side * 55, -66, -32),
                (side * 50, -44, -55), (side * 42, -34, -80),
                (side * 38, -26, -140)]
        ctrl = [np.asarray(c, float) + rng.normal(0, 2, 3) * (i > 0)
                for i, c in enumerate(ctrl)]
        ts = smooth_curve(ctrl)
        t = t_torc + 0.1 + np.concatenate(
            [[0], np.cumsum(np.linalg.norm(np.diff(ts, axis=0), axis=1))]) \
            / SINUS_SPEED_MM_S
        tree.add(Vessel(points=ts, radii=np.linspace(2.4, 3.2, len(ts)),
                        level='TS', times=t))
        amps.append(amp * (0.35 + 0.65 * total_frac))
    # cortical veins from the injected hemisphere's convexity to the SSS
    leaves = [v for v in arterial.vessels
              if len(v.territory) and v.level.startswith('M')]
    n_veins = int(rng.integers(7, 12))
    for k in range(n_veins):
        leaf = leaves[int(rng.integers(len(leaves)))]
        start = _on_shell(leaf.territory[:1], 0.9)[0]
        if k == 0:   # vein of Labbe towards the transverse sinus
            target = tree.vessels[2].points[3]
        else:
            d = np.linalg.norm(sss - start, axis=1) + 40 * (sss[:, 1] < -60)
            target = sss[int(np.argmin(d))]
        line = steer(rng, start, target - start, target,
                     np.linalg.norm(target - start) * 1.5,
                     wander=0.3, pull=0.4)
        line = np.vstack([line, target[None]])
        line[1:-1] = _on_shell(line[1:-1], 0.93)
        frac, delay = perfusion(start)
        t = t_venous + delay + rng.uniform(-0.3, 0.5) + np.concatenate(
            [[0], np.cumsum(np.linalg.norm(np.diff(line, axis=0), axis=1))]) \
            / VEIN_SPEED_MM_S
        r = rng.uniform(0.7, 1.3)
        tree.add(Vessel(points=line, radii=np.linspace(r * 0.7, r, len(line)),
                        level='CORTICAL', times=t))
        amps.append(0.15 + 0.85 * frac)
    return tree, np.array(amps)
