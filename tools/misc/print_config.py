"""Print the full config after ``_base_`` inheritance and overrides (as
mmdet's tools/misc/print_config.py).

    python tools/misc/print_config.py CONFIG [--cfg-options k=v ...]
        [--save-path FILE.py]

``--save-path`` writes the resolved config as a standalone file (atomic;
an existing file is not overwritten).
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
    parser = argparse.ArgumentParser(description='Print the whole config')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. train_cfg.max_epochs=2')
    parser.add_argument('--save-path',
                        help='also write the resolved config to this .py '
                        'file (refused when it exists)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from mmengine.config import Config

    from mmdsa.utils.fileio import atomic_write
    if not osp.isfile(args.config):
        raise ToolError(f'{args.config}: config not found (no such file)')
    if args.save_path is not None:
        if not args.save_path.endswith('.py'):
            raise ToolError(f'--save-path: expected a .py file, got '
                            f'{args.save_path}')
        if osp.lexists(args.save_path):
            raise ToolError(f'{args.save_path}: --save-path exists; '
                            'refusing to overwrite it')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    text = cfg.pretty_text
    print(f'Config:\n{text}')
    if args.save_path is not None:
        atomic_write(args.save_path, text + '\n')
        print(f'saved to {args.save_path}')
    return 0


if __name__ == '__main__':
    sys.exit(run_tool(main))
