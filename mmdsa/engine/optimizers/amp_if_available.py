"""Mixed precision where a GPU is present, fp32 elsewhere, one config."""
import torch
from mmengine.optim import AmpOptimWrapper, OptimWrapper

from mmdsa.registry import OPTIM_WRAPPERS

AMP_ONLY_ARGS = ('loss_scale', 'dtype', 'use_fsdp')


@OPTIM_WRAPPERS.register_module()
def AmpIfAvailableOptimWrapper(**kwargs):  # noqa: N802 (registry name)
    """Build ``AmpOptimWrapper`` when CUDA is available, else
    ``OptimWrapper`` (the AMP-only arguments ``loss_scale``, ``dtype`` and
    ``use_fsdp`` are dropped then).

    The classification paper trains with mixed precision; MMEngine's
    ``AmpOptimWrapper`` refuses to start without a GPU. With this wrapper
    the published configs use AMP on a GPU and run in fp32 on a CPU
    without editing.

    Args:
        **kwargs: ``AmpOptimWrapper`` / ``OptimWrapper`` arguments
            (``optimizer``, ``accumulative_counts``, ``clip_grad``,
            ``loss_scale``, ``dtype``...).

    Returns:
        OptimWrapper: an ``AmpOptimWrapper`` on CUDA machines.
    """
    if torch.cuda.is_available():
        return AmpOptimWrapper(**kwargs)
    return OptimWrapper(**{k: v for k, v in kwargs.items()
                           if k not in AMP_ONLY_ARGS})
