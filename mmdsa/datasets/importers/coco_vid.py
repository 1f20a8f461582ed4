"""COCO-VID annotations as mmtracking and CVAT write them.

The layout (mmtracking's ``CocoVID``): ``categories`` (``id``, ``name``),
``videos`` (``id``, ``name``), ``images`` (``id``, ``video_id``,
``frame_id`` 0-based, ``file_name``, ``width``, ``height``) and
``annotations`` (``id``, ``image_id``, ``category_id``, ``bbox`` as
``[x, y, w, h]`` in pixels, optional ``instance_id``, ``video_id``,
``iscrowd``). Frames are the annotator's frame images; the series is found
by the video's name under a DICOM folder
(:func:`mmdsa.datasets.importers.locate.find_series_file`), and the rest
(frame count, size, patient, view, acquisition time) is read from its
header. A video may carry mmdsa's own fields (``file``, relative to the
DICOM folder, ``patient_id``, ``pair_id``, ``view``, ``label``); they win
over the lookup and the header.

Label: a video with a box of the chosen category is positive, one without
is negative, unless the video gives ``label`` (checked against its boxes).
"""
import math
import os.path as osp
from typing import Dict, Optional, Tuple

from mmdsa.datasets.annotations import (AnnotationError, _read_json,
                                        check_label_and_boxes)
from mmdsa.structures import VIEWS
from .dicom_header import read_dicom_header
from .errors import ConversionError, fail
from .locate import find_series_file
from .writer import Boxes


def _field(path, entry, obj, key, types, expected, optional=False):
    if key not in obj or obj[key] is None:
        if optional:
            return None
        fail(f'{path}: {entry}', key, expected, '<missing>')
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, types):
        fail(f'{path}: {entry}', key, expected, value)
    return value


def _section(path, data, key):
    value = data.get(key)
    if not isinstance(value, list):
        fail(f'{path}: top level', key, 'a list (COCO-VID: categories, '
             'videos, images, annotations)',
             '<missing>' if value is None else type(value).__name__)
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            fail(f'{path}: {key}[{i}]', '<entry>', 'an object', item)
    return value


def _category(path, cats, category):
    names = {}
    for i, cat in enumerate(cats):
        cid = _field(path, f'categories[{i}]', cat, 'id', (int, ),
                     'an integer id')
        name = _field(path, f'categories[{i}]', cat, 'name', (str, ),
                      'a string')
        if cid in names.values():
            fail(f'{path}: categories[{i}]', 'id', 'a unique id', cid)
        names[name] = cid
    if category is not None:
        if category not in names:
            fail(f'{path}: categories', 'name',
                 f'the category {category!r} (--category)', sorted(names))
        return names[category]
    if len(names) != 1:
        fail(f'{path}: categories', 'name',
             'one category, or --category to choose one', sorted(names))
    return next(iter(names.values()))


def _video(path, i, raw, root, name_map):
    entry = f'videos[{i}]'
    vid = _field(path, entry, raw, 'id', (int, ), 'an integer id')
    entry = f'videos[{i}] (id={vid})'
    name = _field(path, entry, raw, 'name', (str, ), 'a non-empty string')
    if not name:
        fail(f'{path}: {entry}', 'name', 'a non-empty string', name)
    where = f'{path}: {entry}'
    file = _field(path, entry, raw, 'file', (str, ), 'a file path',
                  optional=True)
    series = osp.join(root, file) if file else \
        find_series_file(name, root, where, name_map)
    info = read_dicom_header(series, where)
    for key in ('patient_id', 'pair_id', 'view'):
        value = _field(path, entry, raw, key, (str, ), 'a string',
                       optional=True)
        if value:
            info[key] = value
    if info['view'] not in VIEWS:
        fail(where, 'view', f'one of {VIEWS}', info['view'])
    if not info['patient_id']:
        fail(where, 'patient_id', 'a value (the video\'s patient_id or the '
             'DICOM PatientID)', '')
    label = _field(path, entry, raw, 'label', (int, ), '0 or 1',
                   optional=True)
    if label is not None and label not in (0, 1):
        fail(where, 'label', '0 or 1', label)
    info.update(series_id=name, label=label, _where=where, _frames={})
    return vid, info


def _frame(path, i, raw, videos):
    entry = f'images[{i}]'
    iid = _field(path, entry, raw, 'id', (int, ), 'an integer id')
    entry = f'images[{i}] (id={iid})'
    where = f'{path}: {entry}'
    vid = _field(path, entry, raw, 'video_id', (int, ),
                 'the id of an entry of "videos" (COCO-VID, not plain COCO)')
    if vid not in videos:
        fail(where, 'video_id', 'the id of an entry of "videos"', vid)
    info = videos[vid]
    fid = _field(path, entry, raw, 'frame_id', (int, ),
                 'a 0-based frame index')
    if not 0 <= fid < info['num_frames']:
        fail(where, 'frame_id', f'an index in [0, {info["num_frames"] - 1}] '
             f'(the DICOM series {info["path"]} has {info["num_frames"]} '
             'frames)', fid)
    if fid in info['_frames']:
        fail(where, 'frame_id', f'a frame not listed before in video {vid}',
             f'{fid} (already image {info["_frames"][fid]})')
    info['_frames'][fid] = iid
    size = [_field(path, entry, raw, k, (int, ), 'a positive integer',
                   optional=True) for k in ('width', 'height')]
    if None not in size and tuple(size) != (info['width'], info['height']):
        fail(where, 'width/height', f'the DICOM series\' size '
             f'{info["width"]}x{info["height"]} ({info["path"]}): boxes '
             'drawn on resized frames cannot be mapped',
             f'{size[0]}x{size[1]}')
    return iid, (vid, fid)


def _box(path, i, raw, frames, videos, category_id, boxes, owner):
    entry = f'annotations[{i}]'
    aid = _field(path, entry, raw, 'id', (int, ), 'an integer id')
    entry = f'annotations[{i}] (id={aid})'
    where = f'{path}: {entry}'
    iid = _field(path, entry, raw, 'image_id', (int, ), 'an image id')
    if iid not in frames:
        fail(where, 'image_id', 'the id of an entry of "images"', iid)
    vid, fid = frames[iid]
    given = _field(path, entry, raw, 'video_id', (int, ), 'a video id',
                   optional=True)
    if given is not None and given != vid:
        fail(where, 'video_id', f'{vid} (the video of image {iid})', given)
    cid = _field(path, entry, raw, 'category_id', (int, ), 'a category id')
    if cid != category_id:
        return False
    box = _field(path, entry, raw, 'bbox', (list, ),
                 '[x, y, w, h] in pixels')
    if len(box) != 4 or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool)
            and math.isfinite(v) for v in box):
        fail(where, 'bbox', '[x, y, w, h] of 4 finite numbers', box)
    x, y, w, h = (float(v) for v in box)
    info = videos[vid]
    if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > info['width'] or \
            y + h > info['height']:
        fail(where, 'bbox', f'a box with w, h > 0 inside the '
             f'{info["width"]}x{info["height"]} frame', box)
    key = (info['series_id'], fid)
    if key in boxes:
        fail(where, 'image_id', 'at most one box per frame (one perforation '
             'per series)', f'{iid} (annotation {owner[key]} is on it too)')
    boxes[key], owner[key] = [x, y, x + w, y + h], aid
    return True


def import_coco_vid(path: str, dicom_root: str,
                    name_map: Optional[Dict[str, str]] = None,
                    category: Optional[str] = None
                    ) -> Tuple[Dict[str, dict], Boxes]:
    """Read a COCO-VID file and the headers of the series it names.

    Args:
        path (str): The COCO-VID JSON file.
        dicom_root (str): Folder of the DICOM series.
        name_map (dict, optional): ``video name -> file below dicom_root``.
        category (str, optional): Category name of the perforation boxes;
            needed when the file has several categories.

    Returns:
        tuple: ``(series, boxes)`` keyed by video name (series records of
        :mod:`mmdsa.datasets.importers.writer`).

    Raises:
        ConversionError: anything not understood, naming the file, the
            entry, the field, what was expected and what came.
    """
    try:
        data = _read_json(path)
    except AnnotationError as exc:
        raise ConversionError(str(exc)) from None
    if not isinstance(data, dict):
        fail(f'{path}: top level', '<root>', 'a JSON object',
             type(data).__name__)
    category_id = _category(path, _section(path, data, 'categories'),
                            category)
    videos, names = {}, {}
    for i, raw in enumerate(_section(path, data, 'videos')):
        vid, info = _video(path, i, raw, dicom_root, name_map)
        if vid in videos:
            fail(info['_where'], 'id', 'a unique id', vid)
        if info['series_id'] in names:
            fail(info['_where'], 'name', 'a unique video name',
                 f'{info["series_id"]!r} (video {names[info["series_id"]]})')
        videos[vid], names[info['series_id']] = info, vid
    if not videos:
        raise ConversionError(f'{path}: top level: field "videos": expected '
                              'at least one video, got none')
    frames = {}
    for i, raw in enumerate(_section(path, data, 'images')):
        iid, frame = _frame(path, i, raw, videos)
        if iid in frames:
            fail(f'{path}: images[{i}]', 'id', 'a unique id', iid)
        frames[iid] = frame
    boxes, owner, ids = {}, {}, set()
    for i, raw in enumerate(_section(path, data, 'annotations')):
        aid = raw.get('id')
        if aid in ids:
            fail(f'{path}: annotations[{i}]', 'id', 'a unique id', aid)
        ids.add(aid)
        _box(path, i, raw, frames, videos, category_id, boxes, owner)
    series = {}
    for info in videos.values():
        name = info['series_id']
        count = sum(1 for key in boxes if key[0] == name)
        if info['label'] is None:
            info['label'] = int(count > 0)
        try:
            check_label_and_boxes(info.pop('_where'), info['label'], count)
        except AnnotationError as exc:
            raise ConversionError(str(exc)) from None
        info.pop('_frames')
        series[name] = info
    return series, boxes
