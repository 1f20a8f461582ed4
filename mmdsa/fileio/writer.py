"""Write frames as a .npy file or a folder of PNG frames (atomically)."""
import os
import os.path as osp
import shutil

import numpy as np

from mmdsa.utils.fileio import (atomic_write, make_temp_sibling_dir,
                                 replace_dir)


def _check_frames(frames):
    frames = np.asarray(frames)
    if frames.ndim != 3 or 0 in frames.shape:
        raise ValueError('write_frames: expected frames of shape (T, H, W) '
                         f'with no empty axis, got {frames.shape}')
    if frames.dtype.kind not in 'uif':
        raise TypeError('write_frames: expected real-valued frames, got '
                        f'dtype {frames.dtype}')
    if not np.isfinite(frames).all():
        raise ValueError('write_frames: frames hold NaN or infinite values')
    return frames


def write_frames(frames, path, overwrite=False):
    """Save (T, H, W) frames so that :func:`read_dsa_series` reads them back.

    - ``path`` ending in ``.npy``: one float32 (T, H, W) array.
    - otherwise: a folder of ``frame_0000.png``, ... greyscale PNGs, 8-bit
      when all values fit in [0, 255], else 16-bit. Values are rounded to
      the nearest integer and must lie in [0, 65535].

    The output appears atomically: it is written into a temporary sibling
    and renamed into place.

    Args:
        frames (np.ndarray): (T, H, W) real values.
        path (str | os.PathLike): Target file or folder.
        overwrite (bool): Replace an existing target.

    Returns:
        str: ``path``.

    Raises:
        FileExistsError: the target exists and ``overwrite`` is False.
        ValueError / TypeError: bad frames (shape, dtype, non-finite, out of
            the PNG range).
    """
    frames = _check_frames(frames)
    path = os.fspath(path)
    if osp.lexists(path) and not overwrite:
        raise FileExistsError(f'write_frames: {path} exists (pass '
                              'overwrite=True to replace it)')
    parent = osp.dirname(osp.abspath(path))
    os.makedirs(parent, exist_ok=True)
    if path.lower().endswith('.npy'):
        return atomic_write(
            path, writer=lambda tmp: np.save(
                tmp, frames.astype(np.float32, copy=False)))
    return _write_png_folder(frames, path, parent)


def _write_png_folder(frames, path, parent):
    """Write PNG frames into a temporary folder, then swap it into place."""
    from PIL import Image
    rounded = np.rint(frames)
    if rounded.min() < 0 or rounded.max() > 65535:
        raise ValueError(
            'write_frames: PNG frames need values in [0, 65535], got '
            f'[{rounded.min()}, {rounded.max()}] (use a .npy path)')
    dtype = np.uint8 if rounded.max() <= 255 else np.uint16
    rounded = rounded.astype(dtype)
    tmp = make_temp_sibling_dir(path)
    try:
        for i, frame in enumerate(rounded):
            Image.fromarray(frame).save(osp.join(tmp, f'frame_{i:04d}.png'))
        replace_dir(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path
