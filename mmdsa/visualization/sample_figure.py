"""Pictures of what a pipeline feeds the model: one packed sample (the
T-frame window with the key frame's boxes, or the 3-frame groups)."""
import numpy as np

from .output import save_figure


def _as_numpy(x):
    return x.detach().cpu().numpy() if hasattr(x, 'detach') else np.asarray(x)


def draw_packed_sample(inputs, data_sample, out_file: str,
                       title: str = '', max_columns: int = 8) -> str:
    """Draw one packed sample into a PNG.

    Args:
        inputs (Tensor | np.ndarray): Detection (T, 3, H, W): one panel per
            frame, the key frame (``key_frame_index``) framed in white and
            its ``gt_instances.bboxes`` (and ``ignored_instances``, dashed)
            drawn in green. Classification (G, 3, H, W): one row per group,
            one panel per frame (channel) of the group.
        data_sample: The packed ``DetDataSample`` / mmpretrain
            ``DataSample``.
        out_file (str): Destination PNG (atomic, normal permissions).
        title (str): Figure title.
        max_columns (int): Panels per row (detection).

    Returns:
        str: ``out_file``.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle
    arr = _as_numpy(inputs)
    if arr.ndim != 4:
        raise ValueError('draw_packed_sample: expected inputs (N, C, H, W), '
                         f'got {arr.shape}')
    meta = data_sample.metainfo if hasattr(data_sample, 'metainfo') else {}
    detection = hasattr(data_sample, 'gt_instances') or \
        'key_frame_index' in meta
    lo, hi = float(arr.min()), float(arr.max())
    vmax = max(hi, lo + 1e-6)
    if detection:
        t = arr.shape[0]
        cols = min(t, max_columns)
        rows = int(np.ceil(t / cols))
        fig, axes = plt.subplots(rows, cols, squeeze=False,
                                 figsize=(2.4 * cols, 2.6 * rows))
        key = int(meta.get('key_frame_index', t // 2))
        frame_ids = meta.get('frame_ids')
        for ax in axes.ravel():
            ax.axis('off')
        for i, ax in enumerate(axes.ravel()[:t]):
            ax.imshow(arr[i, 0], cmap='gray', vmin=lo, vmax=vmax)
            fid = frame_ids[i] if frame_ids is not None else i
            ax.set_title(f'frame {fid}' + (' (key)' if i == key else ''),
                         fontsize=8)
            if i != key:
                continue
            ax.add_patch(Rectangle((0, 0), arr.shape[3] - 1,
                                   arr.shape[2] - 1, fill=False, ec='white',
                                   lw=2))
            for field, ls in (('gt_instances', '-'),
                              ('ignored_instances', '--')):
                inst = getattr(data_sample, field, None)
                if inst is None or 'bboxes' not in inst:
                    continue
                boxes = inst.bboxes
                boxes = _as_numpy(getattr(boxes, 'tensor', boxes))
                for x1, y1, x2, y2 in boxes.reshape(-1, 4):
                    ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1,
                                           fill=False, ec='lime', lw=1.5,
                                           ls=ls))
    else:
        g, c = arr.shape[:2]
        fig, axes = plt.subplots(g, c, squeeze=False,
                                 figsize=(2.0 * c, 2.1 * g))
        for k in range(g):
            for ch in range(c):
                ax = axes[k, ch]
                ax.imshow(arr[k, ch], cmap='gray', vmin=lo, vmax=vmax)
                ax.axis('off')
                ax.set_title(f'group {k}, frame {c * k + ch}', fontsize=7)
    fig.suptitle(title, fontsize=9)
    try:
        return save_figure(fig, out_file)
    finally:
        plt.close(fig)
