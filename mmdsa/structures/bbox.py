"""Box geometry (x1, y1, x2, y2) shared by detection matching (evaluation)
and series post-processing (models): IoU and the centre-in relation."""
import numpy as np


def box_iou(boxes_a, boxes_b) -> np.ndarray:
    """IoU of every box of ``boxes_a`` with every box of ``boxes_b``.

    Args:
        boxes_a (array-like): (n, 4) boxes (x1, y1, x2, y2).
        boxes_b (array-like): (m, 4) boxes (x1, y1, x2, y2).

    Returns:
        np.ndarray: (n, m) float64 IoU; 0 where the union is empty.
    """
    a = np.asarray(boxes_a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(boxes_b, dtype=np.float64).reshape(-1, 4)
    area_a = np.clip(a[:, 2] - a[:, 0], 0, None) * np.clip(
        a[:, 3] - a[:, 1], 0, None)
    area_b = np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(
        b[:, 3] - b[:, 1], 0, None)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = np.clip(rb - lt, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    union = area_a[:, None] + area_b[None, :] - inter
    safe = np.where(union > 0, union, 1.0)
    return np.where(union > 0, inter / safe, 0.0)


def centre_in_matrix(boxes_a, boxes_b) -> np.ndarray:
    """Centre-in relation between two sets of boxes.

    ``out[i, j]`` is True when the centre of ``boxes_a[i]`` lies inside
    ``boxes_b[j]`` or the centre of ``boxes_b[j]`` lies inside
    ``boxes_a[i]`` (borders count as inside).

    Args:
        boxes_a (array-like): (n, 4) boxes (x1, y1, x2, y2).
        boxes_b (array-like): (m, 4) boxes (x1, y1, x2, y2).

    Returns:
        np.ndarray: (n, m) bool.
    """
    a = np.asarray(boxes_a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(boxes_b, dtype=np.float64).reshape(-1, 4)
    ca = (a[:, :2] + a[:, 2:]) * 0.5
    cb = (b[:, :2] + b[:, 2:]) * 0.5
    a_in_b = ((ca[:, None, 0] >= b[None, :, 0])
              & (ca[:, None, 0] <= b[None, :, 2])
              & (ca[:, None, 1] >= b[None, :, 1])
              & (ca[:, None, 1] <= b[None, :, 3]))
    b_in_a = ((cb[None, :, 0] >= a[:, None, 0])
              & (cb[None, :, 0] <= a[:, None, 2])
              & (cb[None, :, 1] >= a[:, None, 1])
              & (cb[None, :, 1] <= a[:, None, 3]))
    return a_in_b | b_in_a
