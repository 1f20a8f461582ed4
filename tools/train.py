"""Train a model from an mmdsa config (thin, mmdet-style).

    python tools/train.py CONFIG [--work-dir DIR] [--amp] [--resume [CKPT]]
        [--cfg-options k=v ...] [--launcher none|pytorch|slurm]
        [--vis-backend local|tensorboard|wandb]

Distributed runs use MMEngine's launchers and torch.distributed (see
tools/dist_train.sh); on a machine without GPUs the process group is created
with the gloo backend (mmdsa.utils.compat.init_cpu_distributed).

``--resume`` loads only a checkpoint that fits the model exactly and
restores the random state of the run (docs/guarantees.md); a missing,
truncated, unsafe or non-fitting checkpoint gives one line ``error: ...``
and exit status 2.
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train an mmdsa model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training (GPU)')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or, without a path, from '
        'the latest checkpoint in the work directory')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. train_cfg.max_epochs=2')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--vis-backend',
        choices=sorted(VIS_BACKENDS),
        help='where training scalars and pictures go, besides the log: '
        'sets visualizer.vis_backends (LocalVisBackend is always kept) '
        'without editing a config')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(parser)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


#: --vis-backend: (MMEngine backend type, the package it needs or None)
VIS_BACKENDS = {
    'local': ('LocalVisBackend', None),
    'tensorboard': ('TensorboardVisBackend', 'tensorboard'),
    'wandb': ('WandbVisBackend', 'wandb'),
}


def missing_vis_backend_package(name):
    """The one-line refusal for a backend whose package is not installed,
    or None when it can be used."""
    import importlib.util
    package = VIS_BACKENDS[name][1]
    if package is None or importlib.util.find_spec(package) is not None:
        return None
    return (f'--vis-backend {name}: the "{package}" package is not '
            f'installed (pip install {package})')


def set_vis_backend(cfg, name):
    """``visualizer.vis_backends`` = LocalVisBackend (+ the chosen one)."""
    backends = [dict(type='LocalVisBackend')]
    if name != 'local':
        backends.append(dict(type=VIS_BACKENDS[name][0]))
    if cfg.get('visualizer', None) is None:
        cfg.visualizer = dict(type='Visualizer', name='visualizer')
    cfg.visualizer.vis_backends = backends


def build_config(args):
    """Load the config and apply the command-line overrides."""
    from mmdsa.utils.cli import load_config
    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if getattr(args, 'vis_backend', None):
        set_vis_backend(cfg, args.vis_backend)
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.resume is not None:
        cfg.custom_hooks = list(cfg.get('custom_hooks', None) or []) + [
            dict(type='mmdsa.StrictLoadHook',
                 filename=None if args.resume == 'auto' else args.resume)]
    return cfg


def main(argv=None):
    args = parse_args(argv)
    import mmdsa  # noqa: F401  (version checks)
    from mmdsa.utils import register_all_modules
    from mmdsa.utils.compat import (adapt_config_for_cpu_distributed,
                                     init_cpu_distributed,
                                     use_checkpoint_loader)
    from mmdsa.synth.dataset import ForeignFilesError
    from mmdsa.utils.checkpoint import REFUSED_CHECKPOINT_ERRORS
    register_all_modules(init_default_scope=False)
    if args.vis_backend and missing_vis_backend_package(args.vis_backend):
        print(f'error: {missing_vis_backend_package(args.vis_backend)}',
              file=sys.stderr)
        return 2
    cfg = build_config(args)
    if args.resume not in (None, 'auto') and not osp.isfile(args.resume):
        print(f'error: {args.resume}: checkpoint not found (no such file)',
              file=sys.stderr)
        return 2
    if init_cpu_distributed(args.launcher):
        adapt_config_for_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg \
        else RUNNERS.build(cfg)
    use_checkpoint_loader(runner)  # load_from / resume: the safe loader
    try:
        runner.train()
    except REFUSED_CHECKPOINT_ERRORS + (ForeignFilesError, ) as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
