"""FLOPs and parameters of an mmdsa model per frame and per series, with
MMEngine's counter (:func:`mmengine.analysis.get_model_complexity_info`).

Counted are the network's tensor operations (backbone, FPN, temporal neck,
head; CNN, RNN, classifier); box decoding, NMS and the series optimiser are
not (they are not tensor-layer operations and cost little).

Detector (``SpatioTemporalDetector``, T-frame windows): series inference
computes each frame's backbone + FPN once and reuses it in every window
(:mod:`mmdsa.models.detectors.window_inference`), so one frame costs
``frame_features`` (backbone + FPN of one frame) plus ``fusion_and_head``
(temporal neck + head of one key frame); a series of N frames costs N times
that. A training-style window (T frames through the backbone for one key
frame) is reported too.

Recognizer (``CNNRNNRecognizer``): a series of N frames is
``G = ceil(N / 3)`` groups of 3 frames; one group costs the backbone once;
the series cost includes the RNN and the head. MMEngine's counter has no
rule for ``aten::gru`` / ``aten::lstm``, so recurrent layers are counted
here: per step, direction and layer, ``gates x (input + hidden) x hidden``
multiply-adds (3 gates for a GRU, 4 for an LSTM), one FLOP per
multiply-add as MMEngine counts convolutions.
"""
import math
from typing import Callable, Dict, Tuple

import torch

__all__ = ['model_complexity']


class _Call(torch.nn.Module):
    """Wrap ``fn(*inputs)`` as a module, so the counter sees ``model``."""

    def __init__(self, model: torch.nn.Module, fn: Callable):
        super().__init__()
        self.model = model
        self._fn = fn

    def forward(self, *inputs):
        return self._fn(*inputs)


def rnn_flops(model: torch.nn.Module, steps: int) -> int:
    """Multiply-adds of every ``nn.GRU`` / ``nn.LSTM`` / ``nn.RNN`` in
    ``model`` over ``steps`` time steps (batch 1)."""
    total = 0
    for module in model.modules():
        if not isinstance(module, torch.nn.RNNBase):
            continue
        gates = {'GRU': 3, 'LSTM': 4}.get(module.mode, 1)
        dirs = 2 if module.bidirectional else 1
        hidden = module.hidden_size
        for layer in range(module.num_layers):
            inp = module.input_size if layer == 0 else hidden * dirs
            total += steps * dirs * gates * (inp + hidden) * hidden
    return int(total)


def _count(model, fn, *inputs) -> Dict:
    from mmengine.analysis import get_model_complexity_info
    with torch.no_grad():
        info = get_model_complexity_info(_Call(model, fn), inputs=inputs,
                                         show_table=False, show_arch=False)
    return dict(flops=int(info['flops']), params=int(info['params']))


def model_complexity(model: torch.nn.Module,
                     image_shape: Tuple[int, int],
                     num_frames: int) -> Dict:
    """FLOPs of ``model`` on a series of ``num_frames`` frames.

    Args:
        model (nn.Module): A ``SpatioTemporalDetector`` or a
            ``CNNRNNRecognizer`` (e.g. from :func:`mmdsa.apis.init_model`).
        image_shape (tuple[int, int]): (H, W) the network sees.
        num_frames (int): Frames N of the series.

    Returns:
        dict: ``task``, ``image_shape``, ``num_frames``, ``params`` and
        ``flops`` (dict of named counts: ``per_frame``, ``per_series`` and
        the parts they are made of, see the module docstring).

    Raises:
        ValueError: An unknown model kind, or ``num_frames`` < 1, or a
            non-positive image size.
    """
    h, w = (int(v) for v in image_shape)
    if h < 1 or w < 1:
        raise ValueError(f'--shape: expected two positive sizes (H W), got '
                         f'{image_shape}')
    if int(num_frames) < 1:
        raise ValueError(f'--num-frames: expected at least 1, got '
                         f'{num_frames}')
    n = int(num_frames)
    params = sum(p.numel() for p in model.parameters())
    if hasattr(model, 'extract_frame_feat') and hasattr(model, 'num_frames'):
        t = int(model.num_frames)
        frame = torch.zeros(1, 3, h, w)
        window = torch.zeros(1, t, 3, h, w)
        feat = _count(model, model.extract_frame_feat, frame)['flops']
        win = _count(model, model._forward, window)['flops']
        head = win - t * feat
        per_frame = feat + head
        flops = dict(frame_features=feat, fusion_and_head=head,
                     per_frame=per_frame, per_series=n * per_frame,
                     training_window=win, per_series_without_cache=n * win)
        task = 'perforation'
    elif hasattr(model, 'group_features'):
        g = int(math.ceil(n / 3))
        group = _count(model, model.group_features,
                       torch.zeros(1, 3, h, w))['flops']
        series = _count(model, lambda x: model(x, mode='tensor'),
                        torch.zeros(1, g, 3, h, w))['flops']
        series += rnn_flops(model, g)
        flops = dict(per_group=group, num_groups=g,
                     rnn_and_head=series - g * group,
                     per_frame=series / n, per_series=series)
        task = 'thrombus'
    else:
        raise ValueError(
            f'{type(model).__name__}: expected a SpatioTemporalDetector or a '
            'CNNRNNRecognizer')
    return dict(task=task, image_shape=[h, w], num_frames=n, params=params,
                flops=flops)
