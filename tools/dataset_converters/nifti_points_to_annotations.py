"""Convert the classification authors' layout (NIfTI volumes plus the
``ImageName;PointNo;x;y`` thrombus-point CSV) into mmdsa's format.

    python tools/dataset_converters/nifti_points_to_annotations.py \
        NIFTI_DIR points.csv --out-dir data/own \
        [--series-info info.csv] [--bits 12] [--prefix-length 7] \
        [--view-order PA,LAT]

Writes ``OUT_DIR/series/IMAGE_NAME.npy`` (T, H, W uint8, mapped x 255 /
(2^bits - 1) as the authors did) and ``OUT_DIR/thrombus.json``. Pairs and
labels follow the authors' code (``mmdsa/datasets/importers/
nifti_points.py``): names sharing their first 7 characters are a PA+LAT
pair, an image with points is positive, a pair positive in one view is
positive in both (``--no-harmonise-pairs`` keeps them), images the CSV
leaves unlabelled are left out and listed. ``--series-info`` (CSV
``ImageName,patient_id[,acquisition_datetime][,view]``) gives patient ids
(default: the pair prefix) and the acquisition times the chronological
split needs.
"""
import argparse
import os.path as osp
import sys

from mmengine.utils import ProgressBar

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
from mmdsa.datasets.importers import (build_annotations,  # noqa: E402
                                      harmonise_series)
from mmdsa.datasets.importers.nifti_points import \
    import_nifti_points  # noqa: E402
from mmdsa.datasets.importers.points_csv import \
    read_author_points  # noqa: E402
from mmdsa.utils.cli import ToolError, run_tool  # noqa: E402
from mmdsa.utils.fileio import write_json_atomic  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('nifti_dir', help='folder of IMAGE_NAME.nii(.gz) volumes')
    p.add_argument('points', help='CSV ImageName;PointNo;x;y')
    p.add_argument('--out-dir', required=True,
                   help='folder for thrombus.json and series/*.npy')
    p.add_argument('--series-info', help='CSV ImageName,patient_id['
                   ',acquisition_datetime][,view]')
    p.add_argument('--bits', type=int, default=12,
                   help='bit depth of the volumes (default 12)')
    p.add_argument('--prefix-length', type=int, default=7,
                   help='characters a PA+LAT pair shares (default 7)')
    p.add_argument('--view-order', default='PA,LAT',
                   help='views of a pair\'s first and second name in sorted '
                   'order (default PA,LAT)')
    p.add_argument('--no-harmonise-pairs', action='store_true',
                   help='keep per-view labels as given')
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(p)
    args = p.parse_args(argv)
    order = tuple(v.strip() for v in args.view_order.split(','))
    if sorted(order) != ['LAT', 'PA']:
        raise ToolError(f'--view-order: expected PA,LAT or LAT,PA, got '
                        f'{args.view_order!r}')
    if not 1 <= args.bits <= 16:
        raise ToolError(f'--bits: expected 1..16, got {args.bits}')
    if args.prefix_length < 1:
        raise ToolError(f'--prefix-length: expected a positive integer, '
                        f'got {args.prefix_length}')
    total = sum(1 for item in read_author_points(args.points).values()
                if item['label'] is not None)
    bar = ProgressBar(total)
    series, unlabelled = import_nifti_points(
        args.nifti_dir, args.points, args.out_dir, bits=args.bits,
        prefix_length=args.prefix_length, view_order=order,
        series_info=args.series_info, progress=bar.update)
    if unlabelled:
        print(f'\n{len(unlabelled)} images not labelled in {args.points} '
              f'(only PointNo 0, x <= 0) left out: {", ".join(unlabelled)}')
    if not args.no_harmonise_pairs:
        series, changed = harmonise_series(series)
        if changed:
            print(f'\n{changed} series labelled 0 set to 1: the other view '
                  'of their pair is positive')
    out = osp.join(args.out_dir, 'thrombus.json')
    write_json_atomic(out, build_annotations(series, {}, out)[0])
    positive = sum(s['label'] for s in series.values())
    print(f'\n{out}: {len(series)} series ({positive} positive)')
    return 0


if __name__ == '__main__':
    sys.exit(run_tool(main))
