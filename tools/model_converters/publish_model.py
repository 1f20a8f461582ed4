"""Make a checkpoint ready for release (as mmdet's publish_model.py).

    python tools/model_converters/publish_model.py IN_FILE OUT_FILE
        [--save-keys meta state_dict]

Keeps only ``meta`` and ``state_dict`` (drops the optimizer, schedulers and
message hub), writes ``<OUT_FILE stem>-<sha256[:8]>.pth`` atomically and
never over an existing file, and carries a calibrated operating point
along (``<name>.operating_point.json``). The published file loads strictly
with ``mmdsa.apis.init_model(config, published)``.
"""
import argparse
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from mmdsa.utils.cli import run_tool  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Strip a checkpoint to its weights and name it by hash')
    parser.add_argument('in_file', help='input checkpoint filename')
    parser.add_argument('out_file', help='output checkpoint filename (the '
                        'SHA-256 prefix is added to it)')
    parser.add_argument('--save-keys', nargs='+', type=str,
                        default=['meta', 'state_dict'],
                        help='top-level keys to keep')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from mmdsa.utils.publish import PublishError, publish_checkpoint
    try:
        result = publish_checkpoint(args.in_file, args.out_file,
                                    args.save_keys)
    except PublishError as err:
        from mmdsa.utils.cli import ToolError
        raise ToolError(str(err)) from err
    print(f"published {result['checkpoint']} (sha256 {result['sha256']}); "
          f"removed: {', '.join(result['removed']) or 'nothing'}")
    if result['operating_point']:
        print(f"operating point: {result['operating_point']}")
    return 0


if __name__ == '__main__':
    sys.exit(run_tool(main))
