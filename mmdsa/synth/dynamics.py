"""Contrast dynamics: time-intensity curves and the acquisition schedule."""
import numpy as np

#: Time-intensity curve shapes (time to peak tp in s, gamma exponent a) of
#: each compartment; a curve starts at the compartment's arrival time.
CURVES = {
    'artery': dict(tp=0.9, a=2.2),
    'blush': dict(tp=1.6, a=2.5),
    'vein': dict(tp=2.0, a=2.5),
}


def gamma_variate(tau, tp, a):
    """Gamma-variate bolus curve with peak 1 at ``tau = tp``.

    ``c(tau) = (tau / tp)**a * exp(a * (1 - tau / tp))`` for ``tau > 0``,
    0 before arrival.

    Args:
        tau (np.ndarray): time since arrival (s), any shape.
        tp (float): time to peak (s).
        a (float): shape exponent (larger = narrower).

    Returns:
        np.ndarray: curve values, same shape as ``tau``.
    """
    tau = np.asarray(tau, dtype=np.float64)
    x = np.clip(tau / tp, 0.0, None)
    out = np.where(tau > 0, x**a * np.exp(a * (1.0 - x)), 0.0)
    return out


def accumulation(tau, tau_fill):
    """Monotone filling curve for extravasated contrast (no wash-out):
    ``1 - exp(-tau / tau_fill)`` for ``tau > 0``, else 0."""
    tau = np.asarray(tau, dtype=np.float64)
    return np.where(tau > 0, 1.0 - np.exp(-np.clip(tau, 0, None) / tau_fill),
                    0.0)


def frame_schedule(rng, num_frames, duration_range=(8.0, 12.0),
                   early_fps_range=(2.0, 4.0), min_fps=0.5):
    """Acquisition times of a run: faster early, slower late.

    Intervals grow geometrically from ``1 / early_fps`` so that the run lasts
    about a random duration, clipped to the frame-rate range
    [``min_fps``, ``early_fps``].

    Args:
        rng (np.random.Generator): random source.
        num_frames (int): number of frames (>= 2).
        duration_range (tuple): wanted run duration range (s).
        early_fps_range (tuple): early frame-rate range (frames/s).
        min_fps (float): slowest frame rate allowed.

    Returns:
        np.ndarray: (T,) frame times in s since the first frame (first 0).
    """
    n_int = num_frames - 1
    dt0 = 1.0 / rng.uniform(*early_fps_range)
    duration = rng.uniform(*duration_range)
    lo, hi = 1.0, 3.0
    for _ in range(50):
        q = 0.5 * (lo + hi)
        total = dt0 * np.sum(q**np.arange(n_int))
        lo, hi = (q, hi) if total < duration else (lo, q)
    intervals = np.clip(dt0 * q**np.arange(n_int), dt0, 1.0 / min_fps)
    return np.concatenate([[0.0], np.cumsum(intervals)])
