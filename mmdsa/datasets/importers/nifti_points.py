"""The classification authors' layout: NIfTI volumes plus their thrombus
point CSV (Mittmann et al., IJCARS 2022, doi:10.1007/s11548-022-02654-8;
read from their public code, whose conventions are kept):

- one volume ``IMAGE_NAME.nii`` (or ``.nii.gz``) per series, array axes
  (rows, columns, frames) as nibabel returns them, 12-bit values;
- the ``ImageName;PointNo;x;y`` CSV (:mod:`.points_csv`): an image with
  points is positive, one with only row 0 and ``x > 0`` negative, one with
  only row 0 and ``x <= 0`` not labelled (left out, and listed);
  ``x`` is the column and ``y`` the row in the volume's array;
- the image names sorted, two neighbours whose names share their first
  ``prefix_length`` (7) characters are one PA+LAT pair (the first in sorted
  order is ``view_order[0]``, PA by default); a pair whose views disagree
  becomes positive in both (the writer's pair rule).

Each volume becomes a ``.npy`` series (T, H, W) of uint8, mapped as the
authors did (``x * 255 / (2**bits - 1)``, truncated), so the datasets'
``intensity='bits'`` loader leaves it unchanged. Patient ids default to the
pair prefix (each pair its own patient); a series-info CSV
(``ImageName,patient_id[,acquisition_datetime][,view]``) gives the real
ones.
"""
import csv
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmdsa.structures import PAIR_VIEWS
from mmdsa.utils.fileio import atomic_write
from .errors import ConversionError, fail
from .points_csv import check_points_inside, read_author_points

NIFTI_EXTENSIONS = ('.nii', '.nii.gz')


def read_series_info(path: str) -> Dict[str, dict]:
    """``ImageName -> {'patient_id', 'acquisition_datetime', 'view'}``."""
    with open(path, newline='', encoding='utf-8-sig') as f:
        reader = csv.DictReader(f)
        cols = reader.fieldnames or []
        if 'ImageName' not in cols or 'patient_id' not in cols:
            raise ConversionError(f'{path}: header: expected columns '
                                  'ImageName,patient_id[,acquisition_'
                                  f'datetime][,view], got {cols}')
        out = {}
        for i, row in enumerate(reader, start=2):
            where = f'{path}: row {i}'
            name = (row['ImageName'] or '').strip()
            pid = (row['patient_id'] or '').strip()
            if not name or not pid:
                field = 'ImageName' if not name else 'patient_id'
                fail(where, field, 'a value', row[field])
            view = (row.get('view') or '').strip() or None
            if view is not None and view not in PAIR_VIEWS:
                fail(where, 'view', f'one of {PAIR_VIEWS} or empty', view)
            out[name] = dict(patient_id=pid, view=view,
                             acquisition_datetime=(row.get(
                                 'acquisition_datetime') or '').strip()
                             or None)
    return out


def pair_by_prefix(names: Sequence[str], prefix_length: int
                   ) -> List[Tuple[str, ...]]:
    """Group sorted image names: neighbours sharing the first
    ``prefix_length`` characters form a pair, the rest stand alone."""
    names, out, i = sorted(names), [], 0
    while i < len(names):
        if i + 1 < len(names) and \
                names[i][:prefix_length] == names[i + 1][:prefix_length]:
            out.append((names[i], names[i + 1]))
            i += 2
        else:
            out.append((names[i], ))
            i += 1
    return out


def find_volume(folder: str, name: str, where: str) -> str:
    for ext in NIFTI_EXTENSIONS:
        path = osp.join(folder, name + ext)
        if osp.isfile(path):
            return path
    raise ConversionError(
        f'{where}: field "ImageName": expected a volume {name}.nii or '
        f'{name}.nii.gz in {folder}, got none')


def volume_to_frames(path: str, bits: int) -> np.ndarray:
    """(T, H, W) uint8 frames of an (H, W, T) volume, ``x * 255 /
    (2**bits - 1)`` truncated as the authors' loader.

    Raises:
        ConversionError: not a readable NIfTI file, not 3-D, values outside
            ``[0, 2**bits - 1]`` or not finite; naming the file.
    """
    import nibabel
    try:
        img = nibabel.load(path)
        vol = np.asanyarray(img.dataobj)
    except Exception as exc:  # nibabel raises many types
        raise ConversionError(f'{path}: not a readable NIfTI volume '
                              f'({exc})') from None
    if vol.ndim == 4 and vol.shape[3] == 1:
        vol = vol[..., 0]
    if vol.ndim != 3:
        fail(path, 'shape', '(rows, columns, frames)', vol.shape)
    vol = vol.astype(np.float64)
    top = 2**bits - 1
    if not np.isfinite(vol).all():
        fail(path, 'values', 'finite numbers', 'NaN or inf')
    if vol.size and (vol.min() < 0 or vol.max() > top):
        fail(path, 'values', f'{bits}-bit values in [0, {top}] (--bits)',
             f'[{vol.min():g}, {vol.max():g}]')
    frames = (vol * (255.0 / top)).astype(np.uint8)
    return np.ascontiguousarray(np.moveaxis(frames, 2, 0))


def _save_npy(path: str, frames: np.ndarray) -> None:
    """Write once; an existing file is kept only when it holds the same
    frames (a file of other content is never overwritten)."""
    if osp.exists(path):
        try:
            same = np.array_equal(np.load(path, allow_pickle=False), frames)
        except (OSError, ValueError):
            same = False
        if not same:
            raise ConversionError(
                f'{path}: expected a new file, got an existing file with '
                'other content (not overwritten; move it away or choose '
                'another output folder)')
        return
    atomic_write(path, writer=lambda tmp: np.save(tmp, frames))


def import_nifti_points(nifti_dir: str, points_csv: str, out_dir: str, *,
                        bits: int = 12, prefix_length: int = 7,
                        view_order: Sequence[str] = PAIR_VIEWS,
                        series_info: Optional[str] = None,
                        progress=None) -> Tuple[Dict[str, dict], List[str]]:
    """Convert the volumes the CSV names into ``out_dir/series/*.npy``.

    Args:
        nifti_dir (str): Folder of the volumes.
        points_csv (str): The ``ImageName;PointNo;x;y`` CSV.
        out_dir (str): Output folder (``series/`` is written below it).
        bits (int): Bit depth of the volumes' values (12).
        prefix_length (int): Characters a PA+LAT pair's names share (7).
        view_order (Sequence[str]): Views of a pair's first and second
            name in sorted order.
        series_info (str, optional): CSV ``ImageName,patient_id[,
            acquisition_datetime][,view]``.
        progress (callable, optional): Called once per converted volume.

    Returns:
        tuple: ``(series, unlabelled)``: series records keyed by image name
        (:mod:`.writer`), and the image names left out as not labelled.

    Raises:
        ConversionError: naming the file, the row or field, what was
            expected and what came.
    """
    if sorted(view_order) != sorted(PAIR_VIEWS):
        raise ValueError(f'view_order: expected PA and LAT in some order, '
                         f'got {list(view_order)}')
    if not 1 <= int(bits) <= 16:
        raise ValueError(f'bits: expected 1..16, got {bits!r}')
    points = read_author_points(points_csv)
    info = read_series_info(series_info) if series_info else {}
    unlabelled = sorted(n for n, p in points.items() if p['label'] is None)
    labelled = [n for n in points if points[n]['label'] is not None]
    series = {}
    os.makedirs(osp.join(out_dir, 'series'), exist_ok=True)
    for group in pair_by_prefix(labelled, prefix_length):
        pair_id = group[0][:prefix_length] if len(group) == 2 else None
        for k, name in enumerate(group):
            item = points[name]
            frames = volume_to_frames(
                find_volume(nifti_dir, name, item['where']), bits)
            t, h, w = frames.shape
            check_points_inside(item['where'], item['points'], w, h)
            extra = info.get(name, {})
            view = extra.get('view') or (view_order[k] if pair_id else
                                         'unknown')
            path = osp.join(out_dir, 'series', name + '.npy')
            _save_npy(path, frames)
            series[name] = dict(
                path=path, series_id=name,
                patient_id=extra.get('patient_id') or group[0][:prefix_length],
                pair_id=pair_id, view=view, num_frames=t, width=w, height=h,
                acquisition_datetime=extra.get('acquisition_datetime'),
                label=item['label'], thrombus_points=item['points'])
            if progress is not None:
                progress()
    if not series:
        raise ConversionError(f'{points_csv}: expected at least one labelled '
                              f'image, got none ({len(unlabelled)} not '
                              'labelled)')
    return series, unlabelled
