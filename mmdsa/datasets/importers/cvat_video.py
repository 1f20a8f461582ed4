"""CVAT for video 1.1 XML (one task or job export; CVAT's published
"XML annotation format", interpolation part).

Read: ``<annotations><version>1.1</version><meta><task>`` (or ``<job>``)
with ``size``, ``start_frame``, ``stop_frame``, ``frame_filter``,
``original_size`` (``width``, ``height``), ``name`` and ``source``; then
``<track id label>`` elements holding ``<box frame outside occluded keyframe
xtl ytl xbr ybr>``. CVAT writes a box for every frame of a track
(interpolated boxes included, ``keyframe="0"``); ``outside="1"`` marks the
frame where the object leaves (no box there or after, until a box with
``outside="0"``). ``occluded="1"`` boxes are kept: the object is there,
only hidden. Boxes overhanging the frame (CVAT allows it) are clipped.

Refused: another version, a project export (several tasks), CVAT for
images (``<image>`` elements), frame steps or a start frame other than 0
(the frame numbers would not index the DICOM frames), shapes other than
boxes, rotated boxes, two boxes on one frame, a frame count or frame size
other than the DICOM series'.
"""
import math
import os.path as osp
import xml.etree.ElementTree as ET
from typing import Dict, Optional, Tuple

from mmdsa.structures import VIEWS
from .dicom_header import read_dicom_header
from .errors import ConversionError, fail
from .locate import find_series_file
from .writer import Boxes

SHAPES = ('polygon', 'polyline', 'points', 'cuboid', 'ellipse', 'mask',
          'skeleton', 'tag')


def _text(path, node, tag, default=None):
    child = node.find(tag)
    if child is None or child.text is None or not child.text.strip():
        if default is not None:
            return default
        fail(f'{path}: <meta>/<{node.tag}>', tag, 'a value', '<missing>')
    return child.text.strip()


def _int(where, field, text):
    try:
        return int(text)
    except (TypeError, ValueError):
        fail(where, field, 'an integer', text)


def _float(where, field, text):
    try:
        value = float(text)
    except (TypeError, ValueError):
        fail(where, field, 'a number', text)
    if not math.isfinite(value):
        fail(where, field, 'a finite number', text)
    return value


def _flag(where, box, field):
    value = box.get(field, '0')
    if value not in ('0', '1'):
        fail(where, field, '0 or 1', value)
    return value == '1'


def read_cvat_meta(path: str, root) -> dict:
    """The task (or job) facts of a CVAT for video export.

    Returns:
        dict: ``size``, ``name`` (may be ``''``), ``source`` (may be ``''``)
        and ``original_size`` (``(width, height)`` or None).
    """
    version = root.findtext('version')
    if version is None or version.strip() != '1.1':
        fail(f'{path}: <annotations>', 'version', '1.1 (CVAT for video 1.1)',
             version)
    meta = root.find('meta')
    if meta is None:
        fail(f'{path}: <annotations>', 'meta', 'a <meta> element',
             '<missing>')
    if meta.find('project') is not None:
        fail(f'{path}: <meta>', 'project', 'a task or job export (one '
             'video; export each task of the project)', 'a project export')
    node = meta.find('task')
    if node is None:
        node = meta.find('job')
    if node is None:
        fail(f'{path}: <meta>', 'task', 'a <task> or <job> element',
             '<missing>')
    where = f'{path}: <meta>/<{node.tag}>'
    size = _int(where, 'size', _text(path, node, 'size'))
    start = _int(where, 'start_frame', _text(path, node, 'start_frame', '0'))
    stop = _int(where, 'stop_frame',
                _text(path, node, 'stop_frame', str(size - 1)))
    step = _text(path, node, 'frame_filter', '-')
    if size < 1:
        fail(where, 'size', 'a positive frame count', size)
    if start != 0:
        fail(where, 'start_frame', '0 (a task over the whole series)', start)
    if stop != size - 1:
        fail(where, 'stop_frame', f'{size - 1} (size - 1)', stop)
    if step not in ('-', 'step=1'):
        fail(where, 'frame_filter', 'no frame step (every frame of the '
             'series)', step)
    original = node.find('original_size')
    if original is not None:
        original = tuple(
            _int(f'{where}/<original_size>', k, original.findtext(k))
            for k in ('width', 'height'))
    return dict(size=size, name=(node.findtext('name') or '').strip(),
                source=(node.findtext('source') or '').strip(),
                original_size=original)


def _track_boxes(path, track, size, width, height, label):
    """``frame -> [x1, y1, x2, y2]`` of one track (outside frames left
    out, boxes clipped to the frame)."""
    tid = track.get('id', '?')
    out, seen = {}, set()
    for child in track:
        where = f'{path}: <track id="{tid}" label="{label}">'
        if child.tag in SHAPES:
            fail(where, child.tag, 'boxes only (<box>)', f'a <{child.tag}>')
        if child.tag != 'box':
            fail(where, child.tag, 'a <box>', f'a <{child.tag}>')
        frame = _int(where + ' <box>', 'frame', child.get('frame'))
        where = f'{where} <box frame="{frame}">'
        if not 0 <= frame < size:
            fail(where, 'frame', f'an index in [0, {size - 1}]', frame)
        if frame in seen:
            fail(where, 'frame', 'one box per frame in a track',
                 f'{frame} (listed twice)')
        seen.add(frame)
        if _flag(where, child, 'outside'):
            continue
        _flag(where, child, 'occluded')
        rotation = _float(where, 'rotation', child.get('rotation', '0'))
        if rotation % 360:
            fail(where, 'rotation', '0 (an axis-aligned box)', rotation)
        x1, y1, x2, y2 = (_float(where, k, child.get(k))
                          for k in ('xtl', 'ytl', 'xbr', 'ybr'))
        box = [min(max(x1, 0.0), width), min(max(y1, 0.0), height),
               min(max(x2, 0.0), width), min(max(y2, 0.0), height)]
        if not (box[0] < box[2] and box[1] < box[3]):
            fail(where, 'xtl,ytl,xbr,ybr', f'a non-empty box inside the '
                 f'{width}x{height} frame', [x1, y1, x2, y2])
        out[frame] = box
    return out


def import_cvat_video(path: str, dicom_root: str,
                      name_map: Optional[Dict[str, str]] = None,
                      label: Optional[str] = None, name_from: str = 'task',
                      dicom: Optional[str] = None
                      ) -> Tuple[Dict[str, dict], Boxes]:
    """Read one CVAT for video 1.1 export and the DICOM series it annotates.

    Args:
        path (str): ``annotations.xml``.
        dicom_root (str): Folder of the DICOM series.
        name_map (dict, optional): ``name -> file below dicom_root``.
        label (str, optional): The perforation label; needed when the
            tracks carry several labels (the others are left out).
        name_from (str): ``'task'`` (the task name) or ``'source'`` (the
            uploaded file's name) names the series.
        dicom (str, optional): The series file itself (skips the lookup).

    Returns:
        tuple: ``(series, boxes)`` with one series record keyed by the name.

    Raises:
        ConversionError: naming the file, the element, the field, what was
            expected and what came.
    """
    if name_from not in ('task', 'source'):
        raise ValueError(f"name_from: expected 'task' or 'source', got "
                         f'{name_from!r}')
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise ConversionError(f'{path}: not well-formed XML ({exc})') from None
    if root.tag != 'annotations':
        fail(f'{path}: root', 'tag', '<annotations>', f'<{root.tag}>')
    if root.find('image') is not None:
        fail(f'{path}: <annotations>', 'image', 'tracks (CVAT for video)',
             'CVAT for images (<image> elements); export as "CVAT for '
             'video 1.1"')
    meta = read_cvat_meta(path, root)
    name = meta['name' if name_from == 'task' else 'source']
    if name_from == 'source':
        name = osp.splitext(osp.basename(name))[0]
    where = f'{path}: <meta>'
    if dicom is None:
        if not name:
            fail(where, name_from, 'a name to find the DICOM series by (or '
                 'give the series file)', '')
        dicom = find_series_file(name, dicom_root, where, name_map)
    info = read_dicom_header(dicom, where)
    name = name or osp.splitext(osp.basename(dicom))[0]
    if meta['size'] != info['num_frames']:
        fail(where, 'size', f'{info["num_frames"]} (the frames of '
             f'{dicom})', meta['size'])
    if meta['original_size'] is not None and \
            meta['original_size'] != (info['width'], info['height']):
        fail(where, 'original_size', f'{info["width"]}x{info["height"]} (the '
             f'frame size of {dicom})', 'x'.join(
                 str(v) for v in meta['original_size']))
    tracks = root.findall('track')
    labels = sorted({t.get('label', '') for t in tracks})
    if label is None and len(labels) > 1:
        fail(f'{path}: <track>', 'label', 'one label, or --label to choose',
             labels)
    boxes, owner = {}, {}
    for track in tracks:
        if label is not None and track.get('label') != label:
            continue
        found = _track_boxes(path, track, meta['size'], info['width'],
                             info['height'], track.get('label', ''))
        for frame, box in found.items():
            if (name, frame) in boxes:
                fail(f'{path}: <track id="{track.get("id")}"> <box frame='
                     f'"{frame}">', 'frame', 'at most one box per frame (one '
                     'perforation per series)',
                     f'{frame} (track {owner[frame]} has one there)')
            boxes[(name, frame)], owner[frame] = box, track.get('id')
    if info['view'] not in VIEWS:
        fail(where, 'view', f'one of {VIEWS}', info['view'])
    if not info['patient_id']:
        raise ConversionError(f'{dicom}: field "PatientID": expected a '
                              'patient id, got none')
    info.update(series_id=name, label=int(bool(boxes)))
    return {name: info}, boxes
