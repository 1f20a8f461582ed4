"""ROC curve pictures (AUC in the legend)."""
from typing import Dict, Sequence, Tuple

import numpy as np

from ._io import save_figure_atomic


def plot_roc_curves(curves: Dict[str, Tuple[Sequence, Sequence]],
                    out_file: str,
                    title: str = 'ROC') -> str:
    """Draw one ROC curve per entry into a PNG.

    Args:
        curves (dict): ``{name: (y_true, y_score)}``; ``y_true`` of 0/1 and
            ``y_score`` of the same length (N,).
        out_file (str): Destination PNG (written atomically).
        title (str): Figure title.

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
    fig, ax = plt.subplots(figsize=(4.6, 4.4))
    for name, (y_true, y_score) in curves.items():
        y_true = np.asarray(y_true)
        y_score = np.asarray(y_score, dtype=float)
        fpr, tpr = roc_curve(y_true, y_score)[:2]
        auc = binary_roc_auc(y_true, y_score)
        ax.plot(fpr, tpr, lw=1.8, label=f'{name} (AUC {auc:.3f}, n={len(y_true)})')
    ax.plot([0, 1], [0, 1], ls='--', c='grey', lw=0.8)
    ax.set_xlabel('1 - specificity')
    ax.set_ylabel('sensitivity')
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_title(title)
    ax.legend(loc='lower right', fontsize=8)
    try:
        return save_figure_atomic(fig, out_file)
    finally:
        plt.close(fig)
