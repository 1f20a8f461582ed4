"""Evaluate a checkpoint on a config's test set (thin, mmdet-style).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE.pkl]
        [--cfg-options k=v ...] [--launcher none|pytorch|slurm]

Checkpoints load with ``torch.load(weights_only=True)`` and an allow-list of
MMEngine's own types (mmdsa.utils.compat); anything else is refused. The
checkpoint must fit the model exactly unless ``--allow-partial-checkpoint``.
A missing, truncated, unsafe or non-fitting checkpoint gives one line
``error: ...`` and exit status 2.
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test an mmdsa model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    parser.add_argument(
        '--out',
        type=str,
        help='dump the raw predictions to a pickle file (.pkl/.pickle)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. test_evaluator.threshold=0.4')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--allow-partial-checkpoint',
        action='store_true',
        help='evaluate a checkpoint whose weights do not fit the model '
        'exactly (default: refuse it)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(parser)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle')):
        parser.error(f'--out: expected a .pkl or .pickle file, got {args.out}')
    return args


def main(argv=None):
    args = parse_args(argv)
    import mmdsa  # noqa: F401  (version checks)
    from mmdsa.utils import register_all_modules
    from mmdsa.synth.dataset import ForeignFilesError
    from mmdsa.utils.checkpoint import REFUSED_CHECKPOINT_ERRORS
    from mmdsa.utils.compat import (adapt_config_for_cpu_distributed,
                                     init_cpu_distributed,
                                     use_checkpoint_loader)
    register_all_modules(init_default_scope=False)
    if not osp.isfile(args.checkpoint):
        return _refuse(f'{args.checkpoint}: checkpoint not found (no such '
                       'file)')
    if args.out is not None and osp.isdir(args.out):
        return _refuse(f'{args.out}: --out must be a .pkl file, but it is '
                       'an existing folder')
    from mmdsa.evaluation.metrics import AtomicDumpResults
    from mmdsa.utils.cli import load_config
    from mmdsa.utils.fileio import check_new_output
    if args.out is not None:
        check_new_output(args.out)

    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if not args.allow_partial_checkpoint:
        cfg.custom_hooks = list(cfg.get('custom_hooks', None) or []) + [
            dict(type='mmdsa.StrictLoadHook', filename=args.checkpoint)]
    if init_cpu_distributed(args.launcher):
        adapt_config_for_cpu_distributed(cfg)

    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg \
        else RUNNERS.build(cfg)
    use_checkpoint_loader(runner)  # load_from / resume: the safe loader
    if args.out is not None:
        runner.test_evaluator.metrics.append(
            AtomicDumpResults(out_file_path=args.out))
    try:
        metrics = runner.test()
    except REFUSED_CHECKPOINT_ERRORS + (ForeignFilesError, ) as exc:
        return _refuse(exc)
    return metrics


def _refuse(message):
    """A refusal: one line on stderr, exit status 2."""
    print(f'error: {message}', file=sys.stderr)
    return 2


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
