"""The one place that writes mmdsa's annotation formats from imported
series (every importer and the DICOM-folder converter use it).

A *series record* is a dict with ``path`` (the series file or folder),
``patient_id``, ``num_frames``, ``width``, ``height``, ``view``,
``acquisition_datetime``, ``label`` and optionally ``series_id``,
``pair_id``, ``occlusion_level``, ``flags`` and ``thrombus_points``
(``[[x, y], ...]`` in pixels). Boxes are ``{(key, frame): [x1, y1, x2,
y2]}`` with ``key`` the record's key in the ``series`` dict.
"""
import os.path as osp
from typing import Dict, List, Tuple

from mmdsa.datasets.annotations import (AnnotationError,
                                        check_label_and_boxes)
from mmdsa.datasets.pair_rules import harmonise_pair_labels
from mmdsa.structures import CLASSIFICATION_CLASSES, DETECTION_CLASSES
from mmdsa.utils.fileio import write_json_atomic
from .errors import ConversionError

Boxes = Dict[Tuple[str, int], List[float]]


def series_ids(files) -> Dict[str, str]:
    """A unique series id for each file path (relative to the data folder).

    The file name without extension when it is unique, else the path
    without extension with its separators written as ``__``.

    Raises:
        ConversionError: two files still get the same id; names both paths.
    """
    def short(rel):
        return osp.splitext(osp.basename(rel))[0]

    def long(rel):
        parts = osp.normpath(osp.splitext(rel)[0]).replace('\\', '/')
        return '__'.join(p for p in parts.split('/') if p not in ('', '.'))

    counts = {}
    for rel in files:
        counts[short(rel)] = counts.get(short(rel), 0) + 1
    ids, owner = {}, {}
    for rel in sorted(files):
        sid = short(rel) if counts[short(rel)] == 1 else long(rel)
        if sid in owner:
            raise ConversionError(
                f'{owner[sid]} and {rel}: both would get series_id '
                f'{sid!r}; rename one of the files')
        owner[sid] = rel
        ids[rel] = sid
    return ids


def record_ids(series: Dict[str, dict]) -> Dict[str, str]:
    """Series ids: a record's own ``series_id`` (checked unique), else
    :func:`series_ids` of the keys."""
    derived = series_ids([k for k, s in series.items()
                          if not s.get('series_id')])
    ids, owner = {}, {}
    for key in sorted(series):
        sid = series[key].get('series_id') or derived[key]
        if sid in owner:
            raise ConversionError(
                f'{owner[sid]} and {key}: both would get series_id {sid!r}; '
                'rename one of them')
        owner[sid], ids[key] = key, sid
    return ids


def check_detection(series: Dict[str, dict], boxes: Boxes,
                    where: str) -> None:
    """Apply the loader's label/box rule to every series.

    Raises:
        ConversionError: a label-1 series without boxes or a label-0 series
            with boxes, naming ``where`` and the series.
    """
    counts = {}
    for key, _ in boxes:
        counts[key] = counts.get(key, 0) + 1
    for key, s in sorted(series.items()):
        try:
            check_label_and_boxes(f'{where}: {key}', s['label'],
                                  counts.get(key, 0))
        except AnnotationError as exc:
            raise ConversionError(str(exc)) from None


def harmonise_series(series: Dict[str, dict]) -> Tuple[Dict[str, dict], int]:
    """Apply the paper's pair rule to the records (see
    :func:`mmdsa.datasets.pair_rules.harmonise_pair_labels`).

    Returns:
        tuple: (records, number of labels changed from 0 to 1).
    """
    keys = sorted(series)
    entries = [dict(series[k], series_id=k) for k in keys]
    entries, changed = harmonise_pair_labels(entries)
    out = {}
    for k, e in zip(keys, entries):
        e.pop('series_id')
        if series[k].get('series_id'):
            e['series_id'] = series[k]['series_id']
        out[k] = e
    return out, changed


def build_annotations(series: Dict[str, dict], boxes: Boxes,
                      out_path: str) -> Tuple[dict, dict]:
    """The classification and the detection annotation dicts.

    Args:
        series (dict): ``key -> series record`` (module docstring).
        boxes (dict): ``(key, frame) -> [x1, y1, x2, y2]``.
        out_path (str): The file the result is written to: paths inside
            are relative to its folder.

    Returns:
        tuple[dict, dict]: (classification, detection), each in the layout
        of ``docs/data_formats.md``; the detection file lists every frame
        of every series.
    """
    base = osp.dirname(osp.abspath(out_path))
    rel = {k: osp.relpath(osp.abspath(v['path']), base).replace('\\', '/')
           for k, v in series.items()}
    cls = dict(metainfo=dict(classes=list(CLASSIFICATION_CLASSES),
                             task='thrombus'), data_list=[])
    det = dict(categories=[dict(id=1, name=DETECTION_CLASSES[0])], videos=[],
               images=[], annotations=[])
    sids = record_ids(series)
    for vid, (key, s) in enumerate(sorted(series.items()), 1):
        common = dict(patient_id=s['patient_id'], pair_id=s.get('pair_id'),
                      view=s['view'], file=rel[key], label=s['label'],
                      num_frames=s['num_frames'],
                      acquisition_datetime=s['acquisition_datetime'])
        cls['data_list'].append(dict(
            series_id=sids[key], **common,
            thrombus_points=[list(p) for p in s.get('thrombus_points', [])],
            occlusion_level=s.get('occlusion_level'),
            flags=s.get('flags', [])))
        det['videos'].append(dict(id=vid, name=sids[key], width=s['width'],
                                  height=s['height'], **common))
        for f in range(s['num_frames']):
            iid = len(det['images']) + 1
            det['images'].append(dict(id=iid, video_id=vid, frame_id=f,
                                      file_name=rel[key], width=s['width'],
                                      height=s['height']))
            if (key, f) in boxes:
                x1, y1, x2, y2 = boxes[(key, f)]
                det['annotations'].append(dict(
                    id=len(det['annotations']) + 1, image_id=iid,
                    video_id=vid, category_id=1,
                    bbox=[x1, y1, x2 - x1, y2 - y1],
                    area=(x2 - x1) * (y2 - y1), iscrowd=0))
    return cls, det


def write_detection_file(series: Dict[str, dict], boxes: Boxes,
                         out_path: str) -> str:
    """Write the detection annotation file (atomically).

    Returns:
        str: A one-line summary (series, positives, boxes).
    """
    write_json_atomic(out_path, build_annotations(series, boxes,
                                                  out_path)[1])
    positive = sum(s['label'] for s in series.values())
    return (f'{out_path}: {len(series)} series ({positive} positive), '
            f'{len(boxes)} boxes')
