"""Shift-scale-rotate about the image centre (both papers' affine
augmentation).

``mmdet.RandomAffine`` composes translate @ shear @ rotate @ scale about the
image origin (top-left corner), so a rotation also moves the image content
away from the frame: measured, a 20 degree rotation keeps 70 % of a frame
filled with image (88 % about the centre). The classification authors'
code (albumentations ``ShiftScaleRotate``) and Su et al. rotate and scale
about the image centre; :class:`ShiftScaleRotate` does that.
"""
import math
import random
from numbers import Number
from typing import Sequence, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmdsa.registry import TRANSFORMS
from .augment import _check_prob

_INTERPOLATIONS = dict(nearest=cv2.INTER_NEAREST, bilinear=cv2.INTER_LINEAR,
                       bicubic=cv2.INTER_CUBIC)


def _symmetric_range(value, where, name, low=None):
    """``a`` -> (-a, a); ``(lo, hi)`` kept; checked, as floats."""
    if isinstance(value, Number) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f'{where}: expected {name} >= 0 or (min, max), '
                             f'got {value!r}')
        value = (-float(value), float(value))
    if not (isinstance(value, (tuple, list)) and len(value) == 2
            and all(isinstance(v, Number) and not isinstance(v, bool)
                    for v in value) and value[0] <= value[1]):
        raise ValueError(f'{where}: expected {name} = a number or (min, '
                         f'max) with min <= max, got {value!r}')
    if low is not None and value[0] <= low:
        raise ValueError(f'{where}: expected {name} with min > {low}, got '
                         f'{value!r}')
    return float(value[0]), float(value[1])


def shift_scale_rotate_matrix(width: int, height: int, angle: float,
                              scale: float, dx: float,
                              dy: float) -> np.ndarray:
    """3 x 3 homography of a rotation / scaling about the image centre
    followed by a shift, in mmdet's continuous box coordinates.

    Box coordinates put pixel ``i`` on ``[i, i + 1]``, so the image centre
    is ``(width / 2, height / 2)``; the same mapping in pixel-centre
    coordinates (what ``cv2.warpAffine`` uses) pivots on
    ``((width - 1) / 2, (height - 1) / 2)``.

    Args:
        width (int): image width W.
        height (int): image height H.
        angle (float): degrees, positive = counter-clockwise on the screen
            (OpenCV's and albumentations' convention).
        scale (float): isotropic scale factor (> 1 zooms in).
        dx (float): shift as a fraction of W (positive = right).
        dy (float): shift as a fraction of H (positive = down).

    Returns:
        np.ndarray: (3, 3) float64 matrix mapping ``[x, y, 1]``.
    """
    a = math.radians(angle)
    cos, sin = scale * math.cos(a), scale * math.sin(a)
    cx, cy = width / 2.0, height / 2.0
    # x' = R (x - c) + c + t with R = s [[cos, sin], [-sin, cos]] (y down)
    return np.array(
        [[cos, sin, cx - cos * cx - sin * cy + dx * width],
         [-sin, cos, cy + sin * cx - cos * cy + dy * height],
         [0.0, 0.0, 1.0]], dtype=np.float64)


@TRANSFORMS.register_module()
class ShiftScaleRotate(BaseTransform):
    """Random shift, scale and rotation about the image centre.

    The parameters are drawn once per sample in a ``@cache_randomness``
    method, so inside :class:`BroadcastFrames` every frame of a series and
    both views of a pair get the same shift, scale and angle (as the
    authors' albumentations transform applied to the whole H x W x T stack).

    Per sample: ``angle ~ U(rotate_limit)`` degrees, ``scale ~ 1 +
    U(scale_limit)``, ``dx, dy ~ U(shift_limit)`` (fractions of the width /
    height). The image centre maps to itself plus the shift. Pixels coming
    from outside the frame are ``border_val``.

    Required Keys:
        - img (np.ndarray): (H, W) or (H, W, C), any dtype cv2 warps.
        - gt_bboxes (HorizontalBoxes | np.ndarray (N, 4), optional),
          gt_bboxes_labels, gt_ignore_flags (optional).

    Modified Keys:
        - img (same shape and dtype).
        - gt_bboxes: the enclosing box of each box's mapped corners,
          clipped to the image; boxes left with no area are removed together
          with their labels and ignore flags.

    Added Keys:
        - homography_matrix (np.ndarray (3, 3)): composed with any earlier
          one (mmdet's convention).

    Args:
        shift_limit (float | tuple[float]): shift range as a fraction of
            the image size; ``a`` means ``(-a, a)``.
        scale_limit (float | tuple[float]): range added to 1 for the scale
            factor; ``0.1`` means ``(0.9, 1.1)``, ``(0, 0.1)`` zooms in
            only (the classification authors').
        rotate_limit (float | tuple[float]): rotation range in degrees;
            ``a`` means ``(-a, a)``.
        prob (float): probability of applying.
        border_val (int | float | tuple): fill value for pixels from
            outside the frame (a tuple gives one value per channel).
        interpolation (str): ``'bilinear'`` (default), ``'nearest'`` or
            ``'bicubic'``.
    """

    def __init__(self,
                 shift_limit: Union[float, Sequence[float]] = 0.0625,
                 scale_limit: Union[float, Sequence[float]] = 0.1,
                 rotate_limit: Union[float, Sequence[float]] = 45.0,
                 prob: float = 0.5,
                 border_val: Union[Number, Sequence[Number]] = 0,
                 interpolation: str = 'bilinear'):
        where = type(self).__name__
        self.shift_limit = _symmetric_range(shift_limit, where,
                                            'shift_limit')
        self.scale_limit = _symmetric_range(scale_limit, where,
                                            'scale_limit', low=-1.0)
        self.rotate_limit = _symmetric_range(rotate_limit, where,
                                             'rotate_limit')
        self.prob = _check_prob(prob, where)
        if isinstance(border_val, Number) and not isinstance(border_val,
                                                             bool):
            border_val = (border_val, )
        if not (isinstance(border_val, (tuple, list)) and border_val and all(
                isinstance(v, Number) and not isinstance(v, bool)
                for v in border_val)):
            raise ValueError(f'{where}: expected border_val = a number or a '
                             f'tuple of numbers, got {border_val!r}')
        self.border_val = tuple(float(v) for v in border_val)
        if interpolation not in _INTERPOLATIONS:
            raise ValueError(f'{where}: expected interpolation in '
                             f'{sorted(_INTERPOLATIONS)}, got '
                             f'{interpolation!r}')
        self.interpolation = interpolation

    @cache_randomness
    def _params(self) -> Tuple[bool, float, float, float, float]:
        """(apply, angle, scale, dx, dy), drawn once per sample."""
        return (random.random() < self.prob,
                random.uniform(*self.rotate_limit),
                1.0 + random.uniform(*self.scale_limit),
                random.uniform(*self.shift_limit),
                random.uniform(*self.shift_limit))

    def _border(self, img: np.ndarray):
        channels = 1 if img.ndim == 2 else img.shape[2]
        vals = self.border_val
        if len(vals) == 1:
            vals = vals * channels
        elif len(vals) != channels:
            raise ValueError(f'{type(self).__name__}: border_val has '
                             f'{len(vals)} values but the image has '
                             f'{channels} channels')
        return tuple(vals[:4]) + (0.0, ) * (4 - min(len(vals), 4))

    def _warp_boxes(self, results: dict, matrix: np.ndarray) -> None:
        boxes = results.get('gt_bboxes')
        if boxes is None or len(boxes) == 0:
            return
        h, w = results['img'].shape[:2]
        if isinstance(boxes, np.ndarray):
            arr = boxes.reshape(-1, 4).astype(np.float64)
            xs, ys = arr[:, [0, 2, 2, 0]], arr[:, [1, 1, 3, 3]]
            px = matrix[0, 0] * xs + matrix[0, 1] * ys + matrix[0, 2]
            py = matrix[1, 0] * xs + matrix[1, 1] * ys + matrix[1, 2]
            arr = np.stack([px.min(1), py.min(1), px.max(1), py.max(1)], 1)
            arr[:, 0::2] = arr[:, 0::2].clip(0, w)
            arr[:, 1::2] = arr[:, 1::2].clip(0, h)
            keep = (arr[:, 2] > arr[:, 0]) & (arr[:, 3] > arr[:, 1])
            results['gt_bboxes'] = arr[keep].astype(boxes.dtype)
        else:  # mmdet HorizontalBoxes
            boxes = boxes.clone()
            boxes.project_(matrix)
            boxes.clip_((h, w))
            t = boxes.tensor
            keep = ((t[:, 2] > t[:, 0]) & (t[:, 3] > t[:, 1])).numpy()
            results['gt_bboxes'] = boxes[keep]
        for key in ('gt_bboxes_labels', 'gt_ignore_flags'):
            if key in results:
                results[key] = results[key][keep]

    def transform(self, results: dict) -> dict:
        apply, angle, scale, dx, dy = self._params()
        if not apply:
            return results
        img = results['img']
        h, w = img.shape[:2]
        matrix = shift_scale_rotate_matrix(w, h, angle, scale, dx, dy)
        # the same map in pixel-centre coordinates: p = x - 0.5
        to_pix = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1]])
        from_pix = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
        pix = to_pix @ matrix @ from_pix
        out = cv2.warpAffine(
            np.ascontiguousarray(img), pix[:2], (w, h),
            flags=_INTERPOLATIONS[self.interpolation],
            borderMode=cv2.BORDER_CONSTANT, borderValue=self._border(img))
        results['img'] = out.reshape(img.shape)
        self._warp_boxes(results, matrix)
        prev = results.get('homography_matrix')
        results['homography_matrix'] = matrix.astype(np.float32) \
            if prev is None else (matrix @ prev).astype(np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(shift_limit={self.shift_limit}, '
                f'scale_limit={self.scale_limit}, rotate_limit='
                f'{self.rotate_limit}, prob={self.prob}, border_val='
                f'{self.border_val}, interpolation={self.interpolation!r})')
