"""Pictures of a DSA series with detections and the kept trajectory."""
from typing import Dict, Optional, Sequence

import numpy as np

from ._io import save_figure_atomic


def _pick_frames(num_frames: int, max_frames: int,
                 must_show: Sequence[int]) -> list:
    if num_frames <= max_frames:
        return list(range(num_frames))
    picked = set(np.linspace(0, num_frames - 1, max_frames).round().astype(int))
    for idx in must_show:
        if len(picked) >= max_frames:
            break
        picked.add(int(idx))
    return sorted(picked)[:max(max_frames, 1)]


def draw_series_detections(frames: np.ndarray,
                           out_file: str,
                           detections: Optional[Sequence] = None,
                           trajectory: Optional[Dict[int, Sequence]] = None,
                           gt_boxes: Optional[Dict[int, Sequence]] = None,
                           title: str = '',
                           max_frames: int = 12,
                           score_thr: float = 0.05,
                           max_labels: int = 2,
                           legend: Optional[str] = None) -> str:
    """Draw frames of a series with boxes into a PNG grid.

    Args:
        frames (np.ndarray): (T, H, W) or (T, H, W, 3) frames, any dtype.
        out_file (str): Destination PNG (written atomically).
        detections (list, optional): Per frame ``(boxes (n, 4) x1y1x2y2,
            scores (n,))``; drawn thin yellow, the ``max_labels`` highest
            with their scores on a dark label.
        trajectory (dict, optional): ``{frame_index: box}`` of the kept
            trajectory; drawn solid red.
        gt_boxes (dict, optional): ``{frame_index: box}`` references; drawn
            dashed green on top of everything, so a kept box at the same
            place shows both colours.
        title (str): Figure title.
        max_frames (int): At most this many frames are shown (evenly spaced,
            frames with a trajectory or reference box preferred).
        score_thr (float): Detections below this score are not drawn.
        max_labels (int): Score labels per frame at most.
        legend (str, optional): Text under the figure; by default a legend
            of the box kinds actually drawn; ``''`` for none.

    Returns:
        str: ``out_file``.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    frames = np.asarray(frames)
    if frames.ndim not in (3, 4) or frames.shape[0] == 0:
        raise ValueError('draw_series_detections: frames expected (T, H, W) '
                         f'or (T, H, W, 3) with T >= 1, got {frames.shape}')
    trajectory = trajectory or {}
    gt_boxes = gt_boxes or {}
    shown = _pick_frames(len(frames), max_frames,
                         sorted(set(trajectory) | set(gt_boxes)))
    cols = min(len(shown), 6)
    rows = int(np.ceil(len(shown) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 3.2 * rows),
                             squeeze=False)
    lo, hi = np.percentile(frames, [0.5, 99.5])
    drawn = set()
    for ax in axes.ravel():
        ax.axis('off')
    for ax, idx in zip(axes.ravel(), shown):
        img = frames[idx]
        if img.ndim == 3:
            img = img[..., 0]
        ax.imshow(img, cmap='gray', vmin=lo, vmax=max(hi, lo + 1e-6))
        ax.set_title(f'frame {idx}', fontsize=10)
        if detections is not None and idx < len(detections):
            boxes, scores = detections[idx]
            boxes = np.asarray(boxes).reshape(-1, 4)
            scores = np.asarray(scores).reshape(-1)
            order = np.argsort(-scores, kind='stable')
            for rank, k in enumerate(order):
                if scores[k] < score_thr:
                    continue
                x1, y1, x2, y2 = boxes[k]
                ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1,
                                       fill=False, ec='yellow', lw=0.8,
                                       zorder=2))
                drawn.add('detection')
                if rank < max_labels:
                    ax.text(x1, y1 - 1.5, f'{scores[k]:.2f}', color='yellow',
                            fontsize=8, va='bottom', zorder=5,
                            bbox=dict(facecolor='black', alpha=0.65, lw=0,
                                      pad=0.8))
        if idx in trajectory:
            x1, y1, x2, y2 = trajectory[idx]
            ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False,
                                   ec='red', lw=1.6, zorder=3))
            drawn.add('kept')
        if idx in gt_boxes:
            x1, y1, x2, y2 = gt_boxes[idx]
            ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False,
                                   ec='lime', lw=1.6, ls=(0, (3, 2)),
                                   zorder=4))
            drawn.add('reference')
    if title:
        fig.suptitle(title, fontsize=11)
    if legend is None:
        handles = [
            Line2D([], [], color=c, lw=w, ls=ls, label=name)
            for key, name, c, w, ls in (
                ('reference', 'reference box', 'lime', 1.6, '--'),
                ('detection', 'detections (score)', 'yellow', 1.0, '-'),
                ('kept', 'kept by the series rule', 'red', 1.6, '-'))
            if key in drawn]
        if handles:
            fig.legend(handles=handles, loc='lower center',
                       ncol=len(handles), fontsize=9, frameon=False,
                       facecolor='white')
    elif legend:
        fig.text(0.5, 0.005, legend, ha='center', fontsize=9)
    try:
        return save_figure_atomic(fig, out_file)
    finally:
        plt.close(fig)
