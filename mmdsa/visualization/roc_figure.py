"""ROC curve pictures: AUC and the counts n+ / n- in the legend, an
optional bootstrap band and the operating point on each curve."""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from ._io import save_figure_atomic

#: False-positive rates at which the bootstrap band is evaluated.
BAND_FPR = np.linspace(0.0, 1.0, 26)


def _tpr_at(y_true, y_score, fpr_grid):
    """Sensitivity of the ROC curve at each false-positive rate of
    ``fpr_grid`` (the curve's upper envelope: steps, not interpolation)."""
    from mmdsa.evaluation.functional import roc_curve
    fpr, tpr = roc_curve(y_true, y_score, drop_intermediate=False)[:2]
    idx = np.searchsorted(fpr, fpr_grid, side='right') - 1
    return tpr[np.clip(idx, 0, len(tpr) - 1)]


def roc_band(y_true, y_score, n_boot: int = 500, seed: int = 0,
             fpr_grid: np.ndarray = BAND_FPR) -> Tuple[np.ndarray, ...]:
    """95 % percentile bootstrap band of the sensitivity at fixed
    false-positive rates, each point with
    :func:`mmdsa.evaluation.functional.bootstrap_ci` (same resamples for
    every point: one seed).

    Returns:
        tuple: ``(fpr_grid, low, high)``, each (K,).
    """
    from mmdsa.evaluation.functional import bootstrap_ci
    low, high = [], []
    for k in range(len(fpr_grid)):
        lo, hi = bootstrap_ci(
            lambda t, s, k=k: _tpr_at(t, s, fpr_grid[k:k + 1])[0]
            if 0 < t.sum() < len(t) else _raise(), y_true, y_score,
            n=n_boot, seed=seed)
        low.append(lo)
        high.append(hi)
    return fpr_grid, np.asarray(low), np.asarray(high)


def _raise():
    raise ValueError('one class only')


def plot_roc_curves(curves: Dict[str, Tuple[Sequence, Sequence]],
                    out_file: str,
                    title: str = 'ROC',
                    operating_points: Optional[Dict[str, float]] = None,
                    n_boot: int = 0) -> str:
    """Draw one ROC curve per entry into a PNG.

    Args:
        curves (dict): ``{name: (y_true, y_score)}``; ``y_true`` of 0/1 and
            ``y_score`` of the same length (N,).
        out_file (str): Destination PNG (written atomically).
        title (str): Figure title.
        operating_points (dict, optional): ``{name: threshold}``: the point
            (1 - specificity, sensitivity) of ``score >= threshold`` is
            marked on that curve and its values are given in the legend.
        n_boot (int): Bootstrap resamples for a 95 % band around each curve
            (:func:`roc_band`); 0 for none. A curve with too few series of
            a class for the bootstrap gets no band.

    Returns:
        str: ``out_file``.

    Raises:
        ValueError: ``curves`` is empty or an entry cannot give a ROC curve
            (see :func:`mmdsa.evaluation.functional.roc_curve`).
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from mmdsa.evaluation.functional import binary_roc_auc, roc_curve
    if not curves:
        raise ValueError('plot_roc_curves: expected at least one curve, '
                         'got an empty dict')
    operating_points = operating_points or {}
    banded = False
    fig, ax = plt.subplots(figsize=(5.6, 5.4))
    for name, (y_true, y_score) in curves.items():
        y_true = np.asarray(y_true)
        y_score = np.asarray(y_score, dtype=float)
        fpr, tpr = roc_curve(y_true, y_score)[:2]
        auc = binary_roc_auc(y_true, y_score)
        npos = int((y_true == 1).sum())
        line, = ax.plot(fpr, tpr, lw=1.8, drawstyle='default',
                        label=f'{name}: AUC {auc:.3f} (n+ {npos}, '
                        f'n- {len(y_true) - npos})')
        colour = line.get_color()
        if n_boot:
            try:
                grid, low, high = roc_band(y_true, y_score, n_boot)
            except ValueError:  # too few series of a class to resample
                grid = None
            if grid is not None:
                banded = True
                ax.fill_between(grid, low, high, step='post', color=colour,
                                alpha=0.15, lw=0)
        if name in operating_points:
            thr = float(operating_points[name])
            pred = y_score >= thr
            sens = pred[y_true == 1].mean()
            spec = (~pred[y_true == 0]).mean()
            ax.plot([1 - spec], [sens], 'o', ms=8, mfc=colour, mec='black',
                    zorder=5, label=f'  operating point {thr:.3f}: sens '
                    f'{sens:.2f}, spec {spec:.2f}')
    ax.plot([0, 1], [0, 1], ls='--', c='grey', lw=0.8)
    ax.set_xlabel('1 - specificity')
    ax.set_ylabel('sensitivity')
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_title(title)
    if banded:
        ax.text(0.99, 0.42, 'shaded: 95 % bootstrap band', fontsize=7,
                ha='right', color='#555', transform=ax.transAxes)
    ax.legend(loc='lower right', fontsize=7)
    try:
        return save_figure_atomic(fig, out_file)
    finally:
        plt.close(fig)
