"""FLOPs and parameters of a model per frame and per series (as mmdet's
tools/analysis_tools/get_flops.py, with MMEngine's complexity counter).

    python tools/analysis_tools/get_flops.py CONFIG [--shape H W]
        [--num-frames N] [--cfg-options k=v ...] [--out FILE.json]

The model is built with random weights (FLOPs do not depend on them). The
image size defaults to the config's ``image_size``; ``--num-frames`` is the
series length N. What is counted: ``mmdsa.apis.complexity``.
"""
import argparse
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from mmdsa.utils.cli import ToolError, run_tool  # noqa: E402


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file path')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'),
                        help="input size (default: the config's image_size)")
    parser.add_argument('--num-frames', type=int, default=20,
                        help='frames per series (default 20)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--out', help='also write the figures as JSON')
    return parser.parse_args(argv)


def _giga(value) -> str:
    return f'{value / 1e9:.3f} GFLOPs'


def main(argv=None):
    args = parse_args(argv)
    from mmengine.config import Config

    from mmdsa.apis import init_model
    from mmdsa.apis.complexity import model_complexity
    from mmdsa.utils.fileio import write_json_atomic
    if not osp.isfile(args.config):
        raise ToolError(f'{args.config}: config not found (no such file)')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    shape = args.shape
    if shape is None:
        size = cfg.get('image_size', None)
        if not isinstance(size, int):
            raise ToolError(f'{args.config}: field "image_size": expected an '
                            'int to size the input, got none; pass --shape '
                            'H W')
        shape = (size, size)
    model = init_model(cfg, None)
    try:
        info = model_complexity(model, shape, args.num_frames)
    except ValueError as err:
        raise ToolError(str(err)) from err
    flops = info['flops']
    lines = [f"{info['task']} model, input {shape[0]} x {shape[1]}, series "
             f"of {info['num_frames']} frames",
             f"params: {info['params'] / 1e6:.3f} M"]
    for key, value in flops.items():
        lines.append(f'{key}: ' + (str(value) if key == 'num_groups'
                                   else _giga(value)))
    lines.append('(box decoding, NMS and the series optimiser are not '
                 'counted)')
    print('\n'.join(lines))
    if args.out:
        write_json_atomic(args.out, dict(info, config=args.config))
    return 0


if __name__ == '__main__':
    sys.exit(run_tool(main))
