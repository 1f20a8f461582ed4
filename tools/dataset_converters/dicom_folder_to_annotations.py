"""Build mmdsa annotation files from a folder of DICOM series and CSVs.

    python tools/dataset_converters/dicom_folder_to_annotations.py DICOM_DIR \
        --labels labels.csv --boxes boxes.csv \
        --out-cls thrombus.json --out-det perforation.json

labels.csv: ``file,label[,patient_id,pair_id,view,occlusion_level,flags]``;
boxes.csv: ``file,frame,x1,y1,x2,y2``. Headers are read with pydicom (no
pixels); the
view comes from the reader's rule (:func:`mmdsa.fileio.dicom_meta.
view_from_dataset`) unless the CSV gives it. Paths in the outputs are
relative to each output file's folder. A series id is the file name without
extension, or, when two files share a name, the path below DICOM_DIR with
``/`` written as ``__``. The detection output follows the loader's rule: a
label-1 series has a box, a label-0 series none
(:func:`mmdsa.datasets.annotations.check_label_and_boxes`).

Optional labels.csv columns ``occlusion_level`` and ``flags``:

- ``occlusion_level``: ICA-T, M1, M2, M3 or M4+ (positive series only),
  empty when unknown.
- ``flags``: ``;``-separated exclusion flags: missing_view, vertebral_only,
  eca_only, uncertain (the datasets' ``exclude_flags`` act on them).
- Pairs (Mittmann et al.): when one view of a ``pair_id`` is labelled 1,
  the other view is set to 1 too, and the count is printed;
  ``--no-harmonise-pairs`` keeps the labels as given.
"""
import argparse
import os.path as osp
import sys

from mmengine.utils import ProgressBar

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
from mmdsa.datasets.annotations import (  # noqa: E402
    OCCLUSION_LEVELS, SERIES_FLAGS, AnnotationError, check_label_and_boxes)
from mmdsa.datasets.pair_rules import harmonise_pair_labels  # noqa: E402
from mmdsa.fileio.dicom_meta import view_from_dataset  # noqa: E402
from mmdsa.structures import (CLASSIFICATION_CLASSES,  # noqa: E402
                              DETECTION_CLASSES, VIEWS)
from mmdsa.utils.fileio import write_json_atomic  # noqa: E402


class ConvertError(ValueError):
    """A CSV row or DICOM header that cannot be converted."""


def _view(ds, path):
    try:
        return view_from_dataset(ds, path)
    except Exception as exc:  # e.g. a non-numeric positioner angle
        raise ConvertError(f'{path}: view: {exc}') from exc


def _datetime(ds):
    dt = str(getattr(ds, 'AcquisitionDateTime', '') or '')
    if not dt:
        d = str(getattr(ds, 'AcquisitionDate', '') or getattr(
            ds, 'StudyDate', '') or '')
        t = str(getattr(ds, 'AcquisitionTime', '') or getattr(
            ds, 'StudyTime', '') or '')
        dt = d + t if d else ''
    if len(dt) < 8:
        return None
    out = f'{dt[:4]}-{dt[4:6]}-{dt[6:8]}'
    if len(dt) >= 12:
        out += f'T{dt[8:10]}:{dt[10:12]}:{dt[12:14] or "00"}'
    return out


def read_header(root, rel, where):
    path = osp.join(root, rel)
    if not osp.isfile(path):
        raise ConvertError(f'{where}: field "file": expected a file under '
                           f'{root}, got {rel!r} (not found)')
    from mmdsa.fileio import DSAReadError, int_field
    from mmdsa.fileio.dicom import check_image_dataset, read_dicom_dataset
    try:
        ds = read_dicom_dataset(path, defer=True)
        # refuse here what the loader would refuse mid-training (RGB,
        # broken Modality LUT, pixel data shorter than the header says)
        check_image_dataset(ds, path, modalities='any')
    except DSAReadError as exc:
        raise ConvertError(f'{where}: {exc}') from exc
    try:  # "field: expected an integer, got 'abc'" naming the file
        rows, cols = (int_field(ds, k, path) for k in ('Rows', 'Columns'))
        num_frames = int_field(ds, 'NumberOfFrames', path, default=1)
    except DSAReadError as exc:
        raise ConvertError(f'{where}: {exc}') from exc
    if rows is None or cols is None:
        raise ConvertError(f'{where}: {path}: not a DICOM image (no Rows / '
                           'Columns)')
    return dict(path=path, patient_id=str(getattr(ds, 'PatientID', '') or ''),
                num_frames=num_frames,
                width=cols, height=rows, view=_view(ds, path),
                acquisition_datetime=_datetime(ds))


def _rows(path, required):
    # one CSV reader (UTF-8 byte-order mark accepted, other encodings
    # refused in one line): mmdsa.fileio.csv_table
    from mmdsa.fileio.csv_table import CSVTableError, read_csv_rows
    try:
        yield from read_csv_rows(path, required)
    except CSVTableError as exc:
        raise ConvertError(str(exc)) from None


def _number(where, row, field, cast):
    try:
        return cast(row[field])
    except (TypeError, ValueError):
        raise ConvertError(f'{where}: field "{field}": expected a number, '
                           f'got {row[field]!r}') from None


def collect(root, labels_csv, boxes_csv):
    series, boxes = {}, {}
    if labels_csv:
        rows = list(_rows(labels_csv, ['file', 'label']))
        bar = ProgressBar(len(rows))
        for where, row in rows:
            label = row['label'].strip()
            if label not in ('0', '1'):
                raise ConvertError(f'{where}: field "label": expected 0 or 1'
                                   f', got {row["label"]!r}')
            if row['file'] in series:
                old = series[row['file']]['label']
                if old != int(label):
                    raise ConvertError(
                        f'{where}: field "label": {row["file"]!r} is listed '
                        f'again with label {label}, earlier with {old}; '
                        'expected one row per file')
                raise ConvertError(f'{where}: field "file": {row["file"]!r}'
                                   ' is listed twice; expected one row per '
                                   'file')
            info = read_header(root, row['file'], where)
            info['label'] = int(label)
            for key in ('patient_id', 'pair_id', 'view'):
                if (row.get(key) or '').strip():
                    info[key] = row[key].strip()
            level = (row.get('occlusion_level') or '').strip() or None
            if level is not None and level not in OCCLUSION_LEVELS:
                raise ConvertError(f'{where}: field "occlusion_level": '
                                   f'expected one of {OCCLUSION_LEVELS} or '
                                   f'empty, got {level!r}')
            if level is not None and info['label'] == 0:
                raise ConvertError(f'{where}: field "occlusion_level": '
                                   'expected empty on a series labelled 0, '
                                   f'got {level!r}')
            info['occlusion_level'] = level
            flags = [f.strip() for f in (row.get('flags') or '').split(';')
                     if f.strip()]
            bad = [f for f in flags if f not in SERIES_FLAGS]
            if bad:
                raise ConvertError(f'{where}: field "flags": expected '
                                   f'";"-separated values of {SERIES_FLAGS}'
                                   f', got {bad}')
            info['flags'] = sorted(set(flags))
            if info['view'] not in VIEWS:
                raise ConvertError(f'{where}: field "view": expected PA or '
                                   f'LAT, got {info["view"]!r}')
            if not info['patient_id']:
                raise ConvertError(f'{where}: field "patient_id": expected '
                                   'a value (CSV or DICOM PatientID), got '
                                   'none')
            series[row['file']] = info
            bar.update()
    if boxes_csv:
        for where, row in _rows(boxes_csv,
                                ['file', 'frame', 'x1', 'y1', 'x2', 'y2']):
            if row['file'] not in series:
                series[row['file']] = dict(
                    read_header(root, row['file'], where), label=1)
            info = series[row['file']]
            frame = _number(where, row, 'frame', int)
            box = [_number(where, row, k, float)
                   for k in ('x1', 'y1', 'x2', 'y2')]
            if not 0 <= frame < info['num_frames']:
                raise ConvertError(f'{where}: field "frame": expected 0..'
                                   f'{info["num_frames"] - 1}, got {frame}')
            if not (0 <= box[0] < box[2] <= info['width']
                    and 0 <= box[1] < box[3] <= info['height']):
                raise ConvertError(f'{where}: fields "x1,y1,x2,y2": expected '
                                   'a non-empty box inside the '
                                   f'{info["width"]}x{info["height"]} image, '
                                   f'got {box}')
            if (row['file'], frame) in boxes:
                raise ConvertError(f'{where}: field "frame": expected one '
                                   f'box per frame, frame {frame} repeats')
            boxes[(row['file'], frame)] = box
            try:
                check_label_and_boxes(f'{where} ({row["file"]})',
                                      info['label'], 1)
            except AnnotationError as exc:
                raise ConvertError(str(exc)) from None
    return series, boxes


def check_detection(series, boxes, labels_csv):
    """Apply the loader's label/box rule to every series."""
    counts = {}
    for key, _ in boxes:
        counts[key] = counts.get(key, 0) + 1
    for key, s in sorted(series.items()):
        try:
            check_label_and_boxes(f'{labels_csv}: {key}', s['label'],
                                  counts.get(key, 0))
        except AnnotationError as exc:
            raise ConvertError(str(exc)) from None


def series_ids(files):
    """A unique series id for each file path (relative to DICOM_DIR).

    The file name without extension when it is unique, else the path
    without extension with its separators written as ``__``.

    Raises:
        ConvertError: two files still get the same id; names both paths.
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
            raise ConvertError(
                f'{owner[sid]} and {rel}: both would get series_id '
                f'{sid!r}; rename one of the files')
        owner[sid] = rel
        ids[rel] = sid
    return ids


def harmonise_series(series):
    """Apply the paper's pair rule to the collected series (see
    ``mmdsa.datasets.pair_rules.harmonise_pair_labels``)."""
    keys = sorted(series)
    entries = [dict(series[k], series_id=k) for k in keys]
    entries, changed = harmonise_pair_labels(entries)
    out = {}
    for k, e in zip(keys, entries):
        e.pop('series_id')
        out[k] = e
    return out, changed


def build(series, boxes, out_path):
    base = osp.dirname(osp.abspath(out_path))
    rel = {k: osp.relpath(v['path'], base) for k, v in series.items()}
    cls = dict(metainfo=dict(classes=list(CLASSIFICATION_CLASSES),
                             task='thrombus'), data_list=[])
    det = dict(categories=[dict(id=1, name=DETECTION_CLASSES[0])], videos=[],
               images=[], annotations=[])
    sids = series_ids(list(series))
    for vid, (key, s) in enumerate(sorted(series.items()), 1):
        common = dict(patient_id=s['patient_id'], pair_id=s.get('pair_id'),
                      view=s['view'], file=rel[key], label=s['label'],
                      num_frames=s['num_frames'],
                      acquisition_datetime=s['acquisition_datetime'])
        cls['data_list'].append(dict(
            series_id=sids[key], **common, thrombus_points=[],
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


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('dicom_dir')
    p.add_argument('--labels', help='CSV file,label[,patient_id,pair_id,view]')
    p.add_argument('--boxes', help='CSV file,frame,x1,y1,x2,y2')
    p.add_argument('--out-cls', help='classification JSON to write')
    p.add_argument('--out-det', help='detection JSON to write')
    p.add_argument('--no-harmonise-pairs', action='store_true',
                   help='keep per-view labels as given (default: a pair '
                   'with one positive view gets label 1 in both views)')
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(p)
    args = p.parse_args(argv)
    if not (args.labels or args.boxes) or not (args.out_cls or args.out_det):
        p.error('give --labels and/or --boxes, and --out-cls and/or --out-det')
    outs = [o for o in (args.out_cls, args.out_det) if o]
    real = [osp.realpath(o) for o in outs]
    inputs = {osp.realpath(i) for i in (args.labels, args.boxes) if i}
    if len(set(real)) < len(real) or inputs & set(real):
        p.error(f'--out-cls / --out-det: expected two different new files, '
                f'not an input, got {outs}')
    try:
        series, boxes = collect(args.dicom_dir, args.labels, args.boxes)
        if not series:
            raise ConvertError(f'{args.labels or args.boxes}: holds no '
                               'series (no data rows)')
        series_ids(list(series))
        if args.out_det:
            check_detection(series, boxes, args.labels or args.boxes)
    except ConvertError as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    if not args.no_harmonise_pairs:
        series, changed = harmonise_series(series)
        if changed:
            print(f'\n{changed} series labelled 0 set to 1: the other view '
                  'of their pair is positive (--no-harmonise-pairs keeps '
                  'them)')
    for out, idx in ((args.out_cls, 0), (args.out_det, 1)):
        if out:
            write_json_atomic(out, build(series, boxes, out)[idx])
            print(f'\n{out}: {len(series)} series, {len(boxes)} boxes')
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
