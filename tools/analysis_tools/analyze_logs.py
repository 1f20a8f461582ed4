"""Training curves and training time from a work dir (in the spirit of
mmdet's tools/analysis_tools/analyze_logs.py).

    python tools/analysis_tools/analyze_logs.py plot_curve WORK_DIR [...]
        [--keys loss lr auc] [--legend a b] [--title T] [--out curves.png]
    python tools/analysis_tools/analyze_logs.py cal_train_time WORK_DIR

WORK_DIR is a training work dir (every ``<timestamp>/vis_data/scalars.json``
in it, so resumed runs join up) or a scalars.json. Default keys: the losses,
the learning rate and the main validation metrics present (AUC, MCC,
so/auc, so/ap50, ...). TensorBoard: see configs/_base_/default_runtime.py.
"""
import argparse
import json
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='task', required=True)
    plot = sub.add_parser('plot_curve', help='plot scalar curves')
    plot.add_argument('logs', nargs='+', help='work dirs or scalars.json')
    plot.add_argument('--keys', nargs='+')
    plot.add_argument('--legend', nargs='+')
    plot.add_argument('--title', default='')
    plot.add_argument('--out', default='curves.png')
    time = sub.add_parser('cal_train_time', help='seconds per iteration')
    time.add_argument('logs', nargs='+')
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from mmdsa.visualization.training_curves import (plot_training_curves,
                                                     train_time)
    try:
        if args.task == 'plot_curve':
            out = plot_training_curves(args.logs, args.out, args.keys,
                                       args.legend, args.title)
            print(f'wrote {out}')
        else:
            for log in args.logs:
                res = train_time(log)
                print(f'{log}: {res["mean"]:.4f} s/iter on average; '
                      f'slowest epoch {res["slowest_epoch"]}, fastest '
                      f'epoch {res["fastest_epoch"]}, std over epochs '
                      f'{res["std_over_epochs"]:.4f}')
                print(json.dumps(res['per_epoch']))
    except (ValueError, OSError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
