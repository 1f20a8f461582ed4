"""Whole-series inference of a spatio-temporal detector, window by window.

The model layer: it takes a series' preprocessed frames as one tensor and is
reached through ``SpatioTemporalDetector.predict_series``. Reading a DICOM
file, running the config's test pipeline and post-processing the series are
the layer above, :mod:`mmdsa.apis.series_inference`.

Windows are the training windows: T frames ``stride`` apart centred on the
key frame, indices clamped to [0, N-1] at the series' ends
(:func:`mmdsa.structures.window_indices`, the rule ``LoadDSAWindow`` uses).

The cached inference runs backbone + FPN (and the neck's per-frame part,
:meth:`BaseTemporalNeck.precompute`) once per frame and keeps them for the
frames that later windows still need (at most ``batch_size + stride *
(T - 1)`` frames, whatever the series length); the naive inference runs the
whole model on every window. Both give the same detections.
"""
from typing import List, Optional, Sequence, Tuple

import torch
from mmdet.structures import DetDataSample
from mmengine.utils import ProgressBar
from torch import Tensor

from mmdsa.structures.window import window_indices
from mmdsa.utils.precision import feature_autocast, uses_channels_last

__all__ = [
    'SlidingFeatureCache', 'window_indices', 'predict_series',
    'predict_series_naive'
]


class SlidingFeatureCache(dict):
    """Per-frame cache ``{frame index: per-level tensors}`` of a series.

    Records ``peak``, the most frames held at once (bounded by
    ``batch_size + stride * (T - 1)`` in :func:`predict_series`).
    """

    def __init__(self) -> None:
        super().__init__()
        self.peak = 0

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.peak = max(self.peak, len(self))

    def evict_before(self, index: int) -> None:
        """Drop the frames before ``index`` (no later window needs them)."""
        for i in [i for i in self if i < index]:
            del self[i]


def _prepare(model, frames: Tensor,
             data_samples: Optional[Sequence[DetDataSample]]
             ) -> Tuple[Tensor, List[DetDataSample]]:
    """Preprocess (N, C, H, W) frames and make one sample per frame."""
    if not isinstance(frames, Tensor) or frames.dim() != 4:
        shape = tuple(frames.shape) if isinstance(frames, Tensor) else \
            type(frames).__name__
        raise ValueError('predict_series: expected frames of shape (N, C, H, '
                         f'W), got {shape}')
    n, _, h, w = frames.shape
    if data_samples is not None and len(data_samples) != n:
        raise ValueError(f'predict_series: expected {n} data samples (one '
                         f'per frame), got {len(data_samples)}')
    # the series is preprocessed as one window of N frames
    batch = model.data_preprocessor({'inputs': [frames], 'data_samples': None})
    frames = batch['inputs'][0]
    pad = tuple(frames.shape[-2:])
    samples = []
    for i in range(n):
        if data_samples is None:
            sample = DetDataSample(
                metainfo=dict(
                    img_shape=(h, w),
                    ori_shape=(h, w),
                    scale_factor=(1.0, 1.0),
                    frame_id=i,
                    series_length=n))
        else:
            sample = data_samples[i].clone()
        sample.set_metainfo(
            dict(
                batch_input_shape=pad,
                pad_shape=pad,
                num_frames=model.num_frames,
                key_frame_index=model.key_frame_index))
        samples.append(sample)
    return frames, samples


@torch.no_grad()
def predict_series_naive(
        model,
        frames: Tensor,
        data_samples: Optional[Sequence[DetDataSample]] = None,
        batch_size: int = 4,
        rescale: bool = True,
        stride: int = 1,
        precision: str = 'fp32') -> List[DetDataSample]:
    """Reference: the full model on every window (N x T backbone passes).

    Args and returns as :func:`predict_series`.
    """
    frames, samples = _prepare(model, frames, data_samples)
    if uses_channels_last(precision, frames.device):
        frames = frames.contiguous(memory_format=torch.channels_last)
    n, t = frames.shape[0], model.num_frames
    results = []
    for start in range(0, n, batch_size):
        keys = range(start, min(start + batch_size, n))
        windows = torch.stack(
            [frames[window_indices(i, t, n, stride)] for i in keys])
        results += model.predict(windows, [samples[i] for i in keys], rescale,
                                 precision)
    return results


@torch.no_grad()
def predict_series(model,
                   frames: Tensor,
                   data_samples: Optional[Sequence[DetDataSample]] = None,
                   batch_size: int = 4,
                   rescale: bool = True,
                   show_progress: bool = False,
                   stride: int = 1,
                   precision: str = 'fp32') -> List[DetDataSample]:
    """Cached sliding-window inference: backbone + FPN once per frame.

    Args:
        model (SpatioTemporalDetector): The detector (put it in eval mode).
        frames (Tensor): The series' raw frames (N, C, H, W) as packed
            (before normalisation); the model's data preprocessor runs on
            them.
        data_samples (list[DetDataSample], optional): One per frame with its
            metainfo (``ori_shape``, ``img_shape``, ``scale_factor``, ...);
            by default the frames are their own original images.
        batch_size (int): Key frames predicted together. Defaults to 4.
        rescale (bool): Boxes in original image coordinates.
        show_progress (bool): Show a progress bar.
        stride (int): Step between a window's frames: the ``stride`` of the
            config's ``LoadDSAWindow`` (what the model saw in training and
            in ``tools/test.py``). Defaults to 1.
        precision (str): ``'fp32'`` (default), or ``'bf16'`` / ``'fp16'``:
            backbone, FPN and temporal neck under autocast (with
            channels_last frames for bf16 on a CPU); head, box decoding and
            NMS in fp32 (:meth:`SpatioTemporalDetector.predict_from_feats`).
            Resolve ``'auto'`` with :func:`mmdsa.utils.precision.
            resolve_precision` first.

    Returns:
        list[DetDataSample]: N samples with ``pred_instances`` (float32), in
        frame order.
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError('predict_series: expected a positive int '
                         f'batch_size, got {batch_size!r}')
    frames, samples = _prepare(model, frames, data_samples)
    if uses_channels_last(precision, frames.device):
        frames = frames.contiguous(memory_format=torch.channels_last)
    n, t = frames.shape[0], model.num_frames
    neck = model.temporal_neck
    cache = SlidingFeatureCache()
    results = []
    progress = ProgressBar(n) if show_progress else None
    for start in range(0, n, batch_size):
        keys = list(range(start, min(start + batch_size, n)))
        windows = [window_indices(i, t, n, stride) for i in keys]
        cache.evict_before(windows[0][0])
        new = sorted({i for w in windows for i in w} - set(cache))
        with feature_autocast(precision, frames.device):
            if new:
                feats = model.extract_frame_feat(frames[new])
                if neck is not None:
                    feats = tuple(
                        neck.precompute(level, f)
                        for level, f in enumerate(feats))
                for j, i in enumerate(new):
                    cache[i] = tuple(f[j] for f in feats)
            fused = []
            for level in range(len(cache[keys[0]])):
                # one copy into (B, T, C, h, w), not one per window + one
                stacked = torch.stack([
                    cache[i][level] for w in windows for i in w
                ]).unflatten(0, (len(windows), t))
                fused.append(stacked[:, 0] if neck is None else neck.fuse(
                    level, stacked))
        results += model.predict_from_feats(fused, frames[keys],
                                            [samples[i] for i in keys],
                                            rescale, precision)
        if progress is not None:
            for _ in keys:
                progress.update()
    return results
