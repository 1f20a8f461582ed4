"""Strict checkpoint loading: a checkpoint must fit the model it is loaded
into, or the load is refused with the keys that differ.

MMEngine loads with ``strict=False`` and only logs missing / unexpected keys,
so a detector checkpoint loaded into a recognizer leaves random weights and
inference carries on. :func:`check_checkpoint_fits` is the one rule every
entry point (:func:`mmdsa.apis.init_model`, ``tools/test.py``,
``tools/infer.py``, ``tools/train.py --resume``) applies; partial loading
(fine-tuning from another model) needs an explicit ``strict=False``.

Which checkpoint of a training run is evaluated is picked here too
(:func:`best_checkpoint`, :func:`last_checkpoint`,
:func:`best_or_last_checkpoint`), for the cross-validation tools, the
reproduction study and :mod:`mmdsa.apis.experiment`.
"""
import glob
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

import torch

__all__ = [
    'CheckpointMismatchError', 'REFUSED_CHECKPOINT_ERRORS',
    'checkpoint_state_dict', 'check_checkpoint_fits', 'load_model_checkpoint',
    'best_checkpoint', 'last_checkpoint', 'best_or_last_checkpoint'
]

#: MMEngine's default key revision: DDP-wrapped models save 'module.' keys.
REVISE_KEYS = [(r'^module\.', '')]


class CheckpointMismatchError(RuntimeError):
    """A checkpoint's weights do not match the model's parameters."""


def _refused():
    from .compat import CorruptCheckpointError, UnsafeCheckpointError
    from .finite import NonFiniteError
    return (CorruptCheckpointError, UnsafeCheckpointError,
            CheckpointMismatchError, NonFiniteError)


#: What a tool answers with one line ``error: ...`` and exit status 2: a
#: truncated, unsafe, non-finite or non-fitting checkpoint (their messages
#: name the file).
REFUSED_CHECKPOINT_ERRORS = _refused()


def checkpoint_state_dict(checkpoint,
                          revise_keys: Sequence[Tuple[str, str]] = REVISE_KEYS
                          ) -> Dict[str, torch.Tensor]:
    """The model weights of a checkpoint dict, keys revised as MMEngine
    does (``module.`` prefixes removed)."""
    state = checkpoint.get('state_dict', checkpoint) \
        if isinstance(checkpoint, dict) else checkpoint
    if not isinstance(state, dict):
        return {}
    for pattern, repl in revise_keys:
        state = {re.sub(pattern, repl, k): v for k, v in state.items()}
    return state


def _listing(keys: List[str], limit: int = 5) -> str:
    shown = ', '.join(keys[:limit])
    return shown + (f' and {len(keys) - limit} more'
                    if len(keys) > limit else '')


def check_checkpoint_fits(model: torch.nn.Module,
                          checkpoint,
                          filename: str,
                          revise_keys: Sequence[Tuple[str,
                                                      str]] = REVISE_KEYS
                          ) -> None:
    """Refuse a checkpoint whose weights do not fit ``model`` exactly.

    Args:
        model (nn.Module): The model (a DDP wrapper is unwrapped).
        checkpoint (dict): The loaded checkpoint (``state_dict`` inside or a
            plain state dict).
        filename (str): The checkpoint's path, for the message.
        revise_keys: Key rewrites applied first, as in MMEngine.

    Raises:
        CheckpointMismatchError: keys are missing, unexpected or of another
            shape. The one-line message names the file and the keys.
    """
    model = getattr(model, 'module', model)
    state = checkpoint_state_dict(checkpoint, revise_keys)
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [
        f'{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}'
        for k in own if k in state and hasattr(state[k], 'shape')
        and tuple(state[k].shape) != tuple(own[k].shape)
    ]
    if not (missing or unexpected or shapes):
        return
    parts = []
    if missing:
        parts.append(f'{len(missing)} of the model\'s {len(own)} weights are '
                     f'missing ({_listing(missing)})')
    if unexpected:
        parts.append(f'{len(unexpected)} weights are not in the model '
                     f'({_listing(unexpected)})')
    if shapes:
        parts.append(f'{len(shapes)} weights have another shape '
                     f'({_listing(shapes, 3)})')
    raise CheckpointMismatchError(
        f'{filename}: checkpoint does not fit the model '
        f'{type(model).__name__}: ' + '; '.join(parts) +
        '. Is it the checkpoint of this config? (Partial loading for '
        'fine-tuning needs an explicit flag: strict=False / '
        '--allow-partial-checkpoint.)')


def load_model_checkpoint(model: torch.nn.Module,
                          filename: str,
                          strict: bool = True,
                          map_location: Optional[str] = 'cpu') -> dict:
    """Load ``filename`` into ``model``, strictly unless told otherwise.

    The file is read with mmdsa's safe loader (``weights_only=True``, see
    :mod:`mmdsa.utils.compat`).

    Args:
        model (nn.Module): The model.
        filename (str): Local checkpoint path (or any MMEngine URI).
        strict (bool): Refuse a checkpoint that does not fit exactly.
        map_location (str, optional): As for :func:`torch.load`.

    Returns:
        dict: The checkpoint.

    Raises:
        FileNotFoundError / CorruptCheckpointError / UnsafeCheckpointError:
            from the loader.
        CheckpointMismatchError: ``strict`` and the weights do not fit.
    """
    from mmengine.runner.checkpoint import (CheckpointLoader,
                                            _load_checkpoint_to_model)

    from .compat import checkpoint_loader_installed
    with checkpoint_loader_installed():
        checkpoint = CheckpointLoader.load_checkpoint(
            filename, map_location=map_location)
    if strict:
        check_checkpoint_fits(model, checkpoint, filename)
    _load_checkpoint_to_model(
        model, checkpoint, strict=False, revise_keys=REVISE_KEYS)
    return checkpoint


def best_checkpoint(work_dir: str) -> Optional[str]:
    """The ``save_best`` checkpoint (``best_*.pth``) of a run, or None.

    MMEngine's CheckpointHook keeps one ``best_<metric>_<epoch>.pth`` per
    tracked metric; with several, the most recently written one is taken.
    """
    best = sorted(glob.glob(osp.join(work_dir, 'best_*.pth')),
                  key=lambda p: (osp.getmtime(p), p))
    return best[-1] if best else None


def last_checkpoint(work_dir: str) -> str:
    """The checkpoint a run's ``last_checkpoint`` file names.

    Raises:
        FileNotFoundError: no ``last_checkpoint`` file, or it names a file
            that does not exist; the message names the folder.
    """
    last = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(last):
        with open(last, encoding='utf-8') as f:
            path = f.read().strip()
        if osp.isfile(path):
            return path
    raise FileNotFoundError(f'{work_dir}: expected last_checkpoint naming '
                            'an existing file after training')


def best_or_last_checkpoint(work_dir: str) -> str:
    """The ``save_best`` checkpoint when there is one, else the last
    (:func:`best_checkpoint`, :func:`last_checkpoint`).

    Raises:
        FileNotFoundError: neither exists; the message names the folder.
    """
    best = best_checkpoint(work_dir)
    if best is not None:
        return best
    try:
        return last_checkpoint(work_dir)
    except FileNotFoundError:
        raise FileNotFoundError(f'{work_dir}: expected best_*.pth or '
                                'last_checkpoint after training, found '
                                'neither') from None
