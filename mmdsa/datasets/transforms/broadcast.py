"""Apply ordinary mmcv / mmdet transforms to every frame of a series."""
from typing import Callable, Dict, List, Union

import numpy as np
from mmcv.transforms import TransformBroadcaster
from mmcv.transforms.utils import cache_random_params

from mmdsa.registry import TRANSFORMS

BOX_KEYS = ('gt_bboxes', 'gt_bboxes_labels', 'gt_ignore_flags')


def _uses_mmdet(transforms) -> bool:
    """Whether any (nested) transform comes from mmdet (box-aware)."""
    for t in transforms:
        if type(t).__module__.startswith('mmdet.'):
            return True
        if hasattr(t, '__iter__') and _uses_mmdet(t):
            return True
    return False


def _empty_boxes():
    from mmdet.structures.bbox import HorizontalBoxes
    return dict(
        gt_bboxes=HorizontalBoxes(np.zeros((0, 4), dtype=np.float32)),
        gt_bboxes_labels=np.zeros((0, ), dtype=np.int64),
        gt_ignore_flags=np.zeros((0, ), dtype=bool))


@TRANSFORMS.register_module()
class BroadcastFrames(TransformBroadcaster):
    """Run wrapped single-image transforms on every frame, same parameters.

    Built on :class:`mmcv.transforms.TransformBroadcaster` with
    ``share_random_params=True``: every method decorated with
    ``@cache_randomness`` (flip direction, affine matrix, photometric
    flags, mmdsa's contrast/blur/noise/down-scale parameters,
    ``RandomApply``'s coin) is drawn once per sample and reused for all
    frames, and for both views of a pair (their frames are all in
    ``imgs``).

    Every frame is given to the transforms as ``img`` with a copy of the
    sample's other keys. Box keys (``gt_bboxes``, ``gt_bboxes_labels``,
    ``gt_ignore_flags``) belong to the key frame: they are transformed
    with it and taken from its output. When a sample has no boxes
    (classification) and a wrapped transform comes from mmdet, empty
    ``HorizontalBoxes`` are added while the transforms run (mmdet's
    ``RandomAffine`` needs them) and removed afterwards. Non-key frames get
    empty boxes whenever the sample has boxes. The key frame is processed
    first. With boxes, use mmdet's box-aware transforms (``mmdet.Resize``,
    ``mmdet.RandomFlip``): mmcv's expect numpy boxes.

    Required Keys:
        - imgs (list[np.ndarray]): T frames, (H, W) or (H, W, C).
        - key_frame_index (int, optional): default 0.
        - gt_bboxes, gt_bboxes_labels, gt_ignore_flags (optional).

    Modified Keys:
        - imgs
        - every key the wrapped transforms write (``img_shape``,
          ``scale_factor``, ``flip``, ``flip_direction``, boxes...), taken
          from the key frame's output.

    Args:
        transforms (list[dict | callable]): single-image transforms (built
            in the mmdsa scope, so ``'mmdet.RandomAffine'``, ``'RandomFlip'``
            (mmcv), ``'RandomContrast'`` (mmdsa) all resolve).

    Raises:
        ValueError: when the frames come out with different shapes.
    """

    def __init__(self, transforms: List[Union[Dict, Callable]]):
        if not isinstance(transforms, (list, tuple)):
            transforms = [transforms]
        built = [
            TRANSFORMS.build(t) if isinstance(t, dict) else t
            for t in transforms
        ]
        super().__init__(
            transforms=built, mapping=None, remapping=None,
            auto_remap=False, share_random_params=True)
        self._mmdet = _uses_mmdet(self.transforms)

    def transform(self, results: Dict) -> Dict:
        imgs = results.get('imgs')
        if not isinstance(imgs, (list, tuple)) or not imgs:
            raise ValueError('BroadcastFrames: expected results["imgs"] to '
                             f'be a non-empty list of frames, got {imgs!r:.60}')
        key = int(results.get('key_frame_index', 0) or 0)
        if not 0 <= key < len(imgs):
            raise ValueError(f'BroadcastFrames: key_frame_index {key} is '
                             f'outside the {len(imgs)} frames')
        has_boxes = 'gt_bboxes' in results
        fill = has_boxes or self._mmdet
        base = {k: v for k, v in results.items() if k != 'imgs'}
        no_boxes = {k: v for k, v in base.items() if k not in BOX_KEYS}
        order = [key] + [i for i in range(len(imgs)) if i != key]
        outputs = [None] * len(imgs)
        with cache_random_params(self.transforms):
            for i in order:
                if i == key:
                    scatter = dict(base)
                    if fill and not has_boxes:
                        scatter.update(_empty_boxes())
                else:
                    scatter = dict(no_boxes)
                    if fill:
                        scatter.update(_empty_boxes())
                scatter['img'] = imgs[i]
                out = self._apply_transforms(scatter)
                if out is None:
                    raise ValueError(
                        f'BroadcastFrames: transform {self.transforms} '
                        f'returned None for frame {i}; transforms that drop '
                        'samples cannot be broadcast')
                outputs[i] = out
        shapes = {o['img'].shape for o in outputs}
        if len(shapes) > 1:
            raise ValueError('BroadcastFrames: expected all frames to keep '
                             f'one shape, got {sorted(shapes)}; give every '
                             'frame (and both views) the same size first')
        frames = [o.pop('img') for o in outputs]
        key_out = outputs[key]
        if not has_boxes:
            for k in BOX_KEYS:
                key_out.pop(k, None)
        results.update(key_out)
        results['imgs'] = frames
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(transforms={self.transforms})'
