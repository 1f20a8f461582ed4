"""Pack series / windows into model inputs and data samples."""
from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from mmdsa.registry import TRANSFORMS
from mmdsa.utils.deprecation import register_renamed


def _stack(imgs, channels: int = 3) -> torch.Tensor:
    """List of (H, W) or (H, W, C) arrays -> uint8 tensor (N, C, H, W).

    Greyscale frames are repeated to ``channels`` channels; the output is
    written once, channel-first, without intermediate (H, W, C) copies.
    """
    first = imgs[0]
    c = channels if first.ndim == 2 else first.shape[2]
    out = np.empty((len(imgs), c) + first.shape[:2], dtype=first.dtype)
    for n, img in enumerate(imgs):
        if img.ndim == 2:
            out[n] = img  # broadcast over the channel axis
        else:
            out[n] = img.transpose(2, 0, 1)
    return torch.from_numpy(out)


@TRANSFORMS.register_module()
class PackDSAClassificationInputs(BaseTransform):
    """Pack grouped frames into ``inputs`` and an mmpretrain ``DataSample``.

    Required Keys:
        - imgs (list[np.ndarray]): G group images (H, W, 3) (``GroupFrames``).
        - gt_label (int, optional), series_id, patient_id, pair_id, view,
          occlusion_level (optional), img_shape, ori_shape, view_lengths,
          group_lengths.

    Added Keys:
        - inputs (torch.Tensor): uint8 (G, 3, H, W). In pair mode
          (``pair_mode=True`` in the sample) a list of two tensors (PA, LAT).
        - data_samples (DataSample): ``gt_label`` (tensor [label]) and
          metainfo ``series_id, patient_id, pair_id, view,
          occlusion_level, num_frames, num_groups, img_shape, ori_shape``
          (+ ``meta_keys``). In pair
          mode a list of two (one per view); use
          ``collate_fn=dict(type='dsa_pair_collate')`` to batch pairs as
          consecutive PA, LAT series.

    Args:
        meta_keys (Sequence[str]): extra result keys copied to metainfo.
    """

    def __init__(self, meta_keys: Sequence[str] = ('img_path', )):
        self.meta_keys = tuple(meta_keys)

    def _sample(self, results, v, num_frames, num_groups):
        from mmpretrain.structures import DataSample

        def pick(key):
            value = results.get(key)
            return value[v] if results.get('pair_mode') and isinstance(
                value, (list, tuple)) else value

        sample = DataSample()
        if results.get('gt_label') is not None:
            sample.set_gt_label(int(results['gt_label']))
        meta = dict(
            series_id=pick('series_id'), patient_id=results.get('patient_id'),
            pair_id=results.get('pair_id'), view=pick('view'),
            occlusion_level=pick('occlusion_level'), num_frames=num_frames,
            num_groups=num_groups,
            img_shape=results['imgs'][0].shape[:2],
            ori_shape=results.get('ori_shape'))
        for key in self.meta_keys:
            if key in results:
                meta[key] = pick(key)
        sample.set_metainfo(meta)
        return sample

    def transform(self, results: dict) -> dict:
        imgs = results['imgs']
        groups = results.get('group_lengths') or [len(imgs)]
        frames = results.get('view_lengths') or [len(imgs)]
        if len(groups) != len(frames):
            raise ValueError(f'PackDSAClassificationInputs: {len(frames)} '
                             f'views in view_lengths but {len(groups)} in '
                             'group_lengths')
        inputs, samples, start = [], [], 0
        for v, (g, n) in enumerate(zip(groups, frames)):
            inputs.append(_stack(imgs[start:start + g]))
            samples.append(self._sample(results, v, n, g))
            start += g
        if results.get('pair_mode'):
            return dict(inputs=inputs, data_samples=samples)
        if len(inputs) != 1:
            raise ValueError('PackDSAClassificationInputs: several views in a '
                             'sample without pair_mode=True')
        return dict(inputs=inputs[0], data_samples=samples[0])

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'


@TRANSFORMS.register_module()
class PackDSADetectionInputs(BaseTransform):
    """Pack a T-frame window into ``inputs`` and a key-frame DetDataSample.

    Required Keys:
        - imgs (list[np.ndarray]): T frames (H, W) or (H, W, 3); grey frames
          are repeated to 3 channels.
        - gt_bboxes, gt_bboxes_labels, gt_ignore_flags (optional; key frame)
        - img_id, img_path, series_id, video_id, frame_id, series_length,
          series_label, key_frame_index, frame_ids, img_shape, ori_shape,
          scale_factor, flip, flip_direction (optional)

    Added Keys:
        - inputs (torch.Tensor): uint8 (T, 3, H, W).
        - data_samples (DetDataSample): ``gt_instances`` (``bboxes``,
          ``labels``) and ``ignored_instances`` of the key frame; metainfo
          ``img_id, img_path, series_id, video_id, frame_id, series_length,
          series_label, patient_id, view, img_shape, ori_shape,
          scale_factor, flip, flip_direction, num_frames, key_frame_index,
          frame_ids`` (+ ``meta_keys``).
    """

    META = ('img_id', 'img_path', 'series_id', 'video_id', 'frame_id',
            'series_length', 'series_label', 'patient_id', 'view',
            'ori_shape', 'frame_ids')

    def __init__(self, meta_keys: Sequence[str] = ()):
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        from mmdet.structures import DetDataSample
        from mmengine.structures import InstanceData
        imgs = results['imgs']
        inputs = _stack(imgs)
        sample = DetDataSample()
        if 'gt_bboxes' in results:
            ignore = np.asarray(results['gt_ignore_flags'], dtype=bool)
            boxes, labels = results['gt_bboxes'], np.asarray(
                results['gt_bboxes_labels'], dtype=np.int64)
            keep = np.flatnonzero(~ignore)
            drop = np.flatnonzero(ignore)
            sample.gt_instances = InstanceData(
                bboxes=boxes[keep], labels=torch.from_numpy(labels[keep]))
            sample.ignored_instances = InstanceData(
                bboxes=boxes[drop], labels=torch.from_numpy(labels[drop]))
        meta = {k: results[k] for k in self.META + self.meta_keys
                if k in results}
        meta.update(
            img_shape=tuple(imgs[0].shape[:2]),
            scale_factor=tuple(results.get('scale_factor', (1.0, 1.0))),
            flip=bool(results.get('flip', False)),
            flip_direction=results.get('flip_direction'),
            num_frames=len(imgs),
            key_frame_index=int(results.get('key_frame_index', 0)))
        sample.set_metainfo(meta)
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'


register_renamed(TRANSFORMS, PackDSAClassificationInputs)
register_renamed(TRANSFORMS, PackDSADetectionInputs)
