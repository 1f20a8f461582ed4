"""Grad-CAM saliency of a thrombus recognizer on one series, per frame group
(in the spirit of mmpretrain's tools/visualization/vis_cam.py).

    python tools/analysis_tools/vis_saliency.py CONFIG CHECKPOINT SERIES
        [--out saliency.png] [--max-groups 8] [--device cpu]

SERIES is what tools/infer.py reads (DICOM file / folder, PNG/NPY folder,
.npy). Target layer: the backbone output the recognizer pools; the maps of
all groups are scaled to the series maximum (see mmdsa.apis.saliency).
"""
import argparse
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('series')
    parser.add_argument('--out', default='saliency.png', help='PNG file')
    parser.add_argument('--max-groups', type=int, default=8)
    parser.add_argument('--device', default='cpu')
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from mmdsa.apis import init_model
    from mmdsa.apis.saliency import recognizer_saliency
    from mmdsa.fileio import DSAReadError
    from mmdsa.visualization.saliency_figure import draw_saliency
    try:
        model = init_model(args.config, args.checkpoint, device=args.device)
        res = recognizer_saliency(model, args.series)
    except (DSAReadError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    name = osp.splitext(osp.basename(osp.normpath(args.series)))[0]
    draw_saliency(res['groups'], res['saliency'], args.out,
                  title=f'{name}: P(thrombus) = {res["probability"]:.3f}',
                  max_groups=args.max_groups, num_frames=res['num_frames'])
    print(f'P(thrombus) = {res["probability"]:.4f}')
    print(f'wrote {args.out}')
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
