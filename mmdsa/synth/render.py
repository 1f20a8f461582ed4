"""Vectorised rendering of projected iodine density.

Everything that fills with contrast is a set of 2D Gaussian splats (vessel
samples, capillary territory points, extravasation puffs), each with a
weight (mm^3 of iodine-filled volume), a width, an arrival time and a
compartment curve. Splats are binned by arrival time (linear split between
the two nearest bins) and by width (nearest of a geometric set of widths):
a series needs one small stack of maps per compartment, ``(K, H, W)``,
blurred once, and a frame is ``sum_k curve(t - t_k) * map_k``, one matrix
product for all frames.
"""
import numpy as np
from scipy.ndimage import gaussian_filter

from .projection import HEAD_AXES, IMAGE_CENTRE_Z, mm_per_pixel, view_axes

SIGMA_RATIO = 1.3
MIN_SIGMA_PX = 0.5


def sample_vessels(vessels, amplitudes, arrivals, image_size, view,
                   project_fn, spacing_px=0.4):
    """Resample vessel centrelines into dense splats for one view.

    Args:
        vessels (list[Vessel]): vessels with ``points`` (N, 3) mm and
            ``radii`` (N,) mm.
        amplitudes (list[np.ndarray]): per vessel (N,) contrast factors.
        arrivals (list[np.ndarray]): per vessel (N,) arrival times (s);
            ``inf`` = never fills.
        image_size (int): image side in px.
        view (str): 'PA' or 'LAT'.
        project_fn (callable): ``(points, view, size) -> (N, 2)`` px.
        spacing_px (float): sample spacing along the 3D centreline (px).

    Returns:
        dict: ``xy`` (S, 2) px, ``sigma`` (S,) px, ``weight`` (S,) mm^3,
        ``time`` (S,) s.
    """
    mmpp = mm_per_pixel(image_size)
    a, b, ra, rb, ta, tb, wa, wb = ([] for _ in range(8))
    for v, amp, t in zip(vessels, amplitudes, arrivals):
        if len(v.points) < 2:
            continue
        a.append(v.points[:-1])
        b.append(v.points[1:])
        ra.append(v.radii[:-1])
        rb.append(v.radii[1:])
        ta.append(t[:-1])
        tb.append(t[1:])
        wa.append(amp[:-1])
        wb.append(amp[1:])
    a, b = np.vstack(a), np.vstack(b)
    ra, rb, ta, tb, wa, wb = map(np.concatenate, (ra, rb, ta, tb, wa, wb))
    seg_len = np.linalg.norm(b - a, axis=1)
    counts = np.maximum(1, np.ceil(seg_len / (spacing_px * mmpp))).astype(int)
    seg = np.repeat(np.arange(len(a)), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    f = ((np.arange(counts.sum()) - first) + 0.5) / counts[seg]
    pts = a[seg] + (b[seg] - a[seg]) * f[:, None]
    r = ra[seg] + (rb[seg] - ra[seg]) * f
    time = np.where(np.isfinite(ta[seg]) & np.isfinite(tb[seg]),
                    ta[seg] + (tb[seg] - ta[seg]) * f,
                    np.where(np.isfinite(ta[seg]), ta[seg], tb[seg]))
    amp = wa[seg] + (wb[seg] - wa[seg]) * f
    weight = np.pi * r**2 * (seg_len[seg] / counts[seg]) * amp
    keep = np.isfinite(time) & (weight > 0)
    return dict(xy=project_fn(pts[keep], view, image_size),
                sigma=np.maximum(0.7 * r[keep] / mmpp, MIN_SIGMA_PX),
                weight=weight[keep], time=time[keep])


def splat_maps(splats, image_size, num_bins=16):
    """Bin splats by arrival time and width and render one map per bin.

    Args:
        splats (dict): ``xy`` (S, 2) px, ``sigma`` (S,) px, ``weight``
            (S,) mm^3, ``time`` (S,) s.
        image_size (int): image side H = W.
        num_bins (int): number of time bins K.

    Returns:
        tuple[np.ndarray, np.ndarray]: maps (K, H, W) float32 of iodine path
        length (mm) per unit curve value, and bin times (K,) s.
    """
    h = w = int(image_size)
    mmpp = mm_per_pixel(image_size)
    t = splats['time']
    if len(t) == 0:
        return np.zeros((1, h, w), np.float32), np.zeros(1)
    t_lo, t_hi = float(t.min()), float(t.max())
    k = num_bins if t_hi > t_lo + 1e-6 else 1
    bins = np.linspace(t_lo, t_hi, k) if k > 1 else np.array([t_lo])
    pos = (t - t_lo) / max(t_hi - t_lo, 1e-9) * (k - 1)
    k0 = np.clip(np.floor(pos).astype(int), 0, k - 1)
    k1 = np.clip(k0 + 1, 0, k - 1)
    fk = pos - k0
    sig = splats['sigma']
    n_cls = int(np.ceil(np.log(max(sig.max(), MIN_SIGMA_PX) / MIN_SIGMA_PX)
                        / np.log(SIGMA_RATIO))) + 1
    cls = np.clip(np.round(np.log(sig / MIN_SIGMA_PX) / np.log(SIGMA_RATIO)),
                  0, n_cls - 1).astype(int)
    x = splats['xy'][:, 0] - 0.5
    y = splats['xy'][:, 1] - 0.5
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    wgt = splats['weight'] / mmpp**2
    maps = np.zeros((k, h, w), np.float64)
    for c in np.unique(cls):
        sel = cls == c
        acc = np.zeros(k * h * w, np.float64)
        for dk, kk in ((1 - fk[sel], k0[sel]), (fk[sel], k1[sel])):
            for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):
                xx, yy = x0[sel] + dx, y0[sel] + dy
                wx = fx[sel] if dx else 1 - fx[sel]
                wy = fy[sel] if dy else 1 - fy[sel]
                ok = (xx >= 0) & (xx < w) & (yy >= 0) & (yy < h)
                idx = (kk * h + yy) * w + xx
                acc += np.bincount(idx[ok], (dk * wx * wy * wgt[sel])[ok],
                                   minlength=k * h * w)
        s = MIN_SIGMA_PX * SIGMA_RATIO**c
        maps += gaussian_filter(acc.reshape(k, h, w), (0, s, s),
                                truncate=3.0)
    return maps.astype(np.float32), bins


def compose(layers, times):
    """Sum compartment maps weighted by their curves at each frame time.

    Args:
        layers (list[tuple]): ``(maps (K, H, W), bin_times (K,), curve)``
            with ``curve(tau) -> values`` for an array ``tau`` (s).
        times (np.ndarray): (T,) frame times (s).

    Returns:
        np.ndarray: (T, H, W) float32 iodine path length (mm).
    """
    out = None
    for maps, bins, curve in layers:
        wts = curve(times[:, None] - bins[None, :]).astype(np.float32)
        if out is None:
            out = np.zeros((len(times), ) + maps.shape[1:], np.float32)
        # element-wise accumulation, not BLAS: the summation order (and so
        # every bit of the result) must not depend on the thread count
        for k in range(maps.shape[0]):
            if np.any(wts[:, k]):
                out += wts[:, k, None, None] * maps[k][None]
    return out


def skull_image(view, image_size, thickness_mm=7.0):
    """Projected bone path length (mm) of the skull shell plus skull-base
    ridges, blurred slightly; used only for misregistration rims.

    Returns:
        np.ndarray: (H, W) float64.
    """
    hz, vz, sign = view_axes(view)
    mmpp = mm_per_pixel(image_size)
    c = (np.arange(image_size) + 0.5 - image_size / 2.0) * mmpp
    u = c[None, :] * sign
    v = IMAGE_CENTRE_Z - c[:, None]
    depth_axis = 1 if view == 'PA' else 0
    bone = 0.0
    for scale, sgn in ((1.0 + thickness_mm / HEAD_AXES.mean(), 1), (1.0, -1)):
        ax = HEAD_AXES * scale
        rho2 = (u / ax[hz])**2 + (v / ax[vz])**2
        bone = bone + sgn * 2 * ax[depth_axis] * np.sqrt(
            np.clip(1 - rho2, 0, None))
    bone = np.broadcast_to(bone, (image_size, image_size)).copy()
    # skull base: petrous ridges (PA) / anterior skull base and clivus (LAT)
    if view == 'PA':
        lines = [((-20, -40), (-62, -28)), ((20, -40), (62, -28))]
    else:
        lines = [((-70, -22), (-12, -36)), ((-12, -36), (18, -70)),
                 ((10, -38), (55, -42))]
    uu, vv = np.meshgrid(c, IMAGE_CENTRE_Z - c)
    for (u0, v0), (u1, v1) in lines:
        p = np.array([u1 - u0, v1 - v0], float)
        f = np.clip(((uu - u0) * p[0] + (vv - v0) * p[1]) / (p @ p), 0, 1)
        d2 = (uu - u0 - f * p[0])**2 + (vv - v0 - f * p[1])**2
        bone += 25.0 * np.exp(-d2 / (2 * 3.0**2))
    return gaussian_filter(bone, 1.0 / mmpp)
