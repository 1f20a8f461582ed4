"""Find the DICOM series an annotation names (video, task or image name).

COCO-VID and CVAT files name a video, not a DICOM file. The importers
find it under a root folder, in this order:

1. a name map CSV (``name,file``; ``file`` relative to the root) when given;
2. ``ROOT/NAME`` (a DICOM file without extension, or a folder of
   single-frame DICOM files);
3. ``ROOT/NAME.dcm``, ``ROOT/NAME.DCM``, ``ROOT/NAME.dicom``;
4. the same with the name's own extension (``S1.mp4`` -> ``S1``) removed.
"""
import csv
import os.path as osp
from typing import Dict, Optional

from .errors import ConversionError

DICOM_EXTENSIONS = ('.dcm', '.DCM', '.dicom')


def read_name_map(path: str) -> Dict[str, str]:
    """Read a ``name,file`` CSV (one row per series).

    Raises:
        ConversionError: a missing column, an empty cell or a name given
            twice; the message names the file and row.
    """
    with open(path, newline='', encoding='utf-8') as f:
        reader = csv.DictReader(f)
        missing = [c for c in ('name', 'file')
                   if c not in (reader.fieldnames or [])]
        if missing:
            raise ConversionError(
                f'{path}: header: expected columns name,file, got '
                f'{reader.fieldnames}')
        out, rows = {}, {}
        for i, row in enumerate(reader, start=2):
            name, file = (row['name'] or '').strip(), \
                (row['file'] or '').strip()
            if not name or not file:
                field = 'name' if not name else 'file'
                raise ConversionError(f'{path}: row {i}: field "{field}": '
                                      f'expected a value, got {row[field]!r}')
            if name in out:
                raise ConversionError(
                    f'{path}: row {i}: field "name": expected a name not '
                    f'listed before, got {name!r} (row {rows[name]})')
            out[name], rows[name] = file, i
    return out


def find_series_file(name: str, root: str, where: str,
                     name_map: Optional[Dict[str, str]] = None) -> str:
    """The series file (or folder) for an annotation's video name.

    Args:
        name (str): The video / task name of the annotation file.
        root (str): Folder of the DICOM series.
        where (str): The annotation file and entry, for the message.
        name_map (dict, optional): ``name -> path relative to root``.

    Returns:
        str: The path of the DICOM file or folder.

    Raises:
        ConversionError: nothing found; the message lists what was tried.
    """
    if name_map is not None and name in name_map:
        path = osp.join(root, name_map[name])
        if not osp.exists(path):
            raise ConversionError(
                f'{where}: name {name!r}: expected the series file the name '
                f'map gives, got {path!r} (not found)')
        return path
    stems = [name]
    stem, ext = osp.splitext(name)
    if ext and stem:
        stems.append(stem)
    tried = []
    for s in stems:
        for candidate in [s] + [s + e for e in DICOM_EXTENSIONS]:
            path = osp.join(root, candidate)
            tried.append(candidate)
            if osp.exists(path):
                return path
    hint = '' if name_map is not None else \
        '; give a name map CSV (name,file) for other file names'
    raise ConversionError(
        f'{where}: name {name!r}: expected a DICOM series under {root} '
        f'(tried {", ".join(tried)}), got none{hint}')
