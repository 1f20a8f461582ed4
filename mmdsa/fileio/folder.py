"""Read a series stored as a folder (DICOM / PNG / NPY frames) or a .npy file.

Folder contents are classified by file name: ``*.npy`` files, ``*.png``
files, and everything else as DICOM candidates. Hidden files (``.name``),
sub-folders and a ``DICOMDIR`` index are ignored; a folder mixing the three
kinds is rejected.
"""
import os
import os.path as osp
import re
import warnings

import numpy as np

from .dicom import (DEFAULT_MODALITIES, check_image_dataset,
                    read_dicom_dataset)
from .dicom_pixels import series_meta
from .dicom_meta import acquisition_datetime, frame_times, int_field
from .errors import DSAReadError
from .series import DEFAULT_FRAME_INTERVAL_MS

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


def array_meta(path, shape, source_format, bits_stored, files=None):
    """Meta dict for PNG / NPY input (no header information).

    Args:
        shape (tuple[int]): (T, H, W).
    """
    meta = dict.fromkeys(
        ('modality', 'sop_class_uid', 'patient_id', 'study_uid', 'series_uid',
         'acquisition_datetime', 'pixel_spacing', 'window_center',
         'window_width'))
    meta.update(
        rows=int(shape[1]), columns=int(shape[2]),
        bits_stored=bits_stored, photometric_interpretation='MONOCHROME2',
        view='unknown', path=str(path), num_frames=int(shape[0]),
        source_format=source_format, inverted=False)
    if files is not None:
        meta['files'] = list(files)
    return meta


def no_timing(num_frames):
    """Times for input without timing: DEFAULT_FRAME_INTERVAL_MS apart."""
    return np.arange(num_frames, dtype=np.float64) * DEFAULT_FRAME_INTERVAL_MS


def _check_numeric(arr, path, expected_ndim):
    """Validate one NPY array (possibly memory-mapped) before its values."""
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


def check_finite(arr, path):
    """Raise DSAReadError if a float array holds NaN or inf."""
    if arr.dtype.kind == 'f' and not np.isfinite(arr).all():
        raise DSAReadError(path, 'array holds NaN or infinite values')


def load_npy(path):
    """Memory-mapped .npy array (nothing is read until used).

    The one way mmdsa reads a ``.npy`` file (series inputs and the prepared
    cache): memory-mapped, never unpickling (``allow_pickle=False``), any
    unreadable file (truncated, corrupt, empty, pickled objects) a
    :class:`DSAReadError` naming it.
    """
    try:
        return np.load(path, mmap_mode='r', allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise DSAReadError(
            path, f'not a readable .npy file (truncated or corrupt?): {exc}'
        ) from exc


def open_npy_file(path):
    """(T, H, W) memory-mapped frames of a .npy file and its bit depth."""
    arr = load_npy(path)
    _check_numeric(arr, path, (2, 3))
    bits = arr.dtype.itemsize * 8 if arr.dtype.kind in 'ui' else None
    return arr.reshape((-1, ) + arr.shape[-2:]), bits


def open_npy_folder(folder, files):
    """Memory-mapped (H, W) frames of a folder of .npy files, bit depth."""
    arrays = [load_npy(path) for path in files]
    for arr, path in zip(arrays, files):
        _check_numeric(arr, path, (2, ))
    _check_same_size([a.shape for a in arrays], files, folder)
    kinds = {a.dtype for a in arrays}
    first = arrays[0].dtype
    bits = first.itemsize * 8 if len(kinds) == 1 and first.kind in 'ui' \
        else None
    return arrays, bits


_PNG_MODES = ('L', 'I', 'I;16', 'I;16B', 'I;16L', 'F', 'RGB', 'RGBA')


def png_header(path):
    """(mode, (H, W)) of a PNG file without decoding it."""
    from PIL import Image
    try:
        with Image.open(path) as img:
            mode, (width, height) = img.mode, img.size
    except (OSError, ValueError, SyntaxError) as exc:
        raise DSAReadError(path, f'not a readable PNG image: {exc}') from exc
    if mode not in _PNG_MODES:
        raise DSAReadError(
            path, f'expected a greyscale PNG (mode L, I;16, I or F), got '
            f'mode {mode}')
    return mode, (height, width)


def open_png_folder(folder, files):
    """Check the PNG headers of a frame folder; returns the bit depth."""
    headers = [png_header(path) for path in files]
    _check_same_size([shape for _, shape in headers], files, folder)
    bits = 8 if all(mode in ('L', 'RGB', 'RGBA') for mode, _ in headers) \
        else 16
    return headers[0][1], bits


def load_png(path):
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
    elif mode not in _PNG_MODES:
        raise DSAReadError(
            path, f'expected a greyscale PNG (mode L, I;16, I or F), got '
            f'mode {mode}')
    return arr


def _sort_key(item):
    """InstanceNumber, then acquisition time, then file name."""
    path, ds = item
    number = int_field(ds, 'InstanceNumber', path)
    when = acquisition_datetime(ds, path) or ''
    return (number is None, number or 0, when,
            natural_key(osp.basename(path)))


def _check_unique_instances(items, folder):
    """Refuse one SOP instance stored twice; warn on ambiguous numbering."""
    seen = {}
    for path, ds, _ in items:
        uid = ds.get('SOPInstanceUID')
        if uid in (None, ''):
            continue
        if str(uid) in seen:
            raise DSAReadError(
                folder, f'{osp.basename(seen[str(uid)])} and '
                f'{osp.basename(path)} hold the same SOPInstanceUID {uid} '
                '(a frame copied under a second name?); expected each frame '
                'once: remove the copy')
        seen[str(uid)] = path
    numbers = {}
    for path, ds, _ in items:
        number = int_field(ds, 'InstanceNumber', path)
        numbers.setdefault(number, []).append(osp.basename(path))
    clashes = {n: names for n, names in numbers.items()
               if n is not None and len(names) > 1}
    missing = numbers.get(None, [])
    if clashes or missing:
        detail = '; '.join(f'InstanceNumber {n}: {", ".join(names)}'
                           for n, names in sorted(clashes.items()))
        if missing:
            detail += ('; ' if detail else '') + \
                f'no InstanceNumber: {", ".join(missing)}'
        warnings.warn(
            f'{folder}: frame order is ambiguous ({detail}); these frames '
            'are ordered by acquisition date-time, then file name')


def scan_dicom_folder(folder, files, modalities=DEFAULT_MODALITIES):
    """Headers of a folder of single-frame DICOM files of one series.

    Frames are ordered by InstanceNumber, then acquisition date-time, then
    file name. A folder holding exactly one (possibly multi-frame) file
    describes that file. Pixel data stays in the files (deferred).

    Returns:
        tuple[list[str], list[pydicom.Dataset], int]: ordered paths, their
        headers, and the number of frames T.

    Raises:
        DSAReadError: unreadable or non-image files, multi-frame files among
            several, mixed series, the same SOPInstanceUID twice, frames of
            different sizes.
    """
    items = []
    for path in files:
        ds = read_dicom_dataset(path, defer=True)
        items.append((path, ds, check_image_dataset(ds, path, modalities)))
    if len(items) > 1:
        for path, ds, num_frames in items:
            if num_frames != 1:
                raise DSAReadError(
                    folder, f'{osp.basename(path)} is a multi-frame file '
                    f'({num_frames} frames); a folder must hold single-frame '
                    'files of one series (read multi-frame files directly)')
    # one patient, one study, one series (a missing UID does not make
    # files of different patients one series)
    for key, what in (('PatientID', 'patients'),
                      ('StudyInstanceUID', 'studies'),
                      ('SeriesInstanceUID', 'series')):
        values = {str(ds.get(key, '') or '') for _, ds, _ in items}
        if len(values) > 1:
            first = {}
            for path, ds, _ in items:
                first.setdefault(str(ds.get(key, '') or '') or '<none>',
                                 osp.basename(path))
            listing = ', '.join(f'{uid} ({name})'
                                for uid, name in list(first.items())[:5])
            raise DSAReadError(
                folder, f'mixed {what}: {len(values)} {key}s ({listing}); '
                'expected the files of one series')
    if len(items) > 1:
        _check_unique_instances(items, folder)
    ordered = sorted(((p, d) for p, d, _ in items), key=_sort_key)
    shapes = [(int(d.Rows), int(d.Columns)) for _, d in ordered]
    paths = [p for p, _ in ordered]
    _check_same_size(shapes, paths, folder)
    num_frames = items[0][2] if len(items) == 1 else len(items)
    return paths, [d for _, d in ordered], num_frames


def dicom_folder_meta(folder, paths, datasets, num_frames):
    """(times, time source, meta) of a scanned DICOM folder.

    Timing comes from the first file's FrameTime / CineRate /
    RecommendedDisplayFrameRate (FrameTimeVector is per file and ignored,
    unless the folder holds one multi-frame file).
    """
    first_path, first_ds = paths[0], datasets[0]
    times, source = frame_times(
        first_ds, num_frames, first_path, allow_vector=len(paths) == 1)
    meta = series_meta(first_ds, first_path, num_frames)
    meta.update(path=str(folder), source_format='dicom_folder', files=paths)
    return times, source, meta
