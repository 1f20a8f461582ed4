"""Inference precision: bf16 autocast where the hardware runs it natively.

One place decides the numeric precision of inference (``'fp32'`` or a
reduced one) and gives the autocast context the model layer wraps its
feature computation in. Reduced precision covers only the feature
computation (backbone, FPN and temporal neck of a detector; the CNN backbone
of a recognizer); the detection head, box decoding, NMS and the series
post-processing always run in fp32 on float32 features (the trajectory
optimiser's choices are discontinuous in the box scores, see
:meth:`mmdsa.models.detectors.SpatioTemporalDetector.predict_from_feats`).

- CPU: ``'auto'`` picks bf16 (with channels_last weights and inputs) when
  the CPU has native bf16 arithmetic (AVX512-BF16 or AMX), else fp32. On a
  CPU without it, bf16 is emulated and slower than fp32.
- CUDA: ``'auto'`` picks fp16 autocast, the precision of the training
  AMP path (``AmpOptimWrapper``'s default dtype); ``'bf16'`` can be forced
  on GPUs that support it.

The precision is chosen by, in order: the ``precision`` argument of
:func:`mmdsa.apis.inference_series` (``tools/infer.py --precision`` /
``--fp32``), the config's ``inference_precision`` key, ``'auto'``.
"""
import contextlib
import warnings
from typing import ContextManager, Optional

import torch

PRECISIONS = ('auto', 'fp32', 'bf16', 'fp16')
DTYPES = {'bf16': torch.bfloat16, 'fp16': torch.float16}


def cpu_supports_bf16() -> bool:
    """Whether this CPU computes bf16 natively (fast bf16 convolutions).

    True when oneDNN can run bf16 kernels here
    (``torch.ops.mkldnn._is_mkldnn_bf16_supported``) and the CPU has
    AVX512-BF16 or AMX tiles (``torch.cpu._is_avx512_bf16_supported`` /
    ``_is_amx_tile_supported``, read from cpuinfo). AVX512 without those
    only emulates bf16 and is slower than fp32.

    Returns:
        bool: Native bf16 support.
    """
    if not torch.backends.mkldnn.is_available():
        return False
    try:
        if not torch.ops.mkldnn._is_mkldnn_bf16_supported():
            return False
        return bool(torch.cpu._is_avx512_bf16_supported()
                    or torch.cpu._is_amx_tile_supported())
    except (AttributeError, RuntimeError):  # older torch / other arch
        return False


def resolve_precision(precision: Optional[str], device) -> str:
    """The precision inference runs at on ``device``.

    Args:
        precision (str, optional): ``'auto'`` (None means the same),
            ``'fp32'``, ``'bf16'`` or ``'fp16'`` (CUDA only).
        device (str | torch.device): The model's device.

    Returns:
        str: ``'fp32'``, ``'bf16'`` or ``'fp16'``.

    Raises:
        ValueError: an unknown precision, or fp16 on a CPU.
    """
    precision = 'auto' if precision is None else precision
    if precision not in PRECISIONS:
        raise ValueError(f'precision: expected one of {PRECISIONS}, got '
                         f'{precision!r}')
    device_type = torch.device(device).type
    if precision == 'auto':
        if device_type == 'cuda':
            return 'fp16'
        if device_type == 'cpu' and cpu_supports_bf16():
            return 'bf16'
        return 'fp32'
    if precision == 'fp16' and device_type != 'cuda':
        raise ValueError("precision: 'fp16' needs a CUDA device, got "
                         f"{str(device)!r}; use 'bf16' or 'fp32' on a CPU")
    if precision == 'bf16' and device_type == 'cpu' and \
            not cpu_supports_bf16():
        warnings.warn('precision bf16: this CPU has no native bf16 '
                      '(AVX512-BF16 / AMX); it is emulated and slower than '
                      'fp32')
    return precision


def feature_autocast(precision: str, device) -> ContextManager:
    """Autocast context for feature computation at ``precision``.

    Args:
        precision (str): A resolved precision (:func:`resolve_precision`).
        device (str | torch.device): The device the features are computed on.

    Returns:
        A context manager: ``torch.autocast`` to the reduced dtype, or a
        no-op for ``'fp32'``.
    """
    if precision == 'fp32':
        return contextlib.nullcontext()
    if precision not in DTYPES:
        raise ValueError(f'precision: expected one of {("fp32", *DTYPES)}, '
                         f'got {precision!r}')
    return torch.autocast(torch.device(device).type, dtype=DTYPES[precision])


def uses_channels_last(precision: str, device) -> bool:
    """Whether inference at ``precision`` on ``device`` uses channels_last
    (bf16 on a CPU: oneDNN's bf16 convolutions want NHWC)."""
    return precision == 'bf16' and torch.device(device).type == 'cpu'


def to_channels_last(model: torch.nn.Module) -> torch.nn.Module:
    """Make the 4-D weights and buffers of ``model`` channels_last, in place.

    Unlike ``model.to(memory_format=torch.channels_last)`` it leaves tensors
    of other ranks as they are (a temporal neck's 5-D ``Conv3d`` weights).
    The values do not change.

    Args:
        model (nn.Module): The model.

    Returns:
        nn.Module: ``model``.
    """
    return model._apply(
        lambda t: t.contiguous(memory_format=torch.channels_last)
        if t.dim() == 4 else t)


def to_float(outputs):
    """Cast the floating tensors of nested lists / tuples to float32.

    Args:
        outputs: A tensor or (nested) list / tuple of tensors, e.g. a
            detection head's ``(cls_scores, bbox_preds)`` per level.

    Returns:
        The same structure with floating tensors as float32 (contiguous).
    """
    if isinstance(outputs, torch.Tensor):
        return outputs.float().contiguous() \
            if outputs.is_floating_point() else outputs
    if isinstance(outputs, (list, tuple)):
        return type(outputs)(to_float(o) for o in outputs)
    return outputs
