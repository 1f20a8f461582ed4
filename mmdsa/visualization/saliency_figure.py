"""Pictures of a recognizer's Grad-CAM saliency over its frame groups."""
from typing import Optional

import numpy as np

from .output import save_figure


def draw_saliency(groups: np.ndarray,
                  saliency: np.ndarray,
                  out_file: str,
                  title: str = '',
                  max_groups: int = 8,
                  alpha: float = 0.45,
                  num_frames: Optional[int] = None) -> str:
    """Each frame group (its middle frame) and its saliency overlaid.

    Args:
        groups (np.ndarray): (G, 3, H, W) network input (3 frames as
            channels), any scale.
        saliency (np.ndarray): (G, H, W) in [0, 1] (see
            :func:`mmdsa.apis.saliency.recognizer_saliency`).
        out_file (str): Destination PNG (atomic, normal permissions).
        title (str): Figure title.
        max_groups (int): At most this many groups (evenly spaced).
        alpha (float): Opacity of the heat map.
        num_frames (int, optional): Series length, to label the frames of
            each group (the last group repeats the last frame).

    Returns:
        str: ``out_file``.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    groups, saliency = np.asarray(groups), np.asarray(saliency)
    if groups.ndim != 4 or saliency.ndim != 3 or \
            groups.shape[0] != saliency.shape[0] or \
            groups.shape[2:] != saliency.shape[1:]:
        raise ValueError('draw_saliency: expected groups (G, 3, H, W) and '
                         'saliency (G, H, W) of the same G, H, W, got '
                         f'{groups.shape} and {saliency.shape}')
    g = groups.shape[0]
    shown = sorted(set(np.linspace(0, g - 1, min(g, max_groups)).round()
                       .astype(int)))
    fig, axes = plt.subplots(2, len(shown), squeeze=False,
                             figsize=(2.1 * len(shown), 4.5))
    for col, k in enumerate(shown):
        img = groups[k, groups.shape[1] // 2]
        lo, hi = np.percentile(img, [0.5, 99.5])
        first = 3 * k
        last = 3 * k + 2 if num_frames is None else min(3 * k + 2,
                                                         num_frames - 1)
        for row in (0, 1):
            ax = axes[row, col]
            ax.imshow(img, cmap='gray', vmin=lo, vmax=max(hi, lo + 1e-6))
            ax.axis('off')
        axes[1, col].imshow(saliency[k], cmap='jet', alpha=alpha, vmin=0,
                            vmax=1)
        axes[0, col].set_title(f'group {k} (frames {first}-{last})',
                               fontsize=7)
        axes[1, col].set_title(f'peak {saliency[k].max():.2f}', fontsize=7)
    fig.suptitle(title or 'Grad-CAM saliency', fontsize=9)
    fig.text(0.5, 0.01, 'top: middle frame of each group (network input); '
             'bottom: Grad-CAM, scaled to the series maximum', ha='center',
             fontsize=7)
    try:
        return save_figure(fig, out_file)
    finally:
        plt.close(fig)
