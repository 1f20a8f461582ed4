"""Read a series stored as a folder (DICOM / PNG / NPY frames) or a .npy file.

Folder contents are classified by file name: ``*.npy`` files, ``*.png``
files, and everything else as DICOM candidates. Hidden files (``.name``),
sub-folders and a ``DICOMDIR`` index are ignored; a folder mixing the three
kinds is rejected.
"""
import os
import os.path as osp
import re

import numpy as np

from .dicom import (check_image_dataset, decode_frames,
                    inverted_window_center, read_dicom_dataset)
from .dicom_meta import acquisition_datetime, dicom_meta, frame_times
from .errors import DSAReadError
from .series import DEFAULT_FRAME_INTERVAL_MS, DSASeries

_IGNORED_NAMES = {'DICOMDIR'}


def natural_key(name):
    """Sort key putting ``frame_2`` before ``frame_10``."""
    return [int(part) if part.isdigit() else part.lower()
            for part in re.split(r'(\d+)', name)]


def list_frame_files(folder):
    """Classify the files of ``folder``.

    Returns:
        tuple[str, list[str]]: ``('npy' | 'png' | 'dicom', paths)`` with the
        paths in natural file-name order.

    Raises:
        DSAReadError: the folder holds no files, or more than one kind.
    """
    groups = {'npy': [], 'png': [], 'dicom': []}
    for name in sorted(os.listdir(folder), key=natural_key):
        full = osp.join(folder, name)
        if name.startswith('.') or name in _IGNORED_NAMES \
                or not osp.isfile(full):
            continue
        ext = osp.splitext(name)[1].lower()
        kind = ext[1:] if ext in ('.npy', '.png') else 'dicom'
        groups[kind].append(full)
    kinds = [k for k, files in groups.items() if files]
    if not kinds:
        raise DSAReadError(
            folder, 'empty folder: expected DICOM files, PNG frames or NPY '
            'frames, found no files')
    if len(kinds) > 1:
        detail = ', '.join(f'{len(groups[k])} {k}' for k in kinds)
        raise DSAReadError(
            folder, f'mixed file kinds ({detail}); expected one kind of '
            'frame file per folder')
    return kinds[0], groups[kinds[0]]


def _check_same_size(shapes, files, folder):
    """Raise DSAReadError unless all frame shapes are equal."""
    for shape, path in zip(shapes, files):
        if shape != shapes[0]:
            raise DSAReadError(
                folder, 'frames of different sizes: '
                f'{osp.basename(files[0])} is {shapes[0][0]} x '
                f'{shapes[0][1]}, {osp.basename(path)} is {shape[0]} x '
                f'{shape[1]}')


def _array_meta(path, frames, source_format, bits_stored, files=None):
    """Meta dict for PNG / NPY input (no header information)."""
    meta = dict.fromkeys(
        ('modality', 'sop_class_uid', 'patient_id', 'study_uid', 'series_uid',
         'acquisition_datetime', 'pixel_spacing', 'window_center',
         'window_width'))
    meta.update(
        rows=int(frames.shape[1]), columns=int(frames.shape[2]),
        bits_stored=bits_stored, photometric_interpretation='MONOCHROME2',
        view='unknown', path=str(path), num_frames=int(frames.shape[0]),
        source_format=source_format, inverted=False)
    if files is not None:
        meta['files'] = list(files)
    return meta


def _no_timing(num_frames):
    """Times for input without timing: DEFAULT_FRAME_INTERVAL_MS apart."""
    return np.arange(num_frames, dtype=np.float64) * DEFAULT_FRAME_INTERVAL_MS


def _check_numeric(arr, path, expected_ndim):
    """Validate one loaded NPY array."""
    if arr.dtype.kind not in 'uif':
        raise DSAReadError(
            path, f'expected a numeric (int/uint/float) array, got dtype '
            f'{arr.dtype}')
    if arr.ndim not in expected_ndim:
        raise DSAReadError(
            path, 'expected an array with '
            f'{" or ".join(map(str, expected_ndim))} dimensions ((T, H, W) '
            f'or (H, W)), got shape {arr.shape}')
    if arr.size == 0:
        raise DSAReadError(path, f'zero frames / empty array {arr.shape}')
    if arr.dtype.kind == 'f' and not np.isfinite(arr).all():
        raise DSAReadError(path, 'array holds NaN or infinite values')


def _load_npy(path):
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise DSAReadError(
            path, f'not a readable .npy file (truncated or corrupt?): {exc}'
        ) from exc


def read_npy_file(path):
    """A .npy file holding (T, H, W) frames, or (H, W) for one frame."""
    arr = _load_npy(path)
    _check_numeric(arr, path, (2, 3))
    frames = arr.astype(np.float32, copy=False).reshape(
        (-1, ) + arr.shape[-2:])
    bits = arr.dtype.itemsize * 8 if arr.dtype.kind in 'ui' else None
    return DSASeries(frames, _no_timing(frames.shape[0]), 'none',
                     _array_meta(path, frames, 'npy', bits))


def read_npy_folder(folder, files):
    """A folder of .npy files, one (H, W) frame each, in natural order."""
    arrays = [_load_npy(path) for path in files]
    for arr, path in zip(arrays, files):
        _check_numeric(arr, path, (2, ))
    _check_same_size([a.shape for a in arrays], files, folder)
    frames = np.empty((len(arrays), ) + arrays[0].shape, dtype=np.float32)
    for i, arr in enumerate(arrays):
        frames[i] = arr
    kinds = {a.dtype for a in arrays}
    first = arrays[0].dtype
    bits = first.itemsize * 8 if len(kinds) == 1 and first.kind in 'ui' \
        else None
    return DSASeries(frames, _no_timing(len(files)), 'none',
                     _array_meta(folder, frames, 'npy', bits, files))


def _load_png(path):
    """One greyscale PNG frame as a 2-D array."""
    from PIL import Image
    try:
        with Image.open(path) as img:
            mode = img.mode
            arr = np.asarray(img)
    except (OSError, ValueError, SyntaxError) as exc:
        raise DSAReadError(path, f'not a readable PNG image: {exc}') from exc
    if mode in ('RGB', 'RGBA'):
        rgb = arr[..., :3]
        if not ((rgb[..., 0] == rgb[..., 1]).all()
                and (rgb[..., 0] == rgb[..., 2]).all()):
            raise DSAReadError(
                path, f'expected a greyscale PNG, got colour mode {mode} '
                'with different channels')
        arr = rgb[..., 0]
    elif mode not in ('L', 'I', 'I;16', 'I;16B', 'I;16L', 'F'):
        raise DSAReadError(
            path, f'expected a greyscale PNG (mode L, I;16, I or F), got '
            f'mode {mode}')
    return arr


def read_png_folder(folder, files):
    """A folder of greyscale PNG frames in natural file-name order."""
    arrays = [_load_png(path) for path in files]
    _check_same_size([a.shape for a in arrays], files, folder)
    frames = np.empty((len(arrays), ) + arrays[0].shape, dtype=np.float32)
    for i, arr in enumerate(arrays):
        frames[i] = arr
    bits = 8 if all(a.dtype == np.uint8 for a in arrays) else 16
    return DSASeries(frames, _no_timing(len(files)), 'none',
                     _array_meta(folder, frames, 'png', bits, files))


def _sort_key(item):
    """InstanceNumber, then acquisition time, then file name."""
    path, ds = item
    number = ds.get('InstanceNumber')
    number = None if number in (None, '') else int(number)
    when = acquisition_datetime(ds, path) or ''
    return (number is None, number or 0, when,
            natural_key(osp.basename(path)))


def read_dicom_folder(folder, files):
    """A folder of single-frame DICOM files of one series.

    Frames are ordered by InstanceNumber, then acquisition date-time, then
    file name. Timing comes from the first file's FrameTime / CineRate /
    RecommendedDisplayFrameRate (FrameTimeVector is per file and ignored).
    A folder holding exactly one (possibly multi-frame) file reads that file.
    """
    items = []
    for path in files:
        ds = read_dicom_dataset(path)
        items.append((path, ds, check_image_dataset(ds, path)))
    if len(items) > 1:
        for path, ds, num_frames in items:
            if num_frames != 1:
                raise DSAReadError(
                    folder, f'{osp.basename(path)} is a multi-frame file '
                    f'({num_frames} frames); a folder must hold single-frame '
                    'files of one series (read multi-frame files directly)')
    series = {ds.get('SeriesInstanceUID') for _, ds, _ in items}
    if len(series) > 1:
        first = {}
        for path, ds, _ in items:
            first.setdefault(ds.get('SeriesInstanceUID'), osp.basename(path))
        listing = ', '.join(f'{uid} ({name})' for uid, name in first.items())
        raise DSAReadError(
            folder, f'mixed series: {len(series)} SeriesInstanceUIDs '
            f'({listing}); expected the files of one series')
    ordered = sorted(((p, d) for p, d, _ in items), key=_sort_key)
    shapes = [(int(d.Rows), int(d.Columns)) for _, d in ordered]
    paths = [p for p, _ in ordered]
    _check_same_size(shapes, paths, folder)
    num_frames = items[0][2] if len(items) == 1 else len(items)
    frames = np.empty((num_frames, ) + shapes[0], dtype=np.float32)
    if len(items) == 1:
        decode_frames(ordered[0][1], paths[0], out=frames,
                      num_frames=num_frames)
    else:
        for i, (path, ds) in enumerate(ordered):
            decode_frames(ds, path, out=frames[i:i + 1], num_frames=1)
    first_path, first_ds = ordered[0]
    times, source = frame_times(
        first_ds, num_frames, first_path, allow_vector=len(items) == 1)
    meta = dicom_meta(first_ds, first_path, num_frames)
    meta.update(path=str(folder), source_format='dicom_folder', files=paths)
    meta['inverted'] = meta['photometric_interpretation'] == 'MONOCHROME1'
    if meta['inverted']:
        meta['window_center'] = inverted_window_center(
            first_ds, meta['window_center'], first_path)
    return DSASeries(frames, times, source, meta)
