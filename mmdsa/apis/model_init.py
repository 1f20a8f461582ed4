"""Build a model from a config and a checkpoint for inference."""
import copy
from typing import Optional, Union

import torch
from mmengine.config import Config


def _strip_pretrained(cfg):
    """Drop ``init_cfg`` / ``pretrained`` recursively: weights come from the
    checkpoint, and no download may be attempted."""
    if isinstance(cfg, dict):
        for key in ('init_cfg', 'pretrained'):
            if key in cfg:
                cfg[key] = None if key == 'init_cfg' else False \
                    if isinstance(cfg[key], bool) else None
        for value in cfg.values():
            _strip_pretrained(value)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            _strip_pretrained(value)


def init_model(config: Union[str, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None,
               strict: bool = True) -> torch.nn.Module:
    """Build an mmdsa model (detector or recognizer) ready for inference.

    Args:
        config (str | Config): Config file or object.
        checkpoint (str, optional): Checkpoint to load (loaded with
            ``weights_only=True``, see :mod:`mmdsa.utils.compat`). Without
            one the model keeps random weights (useful for smoke tests only).
        device (str): ``'cpu'`` or ``'cuda:0'`` etc.
        cfg_options (dict, optional): Overrides merged into the config.
        strict (bool): Refuse a checkpoint whose weights do not fit the
            model exactly
            (:func:`mmdsa.utils.checkpoint.check_checkpoint_fits`).
            ``False`` loads what fits, for fine-tuning from another model.

    Returns:
        torch.nn.Module: The model in eval mode with ``model.cfg`` set and
        ``model.dataset_meta`` taken from the checkpoint when present and
        ``model.operating_point`` from the checkpoint's sidecar (see
        :func:`mmdsa.apis.operating_point.attach_operating_point`).

    Raises:
        FileNotFoundError: the checkpoint does not exist.
        mmdsa.utils.compat.CorruptCheckpointError: it is truncated.
        mmdsa.utils.compat.UnsafeCheckpointError: it holds foreign objects.
        mmdsa.utils.checkpoint.CheckpointMismatchError: ``strict`` and its
            weights do not fit the model.
    """
    from mmdsa.registry import MODELS
    from mmdsa.utils.checkpoint import load_model_checkpoint
    from mmdsa.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    if isinstance(config, str):
        config = Config.fromfile(config)
    elif not isinstance(config, Config):
        raise TypeError('init_model: expected config to be a file path or '
                        f'an mmengine Config, got {type(config).__name__}')
    if cfg_options:
        config.merge_from_dict(cfg_options)
    model_cfg = copy.deepcopy(config.model)
    if checkpoint is not None:
        _strip_pretrained(model_cfg)
    model = MODELS.build(model_cfg)
    if checkpoint is not None:
        ckpt = load_model_checkpoint(
            model, checkpoint, strict=strict, map_location='cpu')
        meta = ckpt.get('meta', {}) if isinstance(ckpt, dict) else {}
        model.dataset_meta = meta.get('dataset_meta', None)
    model.cfg = config
    from .operating_point import attach_operating_point
    attach_operating_point(model, checkpoint)
    model.to(device)
    model.eval()
    return model
