"""Build mmdsa annotation files from a folder of DICOM series and CSVs.

    python tools/dataset_converters/dicom_folder_to_annotations.py DICOM_DIR \
        --labels labels.csv --boxes boxes.csv --points points.csv \
        --out-cls thrombus.json --out-det perforation.json

labels.csv: ``file,label[,patient_id,pair_id,view,occlusion_level,flags]``;
boxes.csv: ``file,frame,x1,y1,x2,y2``; points.csv: ``file,x,y`` (one row
per thrombus point) or the classification authors' ``ImageName;PointNo;x;y``
(``ImageName``: the file's path below DICOM_DIR without extension). Headers
are read with pydicom (no pixels); the view comes from the reader's rule
(:func:`mmdsa.fileio.dicom_meta.view_from_dataset`) unless the CSV gives it.
Paths in the outputs are relative to each output file's folder. A series id
is the file name without extension, or, when two files share a name, the
path below DICOM_DIR with ``/`` written as ``__``. The detection output
follows the loader's rule: a label-1 series has a box, a label-0 series none
(:func:`mmdsa.datasets.annotations.check_label_and_boxes`).

Optional labels.csv columns ``occlusion_level`` and ``flags``:

- ``occlusion_level``: ICA-T, M1, M2, M3 or M4+ (positive series only),
  empty when unknown.
- ``flags``: ``;``-separated exclusion flags: missing_view, vertebral_only,
  eca_only, uncertain (the datasets' ``exclude_flags`` act on them).
- Pairs (Mittmann et al.): when one view of a ``pair_id`` is labelled 1,
  the other view is set to 1 too, and the count is printed;
  ``--no-harmonise-pairs`` keeps the labels as given.

Thrombus points: a series with points is positive (one labelled 0 in
labels.csv is refused); the points must lie inside the image.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
from mmdsa.datasets.importers import (ConversionError,  # noqa: E402
                                      build_annotations, check_detection,
                                      harmonise_series, record_ids)
from mmdsa.datasets.importers.dicom_folder import collect  # noqa: E402
from mmdsa.utils.cli import refuse, run_tool  # noqa: E402
from mmdsa.utils.fileio import write_json_atomic  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('dicom_dir')
    p.add_argument('--labels', help='CSV file,label[,patient_id,pair_id,view]')
    p.add_argument('--boxes', help='CSV file,frame,x1,y1,x2,y2')
    p.add_argument('--points', help='CSV file,x,y or ImageName;PointNo;x;y '
                   '(thrombus points)')
    p.add_argument('--out-cls', help='classification JSON to write')
    p.add_argument('--out-det', help='detection JSON to write')
    p.add_argument('--no-harmonise-pairs', action='store_true',
                   help='keep per-view labels as given (default: a pair '
                   'with one positive view gets label 1 in both views)')
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(p)
    args = p.parse_args(argv)
    if not (args.labels or args.boxes or args.points) or \
            not (args.out_cls or args.out_det):
        p.error('give --labels, --boxes and/or --points, and --out-cls '
                'and/or --out-det')
    source = args.labels or args.boxes or args.points
    outs = [o for o in (args.out_cls, args.out_det) if o]
    real = [osp.realpath(o) for o in outs]
    inputs = {osp.realpath(i) for i in (args.labels, args.boxes, args.points)
              if i}
    if len(set(real)) < len(real) or inputs & set(real):
        p.error(f'--out-cls / --out-det: expected two different new files, '
                f'not an input, got {outs}')
    try:
        series, boxes = collect(args.dicom_dir, args.labels, args.boxes,
                                args.points)
        if not series:
            raise ConversionError(f'{source}: holds no series (no data '
                                  'rows)')
        record_ids(series)
        if args.out_det:
            check_detection(series, boxes, source)
    except ConversionError as exc:
        return refuse(exc)
    if not args.no_harmonise_pairs:
        series, changed = harmonise_series(series)
        if changed:
            print(f'\n{changed} series labelled 0 set to 1: the other view '
                  'of their pair is positive (--no-harmonise-pairs keeps '
                  'them)')
    points = sum(len(s.get('thrombus_points', [])) for s in series.values())
    for out, idx in ((args.out_cls, 0), (args.out_det, 1)):
        if out:
            write_json_atomic(out, build_annotations(series, boxes, out)[idx])
            print(f'\n{out}: {len(series)} series, {len(boxes)} boxes, '
                  f'{points} thrombus points')
    return 0


if __name__ == '__main__':
    sys.exit(run_tool(main))
