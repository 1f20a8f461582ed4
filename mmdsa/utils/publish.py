"""Publish a training checkpoint for release, as mmdet's
``tools/model_converters/publish_model.py`` does: keep only the weights
(``state_dict``) and ``meta``, and put the first 8 hex digits of the file's
SHA-256 into its name (``<stem>-<sha256[:8]>.pth``).

The training state (``optimizer``, ``param_schedulers``, ``message_hub``,
...) is dropped. The input is read with mmdsa's safe loader
(``weights_only=True``); the output is written through the one atomic
writer and never replaces an existing file. A calibrated operating point
(:mod:`mmdsa.apis.operating_point`) travels with the weights: its sidecar is
written again for the published file (same threshold, new checkpoint hash).
"""
import hashlib
import io
import os.path as osp
from typing import Dict, Optional, Sequence

__all__ = ['PublishError', 'DEFAULT_SAVE_KEYS', 'publish_checkpoint']

#: What a published checkpoint keeps (mmdet's default).
DEFAULT_SAVE_KEYS = ('meta', 'state_dict')


class PublishError(ValueError):
    """A checkpoint that cannot be published, or a name that is taken."""


def _serialise(checkpoint: Dict) -> bytes:
    import torch
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    return buffer.getvalue()


def publish_checkpoint(in_file: str,
                       out_file: str,
                       save_keys: Sequence[str] = DEFAULT_SAVE_KEYS
                       ) -> Dict[str, Optional[str]]:
    """Strip ``in_file`` to ``save_keys`` and write it as
    ``<out_file stem>-<sha256[:8]>.pth``.

    Args:
        in_file (str): A checkpoint written by MMEngine.
        out_file (str): The wanted name; ``.pth`` is appended when missing
            and the hash prefix is inserted before it.
        save_keys (Sequence[str]): Top-level keys to keep; ``state_dict`` is
            required.

    Returns:
        dict: ``checkpoint`` (the published path), ``sha256`` (of its
        bytes), ``removed`` (the keys dropped, sorted) and
        ``operating_point`` (the published sidecar, or None).

    Raises:
        PublishError: ``in_file`` holds no ``state_dict``, ``save_keys``
            lacks it, or the published name (or its sidecar) already exists.
        FileNotFoundError / CorruptCheckpointError / UnsafeCheckpointError:
            from the safe loader.
    """
    from mmdsa.apis.operating_point import (load_operating_point,
                                            sidecar_path,
                                            write_operating_point)
    from mmdsa.utils.compat import load_checkpoint_file
    from mmdsa.utils.fileio import atomic_write
    if 'state_dict' not in save_keys:
        raise PublishError(f'--save-keys: expected a list that contains '
                           f'"state_dict", got {list(save_keys)}')
    checkpoint = load_checkpoint_file(in_file, map_location='cpu')
    if not isinstance(checkpoint, dict) or \
            not isinstance(checkpoint.get('state_dict'), dict):
        raise PublishError(
            f'{in_file}: field "state_dict": expected the model weights of '
            'an MMEngine checkpoint, got '
            + (f'the keys {sorted(checkpoint)}' if isinstance(checkpoint, dict)
               else type(checkpoint).__name__))
    # a stale or broken sidecar is refused before anything is written
    point = load_operating_point(in_file)
    kept = {k: checkpoint[k] for k in save_keys if k in checkpoint}
    removed = sorted(k for k in checkpoint if k not in kept)
    data = _serialise(kept)
    sha256 = hashlib.sha256(data).hexdigest()
    stem = out_file[:-4] if out_file.endswith('.pth') else out_file
    final = f'{stem}-{sha256[:8]}.pth'
    for path in (final, sidecar_path(final)):
        if osp.lexists(path):
            raise PublishError(f'{path}: exists; refusing to overwrite it '
                               '(publish under another name)')
    atomic_write(final, data)
    published_point = None
    if point is not None:
        fields = {k: v for k, v in point.items()
                  if k not in ('format', 'file', 'checkpoint',
                               'checkpoint_sha256')}
        published_point = write_operating_point(final, fields)
    return dict(checkpoint=final, sha256=sha256, removed=removed,
                operating_point=published_point)
