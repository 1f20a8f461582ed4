"""Loaders and validators for mmdsa's two annotation formats.

Both formats are documented in ``docs/data_formats.md`` (and summarised in
``docs/contracts.md``). Every problem raises :class:`AnnotationError` whose
message names the file, the entry (index and id) and the field.
"""
import json
import math
import os.path as osp
from typing import Any, Dict, List

# class names, views and occlusion sites: one place (mmdsa.structures)
from mmdsa.structures.classes import (CLASSIFICATION_CLASSES,  # noqa: F401
                                      DETECTION_CLASSES, OCCLUSION_LEVELS)
from mmdsa.structures.views import VIEWS
# Mittmann et al.'s exclusion reasons (and the uncertain pairs that test
# set 1 leaves out and test set 2 keeps).
SERIES_FLAGS = ('missing_view', 'vertebral_only', 'eca_only', 'uncertain')


class AnnotationError(ValueError):
    """A broken annotation file: names the file, the entry and the field."""


def _fail(path, entry, field, expected, got):
    raise AnnotationError(f'{path}: {entry}: field "{field}": expected '
                          f'{expected}, got {got!r}')


def check_label_and_boxes(where: str, label: int, num_boxes: int) -> None:
    """The one rule tying a detection series' label to its boxes.

    A perforation series (label 1) has at least one box; a series without a
    perforation (label 0) has none. The loader and the DICOM-folder converter
    both apply it.

    Args:
        where (str): File and entry, for the message.
        label (int): 0 or 1.
        num_boxes (int): Boxes on all frames of the series.

    Raises:
        AnnotationError: the label and the boxes disagree.
    """
    if label == 0 and num_boxes:
        raise AnnotationError(
            f'{where}: field "label": expected 1 for a series with boxes '
            f'(a box marks a perforation; it has {num_boxes}), got 0')
    if label == 1 and not num_boxes:
        raise AnnotationError(
            f'{where}: field "label": expected 0 for a series without '
            'boxes (a perforation series needs at least one box), got 1')


def check_has_series(path: str, count: int, what: str = 'series') -> None:
    """Refuse an annotation file (or a filtered subset) with no series.

    Raises:
        AnnotationError: ``count == 0``; the message names the file.
    """
    if count == 0:
        raise AnnotationError(f'{path}: holds no {what}: expected at least '
                              'one series')


def _read_json(path: str) -> Any:
    if not osp.isfile(path):
        raise AnnotationError(f'{path}: annotation file not found')
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except json.JSONDecodeError as exc:
        raise AnnotationError(
            f'{path}: not valid JSON (line {exc.lineno}, column '
            f'{exc.colno}: {exc.msg})') from exc
    except UnicodeDecodeError as exc:
        raise AnnotationError(f'{path}: not UTF-8 text ({exc})') from exc


def _get(path, entry, obj, field, types, expected, optional=False,
         default=None):
    """Read ``obj[field]`` and check its type (bool is never an int)."""
    if field not in obj or (optional and obj[field] is None):
        if optional:
            return default
        _fail(path, entry, field, expected, '<missing>')
    value = obj[field]
    if isinstance(value, bool) and bool not in types:
        _fail(path, entry, field, expected, value)
    if not isinstance(value, types):
        _fail(path, entry, field, expected, value)
    return value


def _check_label(path, entry, obj, field='label'):
    label = _get(path, entry, obj, field, (int, ), '0 or 1')
    if label not in (0, 1):
        _fail(path, entry, field, '0 or 1', label)
    return label


def _check_common_series(path, entry, obj, file_field):
    """Fields shared by classification entries and detection videos."""
    out = dict(
        file=_get(path, entry, obj, file_field, (str, ),
                  'a relative file path (string)'),
        patient_id=_get(path, entry, obj, 'patient_id', (str, ),
                        'a string'),
        acquisition_datetime=_get(
            path, entry, obj, 'acquisition_datetime', (str, ),
            'an ISO date-time string or null', optional=True),
    )
    if not out['file'] or not out['patient_id']:
        field = file_field if not out['file'] else 'patient_id'
        _fail(path, entry, field, 'a non-empty string', obj[field])
    out['pair_id'] = _get(path, entry, obj, 'pair_id', (str, ), 'a string',
                          optional=True, default=None)
    out['view'] = _get(path, entry, obj, 'view', (str, ),
                       f'one of {VIEWS}', optional=True, default='unknown')
    if out['view'] not in VIEWS:
        _fail(path, entry, 'view', f'one of {VIEWS}', out['view'])
    out['num_frames'] = _get(path, entry, obj, 'num_frames', (int, ),
                             'a positive integer')
    if out['num_frames'] < 1:
        _fail(path, entry, 'num_frames', 'a positive integer',
              out['num_frames'])
    return out


def load_classification_annotations(path: str) -> Dict[str, Any]:
    """Load and validate a classification annotation file.

    Args:
        path (str): the JSON file (MMEngine BaseDataset layout with
            ``metainfo`` and ``data_list``).

    Returns:
        dict: ``{'metainfo': dict, 'data_list': list[dict]}``; every entry
        has ``series_id, patient_id, pair_id, view, file, label,
        acquisition_datetime, num_frames, thrombus_points`` (points as a
        list of ``[x, y]`` floats, possibly empty), ``occlusion_level``
        (one of :data:`OCCLUSION_LEVELS` or None; only on positive series)
        and ``flags`` (a list of :data:`SERIES_FLAGS`, possibly empty).

    Raises:
        AnnotationError: bad JSON, a missing or ill-typed field, a label
            other than 0/1, or a duplicated ``series_id``.
    """
    data = _read_json(path)
    if not isinstance(data, dict):
        _fail(path, 'top level', '<root>', 'a JSON object',
              type(data).__name__)
    metainfo = _get(path, 'top level', data, 'metainfo', (dict, ),
                    'an object', optional=True, default={})
    entries = _get(path, 'top level', data, 'data_list', (list, ),
                   'a list of series entries')
    out, seen = [], {}
    for i, raw in enumerate(entries):
        entry = f'data_list[{i}]'
        if not isinstance(raw, dict):
            _fail(path, entry, '<entry>', 'an object', raw)
        sid = _get(path, entry, raw, 'series_id', (str, ),
                   'a non-empty string')
        entry = f'data_list[{i}] (series_id={sid!r})'
        if not sid:
            _fail(path, entry, 'series_id', 'a non-empty string', sid)
        if sid in seen:
            _fail(path, entry, 'series_id', 'a unique id',
                  f'{sid!r} (already used by data_list[{seen[sid]}])')
        seen[sid] = i
        info = _check_common_series(path, entry, raw, 'file')
        info['series_id'] = sid
        info['label'] = _check_label(path, entry, raw)
        points = _get(path, entry, raw, 'thrombus_points', (list, ),
                      'a list of [x, y] points', optional=True, default=[])
        clean = []
        for j, pt in enumerate(points):
            ok = (isinstance(pt, (list, tuple)) and len(pt) == 2
                  and all(isinstance(v, (int, float))
                          and not isinstance(v, bool) and math.isfinite(v)
                          for v in pt))
            if not ok:
                _fail(path, entry, f'thrombus_points[{j}]',
                      'a pair of finite numbers [x, y]', pt)
            clean.append([float(pt[0]), float(pt[1])])
        info['thrombus_points'] = clean
        level = _get(path, entry, raw, 'occlusion_level', (str, ),
                     f'one of {OCCLUSION_LEVELS} or null', optional=True)
        if level is not None and level not in OCCLUSION_LEVELS:
            _fail(path, entry, 'occlusion_level',
                  f'one of {OCCLUSION_LEVELS} or null', level)
        if level is not None and info['label'] == 0:
            _fail(path, entry, 'occlusion_level',
                  'null on a thrombus-free series (label 0)', level)
        info['occlusion_level'] = level
        flags = _get(path, entry, raw, 'flags', (list, ),
                     f'a list of {SERIES_FLAGS}', optional=True, default=[])
        for j, flag in enumerate(flags):
            if flag not in SERIES_FLAGS:
                _fail(path, entry, f'flags[{j}]', f'one of {SERIES_FLAGS}',
                      flag)
        info['flags'] = sorted(set(flags))
        out.append(info)
    check_has_series(path, len(out), 'series (data_list is empty)')
    return dict(metainfo=metainfo, data_list=out)


def _check_dim(path, entry, obj, field):
    value = _get(path, entry, obj, field, (int, ), 'a positive integer')
    if value < 1:
        _fail(path, entry, field, 'a positive integer', value)
    return value


def load_detection_annotations(path: str) -> Dict[str, Any]:
    """Load and validate a CocoVID-style detection annotation file.

    Args:
        path (str): the JSON file with ``categories``, ``videos``,
            ``images`` and ``annotations``.

    Returns:
        dict: ``{'categories': list, 'videos': list[dict]}`` where each
        video dict holds the validated video fields plus ``frames``: a
        list (ordered by ``frame_id``) of ``{'image_id', 'frame_id',
        'file_name', 'width', 'height', 'bboxes': [[x1, y1, x2, y2]]}``.

    Raises:
        AnnotationError: bad JSON, a missing or ill-typed field, duplicated
            ids, an unknown ``video_id`` / ``image_id`` / ``category_id``,
            a frame index outside the series, an empty box or a box outside
            the image, more than one box on a frame.
    """
    data = _read_json(path)
    if not isinstance(data, dict):
        _fail(path, 'top level', '<root>', 'a JSON object',
              type(data).__name__)
    cats = _get(path, 'top level', data, 'categories', (list, ),
                'a list of categories')
    cat_ids = set()
    for i, cat in enumerate(cats):
        entry = f'categories[{i}]'
        if not isinstance(cat, dict):
            _fail(path, entry, '<entry>', 'an object', cat)
        cid = _get(path, entry, cat, 'id', (int, ), 'an integer id')
        _get(path, entry, cat, 'name', (str, ), 'a string')
        if cid in cat_ids:
            _fail(path, entry, 'id', 'a unique id', cid)
        cat_ids.add(cid)
    videos, by_vid = [], {}
    for i, raw in enumerate(
            _get(path, 'top level', data, 'videos', (list, ),
                 'a list of videos')):
        entry = f'videos[{i}]'
        if not isinstance(raw, dict):
            _fail(path, entry, '<entry>', 'an object', raw)
        vid = _get(path, entry, raw, 'id', (int, ), 'an integer id')
        entry = f'videos[{i}] (id={vid})'
        if vid in by_vid:
            _fail(path, entry, 'id', 'a unique id', vid)
        info = _check_common_series(path, entry, raw, 'file')
        info.update(
            id=vid,
            name=_get(path, entry, raw, 'name', (str, ), 'a string'),
            label=_check_label(path, entry, raw),
            width=_check_dim(path, entry, raw, 'width'),
            height=_check_dim(path, entry, raw, 'height'),
            frames=[],
            _entry=entry)
        by_vid[vid] = info
        videos.append(info)
    names = {}
    for v in videos:
        if v['name'] in names:
            _fail(path, v['_entry'], 'name', 'a unique series name',
                  f"{v['name']!r} (already used by {names[v['name']]})")
        names[v['name']] = v['_entry']
    images, frame_seen = {}, {}
    for i, raw in enumerate(
            _get(path, 'top level', data, 'images', (list, ),
                 'a list of images')):
        entry = f'images[{i}]'
        if not isinstance(raw, dict):
            _fail(path, entry, '<entry>', 'an object', raw)
        iid = _get(path, entry, raw, 'id', (int, ), 'an integer id')
        entry = f'images[{i}] (id={iid})'
        if iid in images:
            _fail(path, entry, 'id', 'a unique id', iid)
        vid = _get(path, entry, raw, 'video_id', (int, ), 'a video id')
        if vid not in by_vid:
            _fail(path, entry, 'video_id', 'the id of an entry of "videos"',
                  vid)
        video = by_vid[vid]
        fid = _get(path, entry, raw, 'frame_id', (int, ),
                   'a 0-based frame index')
        if not 0 <= fid < video['num_frames']:
            _fail(path, entry, 'frame_id',
                  f"an index in [0, {video['num_frames'] - 1}] "
                  f"(video {vid} has {video['num_frames']} frames)", fid)
        if (vid, fid) in frame_seen:
            _fail(path, entry, 'frame_id',
                  f'a frame not listed before (video {vid})',
                  f'{fid} (already images[{frame_seen[(vid, fid)]}])')
        frame_seen[(vid, fid)] = i
        frame = dict(
            image_id=iid, frame_id=fid,
            file_name=_get(path, entry, raw, 'file_name', (str, ),
                           'a string', optional=True,
                           default=video['file']),
            width=_check_dim(path, entry, raw, 'width'),
            height=_check_dim(path, entry, raw, 'height'),
            bboxes=[])
        if (frame['width'], frame['height']) != (video['width'],
                                                 video['height']):
            _fail(path, entry, 'width/height',
                  f"the video's size {video['width']}x{video['height']}",
                  f"{frame['width']}x{frame['height']}")
        images[iid] = (frame, video)
        video['frames'].append(frame)
    ann_ids = set()
    for i, raw in enumerate(
            _get(path, 'top level', data, 'annotations', (list, ),
                 'a list of annotations')):
        entry = f'annotations[{i}]'
        if not isinstance(raw, dict):
            _fail(path, entry, '<entry>', 'an object', raw)
        aid = _get(path, entry, raw, 'id', (int, ), 'an integer id')
        entry = f'annotations[{i}] (id={aid})'
        if aid in ann_ids:
            _fail(path, entry, 'id', 'a unique id', aid)
        ann_ids.add(aid)
        iid = _get(path, entry, raw, 'image_id', (int, ), 'an image id')
        if iid not in images:
            _fail(path, entry, 'image_id', 'the id of an entry of "images"',
                  iid)
        frame, video = images[iid]
        vid = _get(path, entry, raw, 'video_id', (int, ), 'a video id',
                   optional=True, default=video['id'])
        if vid != video['id']:
            _fail(path, entry, 'video_id',
                  f"{video['id']} (the video of image {iid})", vid)
        cid = _get(path, entry, raw, 'category_id', (int, ),
                   'a category id')
        if cid not in cat_ids:
            _fail(path, entry, 'category_id',
                  f'one of the category ids {sorted(cat_ids)}', cid)
        box = _get(path, entry, raw, 'bbox', (list, ), '[x, y, w, h]')
        if len(box) != 4 or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool)
                and math.isfinite(v) for v in box):
            _fail(path, entry, 'bbox', '[x, y, w, h] of 4 finite numbers',
                  box)
        x, y, w, h = (float(v) for v in box)
        if w <= 0 or h <= 0:
            _fail(path, entry, 'bbox', 'a box with width and height > 0',
                  box)
        if x < 0 or y < 0 or x + w > frame['width'] or \
                y + h > frame['height']:
            _fail(path, entry, 'bbox',
                  f"a box inside the {frame['width']}x{frame['height']} "
                  'image', box)
        if frame['bboxes']:
            _fail(path, entry, 'image_id',
                  f'at most one box per frame (image {iid} already has '
                  'one)', iid)
        frame['bboxes'].append([x, y, x + w, y + h])
    check_has_series(path, len(videos), 'series ("videos" is empty)')
    for v in videos:
        check_label_and_boxes(f"{path}: {v.pop('_entry')}", v['label'],
                              sum(len(f['bboxes']) for f in v['frames']))
        v['frames'].sort(key=lambda f: f['frame_id'])
    return dict(categories=cats, videos=videos)


def annotation_kind(path: str) -> str:
    """Return ``'classification'`` or ``'detection'`` from a file's keys."""
    data = _read_json(path)
    if isinstance(data, dict) and 'data_list' in data:
        return 'classification'
    if isinstance(data, dict) and 'videos' in data:
        return 'detection'
    raise AnnotationError(
        f'{path}: top level: expected an object with "data_list" '
        '(classification) or "videos" (detection), got keys '
        f'{sorted(data) if isinstance(data, dict) else type(data).__name__}')


def series_records(path: str) -> List[Dict[str, Any]]:
    """Series-level records of either format (for splitting).

    Returns:
        list[dict]: ``{'series_id', 'patient_id', 'label',
        'acquisition_datetime'}`` per series.
    """
    if annotation_kind(path) == 'classification':
        items = load_classification_annotations(path)['data_list']
        return [
            dict(series_id=d['series_id'], patient_id=d['patient_id'],
                 label=d['label'],
                 acquisition_datetime=d['acquisition_datetime'])
            for d in items
        ]
    videos = load_detection_annotations(path)['videos']
    return [
        dict(series_id=v['name'], patient_id=v['patient_id'],
             label=v['label'], acquisition_datetime=v['acquisition_datetime'])
        for v in videos
    ]
