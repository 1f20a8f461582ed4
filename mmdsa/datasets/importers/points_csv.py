"""Thrombus point CSVs: the classification authors' layout and a plain one.

Authors' layout (Mittmann et al.'s public code), ``;``-separated with the
header ``ImageName;PointNo;x;y``: per image one row ``PointNo`` 0 and one
row per thrombus point numbered 1, 2, ... . An image with only row 0 is
thrombus-free when its ``x`` is positive and not labelled (not read by
the radiologist) otherwise; an image with points is positive. ``ImageName``
is the volume's file name without extension.

Plain layout, ``,``-separated with the header ``file,x,y``: one row per
point, ``file`` as in the converter's labels CSV. A series with a point is
positive.
"""
import csv
import math
from typing import Dict

from .errors import ConversionError

AUTHOR_COLUMNS = ('ImageName', 'PointNo', 'x', 'y')
PLAIN_COLUMNS = ('file', 'x', 'y')


def _number(where, row, field, integer=False):
    text = (row.get(field) or '').strip()
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        kind = 'an integer' if integer else 'a number'
        raise ConversionError(f'{where}: field "{field}": expected {kind}, '
                              f'got {row.get(field)!r}') from None
    if not integer and not math.isfinite(value):
        raise ConversionError(f'{where}: field "{field}": expected a finite '
                              f'number, got {row.get(field)!r}')
    return value


def _name(where, row, field):
    name = (row.get(field) or '').strip()
    if not name:
        raise ConversionError(f'{where}: field "{field}": expected a file '
                              f'name, got {row.get(field)!r}')
    return name


def _header(path):
    with open(path, encoding='utf-8-sig') as f:
        return f.readline().strip()


def read_author_points(path: str) -> Dict[str, dict]:
    """Read the authors' ``ImageName;PointNo;x;y`` CSV.

    Returns:
        dict: ``image name -> {'label': 1 | 0 | None, 'points': [[x, y],
        ...], 'where': 'FILE: row N'}`` (``None``: not labelled).

    Raises:
        ConversionError: another header, a non-integer ``PointNo``, a
            non-numeric coordinate, an image without row 0, repeated or
            missing point numbers; the message names the file and row.
    """
    with open(path, newline='', encoding='utf-8-sig') as f:
        reader = csv.DictReader(f, delimiter=';')
        if tuple(reader.fieldnames or ()) != AUTHOR_COLUMNS:
            raise ConversionError(
                f'{path}: header: expected {";".join(AUTHOR_COLUMNS)}, got '
                f'{";".join(reader.fieldnames or [])!r}')
        rows = {}
        for i, row in enumerate(reader, start=2):
            where = f'{path}: row {i}'
            name = _name(where, row, 'ImageName')
            no = _number(where, row, 'PointNo', integer=True)
            xy = [_number(where, row, 'x'), _number(where, row, 'y')]
            image = rows.setdefault(name, {})
            if no in image:
                raise ConversionError(
                    f'{where}: field "PointNo": expected a number not given '
                    f'before for {name!r}, got {no} (row {image[no][0]})')
            image[no] = (i, xy)
    out = {}
    for name, image in rows.items():
        first = min(r for r, _ in image.values())
        where = f'{path}: row {first} ({name})'
        if 0 not in image:
            raise ConversionError(f'{where}: field "PointNo": expected a row '
                                  f'0 for each image, got {sorted(image)}')
        numbers = sorted(n for n in image if n != 0)
        if numbers != list(range(1, len(numbers) + 1)):
            raise ConversionError(f'{where}: field "PointNo": expected 0, 1, '
                                  f'2, ... without gaps, got {sorted(image)}')
        points = [image[n][1] for n in numbers]
        if points:
            label = 1
        else:
            label = 0 if image[0][1][0] > 0 else None
        out[name] = dict(label=label, points=points, where=where)
    return out


def read_plain_points(path: str) -> Dict[str, dict]:
    """Read a ``file,x,y`` CSV (one row per point).

    Returns:
        dict: ``file -> {'label': 1, 'points': [[x, y], ...], 'where'}``.
    """
    with open(path, newline='', encoding='utf-8-sig') as f:
        reader = csv.DictReader(f)
        missing = [c for c in PLAIN_COLUMNS
                   if c not in (reader.fieldnames or [])]
        if missing:
            raise ConversionError(
                f'{path}: header: expected columns {",".join(PLAIN_COLUMNS)} '
                f'(or the authors\' {";".join(AUTHOR_COLUMNS)}), missing '
                f'{missing}')
        out = {}
        for i, row in enumerate(reader, start=2):
            where = f'{path}: row {i}'
            name = _name(where, row, 'file')
            xy = [_number(where, row, 'x'), _number(where, row, 'y')]
            out.setdefault(name, dict(label=1, points=[], where=where))
            out[name]['points'].append(xy)
    return out


def read_thrombus_points(path: str) -> Dict[str, dict]:
    """Either layout, told apart by the header line."""
    if _header(path).split(';')[0].strip() == AUTHOR_COLUMNS[0]:
        return read_author_points(path)
    return read_plain_points(path)


def check_points_inside(where: str, points, width: int, height: int) -> None:
    """Refuse a point outside the ``width`` x ``height`` image."""
    for x, y in points:
        if not (0 <= x < width and 0 <= y < height):
            raise ConversionError(
                f'{where}: fields "x,y": expected a point inside the '
                f'{width}x{height} image, got [{x:g}, {y:g}]')
