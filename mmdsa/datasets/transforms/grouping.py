"""Stack consecutive frames as channels (classification paper)."""
import numpy as np
from mmcv.transforms import BaseTransform

from mmdsa.registry import TRANSFORMS


def _gray(img: np.ndarray) -> np.ndarray:
    return img if img.ndim == 2 else img[..., 0]


@TRANSFORMS.register_module()
class GroupFrames(BaseTransform):
    """Stack ``group_size`` consecutive grey frames as one multi-channel image.

    A series of T frames becomes ``ceil(T / group_size)`` images of shape
    (H, W, group_size). When T is not a multiple of ``group_size`` the last
    group is completed with copies of the last frame (``pad='repeat'``, the
    classification paper) or with zeros (``pad='zeros'``). Frames that are
    already (H, W, C) contribute their first channel. In pair mode
    (``view_lengths`` with two entries) each view is grouped on its own.

    Required Keys:
        - imgs (list[np.ndarray]): T frames (H, W) or (H, W, C).
        - view_lengths (list[int], optional): frames per view.

    Modified Keys:
        - imgs: G arrays (H, W, group_size) uint8.

    Added Keys:
        - num_groups (int): G (all views).
        - group_lengths (list[int]): groups per view.

    Args:
        group_size (int): frames per group (3 = RGB).
        pad (str): ``'repeat'`` (default) or ``'zeros'``.
    """

    def __init__(self, group_size: int = 3, pad: str = 'repeat'):
        if not isinstance(group_size, int) or group_size < 1:
            raise ValueError('GroupFrames: expected group_size to be a '
                             f'positive integer, got {group_size!r}')
        if pad not in ('repeat', 'zeros'):
            raise ValueError("GroupFrames: expected pad 'repeat' or 'zeros',"
                             f' got {pad!r}')
        self.group_size = group_size
        self.pad = pad

    def _group(self, frames):
        groups = []
        for start in range(0, len(frames), self.group_size):
            chunk = [_gray(f) for f in frames[start:start + self.group_size]]
            while len(chunk) < self.group_size:
                chunk.append(chunk[-1] if self.pad == 'repeat' else np.
                             zeros_like(chunk[-1]))
            groups.append(np.stack(chunk, axis=-1))
        return groups

    def transform(self, results: dict) -> dict:
        imgs = results['imgs']
        lengths = results.get('view_lengths') or [len(imgs)]
        if sum(lengths) != len(imgs):
            raise ValueError(f'GroupFrames: view_lengths {lengths} do not '
                             f'add up to the {len(imgs)} frames in imgs')
        out, group_lengths, start = [], [], 0
        for n in lengths:
            groups = self._group(imgs[start:start + n])
            out.extend(groups)
            group_lengths.append(len(groups))
            start += n
        results['imgs'] = out
        results['num_groups'] = len(out)
        results['group_lengths'] = group_lengths
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(group_size={self.group_size}, '
                f'pad={self.pad!r})')
