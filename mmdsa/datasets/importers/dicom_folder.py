"""A folder of DICOM series plus CSVs of labels, boxes and thrombus points
(``tools/dataset_converters/dicom_folder_to_annotations.py``).

- labels CSV: ``file,label[,patient_id,pair_id,view,occlusion_level,flags]``;
- boxes CSV: ``file,frame,x1,y1,x2,y2`` (pixels, 0-based frame);
- points CSV: ``file,x,y`` (one row per thrombus point), or the
  classification authors' ``ImageName;PointNo;x;y`` with ``ImageName`` the
  file's path below the folder without extension
  (:mod:`mmdsa.datasets.importers.points_csv`).

``file`` is relative to the DICOM folder. Header facts (patient, frames,
size, acquisition time, view) come from the DICOM unless the labels CSV
gives them.
"""
import csv
import os.path as osp
from typing import Optional, Tuple

from mmengine.utils import ProgressBar

from mmdsa.datasets.annotations import (OCCLUSION_LEVELS, SERIES_FLAGS,
                                        AnnotationError,
                                        check_label_and_boxes)
from mmdsa.structures import VIEWS
from .dicom_header import read_dicom_header
from .errors import ConversionError
from .points_csv import check_points_inside, read_thrombus_points
from .writer import Boxes


def read_header(root: str, rel: str, where: str) -> dict:
    """:func:`read_dicom_header` of ``root/rel``, naming the CSV row."""
    path = osp.join(root, rel)
    if not osp.exists(path):
        raise ConversionError(f'{where}: field "file": expected a file under '
                              f'{root}, got {rel!r} (not found)')
    return read_dicom_header(path, where)


def csv_rows(path, required):
    """``(where, row)`` of a CSV whose header holds ``required``.

    One CSV reader for every table (:func:`mmdsa.fileio.csv_table.
    read_csv_rows`): a UTF-8 byte-order mark is accepted, other encodings
    are refused in one line naming the line and byte.
    """
    from mmdsa.fileio.csv_table import CSVTableError, read_csv_rows
    try:
        yield from read_csv_rows(path, required)
    except CSVTableError as exc:
        raise ConversionError(str(exc)) from None


def _number(where, row, field, cast):
    try:
        return cast(row[field])
    except (TypeError, ValueError):
        raise ConversionError(f'{where}: field "{field}": expected a number, '
                              f'got {row[field]!r}') from None


def _label_row(root, where, row):
    label = row['label'].strip()
    if label not in ('0', '1'):
        raise ConversionError(f'{where}: field "label": expected 0 or 1, '
                              f'got {row["label"]!r}')
    info = read_header(root, row['file'], where)
    info['label'] = int(label)
    for key in ('patient_id', 'pair_id', 'view'):
        if (row.get(key) or '').strip():
            info[key] = row[key].strip()
    level = (row.get('occlusion_level') or '').strip() or None
    if level is not None and level not in OCCLUSION_LEVELS:
        raise ConversionError(f'{where}: field "occlusion_level": expected '
                              f'one of {OCCLUSION_LEVELS} or empty, got '
                              f'{level!r}')
    if level is not None and info['label'] == 0:
        raise ConversionError(f'{where}: field "occlusion_level": expected '
                              f'empty on a series labelled 0, got {level!r}')
    info['occlusion_level'] = level
    flags = [f.strip() for f in (row.get('flags') or '').split(';')
             if f.strip()]
    bad = [f for f in flags if f not in SERIES_FLAGS]
    if bad:
        raise ConversionError(f'{where}: field "flags": expected '
                              f'";"-separated values of {SERIES_FLAGS}, got '
                              f'{bad}')
    info['flags'] = sorted(set(flags))
    if info['view'] not in VIEWS:
        raise ConversionError(f'{where}: field "view": expected PA or LAT, '
                              f'got {info["view"]!r}')
    if not info['patient_id']:
        raise ConversionError(f'{where}: field "patient_id": expected a '
                              'value (CSV or DICOM PatientID), got none')
    return info


def _add_points(root, series, points_csv):
    """Thrombus points onto the records (a series with points is
    positive; one labelled 0 in the labels CSV is refused)."""
    by_stem = {osp.splitext(k)[0].replace('\\', '/'): k for k in series}
    for name, item in read_thrombus_points(points_csv).items():
        where = item['where']
        key = name if name in series else by_stem.get(name)
        if key is None:
            if item['label'] != 1:
                continue          # an unlabelled or negative image: no news
            candidates = [name] + [name + e for e in ('.dcm', '.DCM')]
            key = next((c for c in candidates
                        if osp.exists(osp.join(root, c))), name)
            series[key] = dict(read_header(root, key, where), label=1)
        info = series[key]
        if item['label'] == 1 and info['label'] == 0:
            raise ConversionError(
                f'{where}: field "label": expected 1 for {key} (it has '
                f'{len(item["points"])} thrombus points), got 0 in the '
                'labels CSV')
        if item['label'] == 0 and info['label'] == 1 and not item['points']:
            raise ConversionError(
                f'{where}: field "PointNo": expected thrombus points for '
                f'{key} (the labels CSV gives it label 1), got a '
                'thrombus-free row (only PointNo 0, x > 0)')
        check_points_inside(f'{where} ({key})', item['points'],
                            info['width'], info['height'])
        info['thrombus_points'] = [list(p) for p in item['points']]


def collect(root: str, labels_csv: Optional[str], boxes_csv: Optional[str],
            points_csv: Optional[str] = None) -> Tuple[dict, Boxes]:
    """Read the CSVs and the DICOM headers they name.

    Returns:
        tuple: ``(series, boxes)``: ``file -> series record`` (see
        :mod:`mmdsa.datasets.importers.writer`) and ``(file, frame) ->
        [x1, y1, x2, y2]``. A file only in the boxes or points CSV is
        labelled 1.

    Raises:
        ConversionError: naming the CSV row and field.
    """
    series, boxes = {}, {}
    if labels_csv:
        rows = list(csv_rows(labels_csv, ['file', 'label']))
        bar = ProgressBar(len(rows))
        for where, row in rows:
            if row['file'] in series:
                old = series[row['file']]['label']
                if str(old) != row['label'].strip():
                    raise ConversionError(
                        f'{where}: field "label": {row["file"]!r} is listed '
                        f'again with label {row["label"].strip()}, earlier '
                        f'with {old}; expected one row per file')
                raise ConversionError(
                    f'{where}: field "file": {row["file"]!r} is listed '
                    'twice; expected one row per file')
            series[row['file']] = _label_row(root, where, row)
            bar.update()
    if boxes_csv:
        for where, row in csv_rows(boxes_csv,
                                   ['file', 'frame', 'x1', 'y1', 'x2', 'y2']):
            if row['file'] not in series:
                series[row['file']] = dict(
                    read_header(root, row['file'], where), label=1)
            info = series[row['file']]
            frame = _number(where, row, 'frame', int)
            box = [_number(where, row, k, float)
                   for k in ('x1', 'y1', 'x2', 'y2')]
            if not 0 <= frame < info['num_frames']:
                raise ConversionError(f'{where}: field "frame": expected 0..'
                                      f'{info["num_frames"] - 1}, got '
                                      f'{frame}')
            if not (0 <= box[0] < box[2] <= info['width']
                    and 0 <= box[1] < box[3] <= info['height']):
                raise ConversionError(
                    f'{where}: fields "x1,y1,x2,y2": expected a non-empty box '
                    f'inside the {info["width"]}x{info["height"]} image, got '
                    f'{box}')
            if (row['file'], frame) in boxes:
                raise ConversionError(f'{where}: field "frame": expected one '
                                      f'box per frame, frame {frame} repeats')
            boxes[(row['file'], frame)] = box
            try:
                check_label_and_boxes(f'{where} ({row["file"]})',
                                      info['label'], 1)
            except AnnotationError as exc:
                raise ConversionError(str(exc)) from None
    if points_csv:
        _add_points(root, series, points_csv)
    for key, info in series.items():
        if not info.get('patient_id'):
            raise ConversionError(f'{key}: field "patient_id": expected a '
                                  'value (labels CSV or DICOM PatientID), '
                                  'got none')
    return series, boxes
