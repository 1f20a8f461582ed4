"""Small experiment runner shared by the demo and the reproduction study:
derive a config, train it with tools/train.py, test it with tools/test.py and
read the metrics back.

It needs no checkout: like ``mim train mmdsa``, it runs the tools that the
package carries under ``mmdsa/.mim/tools`` (a wheel or an editable install),
falling back to the ``tools/`` folder beside the package (a checkout on
``PYTHONPATH``). The child processes import the same ``mmdsa`` as this one.
"""
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, Optional, Sequence

from mmengine.config import Config

# the folder holding the imported ``mmdsa`` package
PACKAGE_PARENT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
WINDOW_LOADERS = ('LoadDSAWindow', 'mmdsa.LoadDSAWindow')


def log(msg: str) -> None:
    print(f'[mmdsa {time.strftime("%H:%M:%S")}] {msg}', flush=True)


def set_window_frames(cfg: Config, num_frames: int) -> None:
    """Set the window length T of a loaded detection config.

    T has two owners once a config is loaded (``docs/configs.md``): the
    data (every dataloader's ``LoadDSAWindow``) and the model
    (``model.num_frames``; the temporal neck takes the model's T). The
    file-level ``num_frames`` is updated too, so a dumped config reads
    consistently.

    Args:
        cfg (Config): A detection config, changed in place.
        num_frames (int): Odd window length.
    """
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if loader is None:
            continue
        for step in loader.dataset.pipeline:
            if step.get('type') in WINDOW_LOADERS:
                step['num_frames'] = num_frames
    cfg.model.num_frames = num_frames
    if 'num_frames' in cfg:
        cfg.num_frames = num_frames


def _is_classification_dataset(type_name: str) -> bool:
    """Whether a dataset ``type`` builds the classification dataset (new
    or deprecated name, with or without the ``mmdsa.`` scope)."""
    from mmdsa.utils.deprecation import RENAMED
    name = type_name.split('.')[-1]
    return RENAMED.get(name, name) == 'DSAClassificationDataset'


def set_synthetic_data(cfg: Config, root: str, sizes: Dict[str, int],
                       seed: int, image_size: Optional[int] = None) -> None:
    """Point train / val / test at synthetic sets under ``root``.

    Args:
        cfg (Config): Config whose datasets take ``synthetic=dict(...)``.
        root (str): Folder holding ``train/``, ``val/``, ``test/``.
        sizes (dict): ``{'train': n, 'val': n, 'test': n}``: pairs for the
            thrombus task, series for the perforation task.
        seed (int): Base seed (splits use seed * 10 + 0, 1, 2).
        image_size (int, optional): Generated frame size.
    """
    for k, split in enumerate(('train', 'val', 'test')):
        dataset = cfg[f'{split}_dataloader'].dataset
        synthetic = dict(dataset.get('synthetic') or {})
        count = 'num_pairs' if _is_classification_dataset(dataset.type) \
            else 'num_series'
        synthetic.update({count: sizes[split], 'seed': seed * 10 + k})
        if image_size is not None:
            synthetic['image_size'] = image_size
        dataset.synthetic = synthetic
        dataset.data_root = osp.join(root, split) + '/'


def dump_config(cfg: Config, path: str) -> str:
    """Write ``cfg`` as a standalone config file (atomically)."""
    from mmdsa.utils.fileio import atomic_write
    return atomic_write(path, writer=cfg.dump)


def tools_dir() -> str:
    """The folder of mmdsa's tools (``train.py``, ``test.py``, ...).

    Returns:
        str: ``mmdsa/.mim/tools`` when the package carries it, else the
        ``tools/`` folder beside the package.

    Raises:
        FileNotFoundError: When neither holds ``train.py``.
    """
    candidates = [
        osp.join(PACKAGE_PARENT, 'mmdsa', '.mim', 'tools'),
        osp.join(PACKAGE_PARENT, 'tools')
    ]
    for folder in candidates:
        if osp.isfile(osp.join(folder, 'train.py')):
            return osp.realpath(folder)
    raise FileNotFoundError(
        'mmdsa tools: expected train.py under one of '
        f'{candidates} (a wheel or editable install carries mmdsa/.mim/'
        'tools), found none')


def run_tool(args: Sequence[str]) -> None:
    """Run one of mmdsa's tools, ``args[0]`` relative to :func:`tools_dir`
    (e.g. ``['train.py', CONFIG, '--work-dir', DIR]``); output streams to
    the console (MMEngine's logger shows the progress).

    Raises:
        RuntimeError: When the tool exits with a non-zero status.
    """
    script = osp.join(tools_dir(), str(args[0]))
    if not osp.isfile(script):
        raise FileNotFoundError(f'run_tool: expected a tool file, got '
                                f'{args[0]!r} ({script} does not exist)')
    cmd = [sys.executable, script] + [str(a) for a in args[1:]]
    log('$ ' + ' '.join([str(args[0])] + cmd[2:]))
    env = dict(os.environ)
    env['PYTHONPATH'] = PACKAGE_PARENT + os.pathsep + env.get(
        'PYTHONPATH', '')
    # The CPU-scale models are small: one OpenMP thread per process is
    # measured ~50x faster per iteration than two threads competing for
    # two busy cores (thread spinning). Set OMP_NUM_THREADS to override.
    env.setdefault('OMP_NUM_THREADS', '1')
    proc = subprocess.run(cmd, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f'step failed with exit status {proc.returncode}:'
                           f' {" ".join(str(a) for a in args)}')


def best_or_last_checkpoint(work_dir: str) -> str:
    """The ``save_best`` checkpoint when there is one, else the last
    (:func:`mmdsa.utils.checkpoint.best_or_last_checkpoint`)."""
    from mmdsa.utils.checkpoint import best_or_last_checkpoint as pick
    return pick(work_dir)


def read_test_metrics(test_dir: str) -> Dict:
    """Metrics of the latest ``tools/test.py`` run in ``test_dir`` (the JSON
    that MMEngine's LoggerHook dumps after the test epoch)."""
    files = sorted(glob.glob(osp.join(test_dir, '2*', '2*.json')),
                   key=osp.getmtime)
    if not files:
        raise FileNotFoundError(f'{test_dir}: no test metrics JSON found')
    with open(files[-1]) as f:
        return json.load(f)


def train_and_test(cfg_path: str, work_dir: str,
                   train: bool = True) -> Dict:
    """Train (unless ``train=False`` and a checkpoint exists) and test.

    Returns:
        dict: ``checkpoint`` and test ``metrics``.
    """
    if train or not osp.exists(osp.join(work_dir, 'last_checkpoint')):
        # the study's own job folder: a rerun replaces its earlier files
        run_tool(['train.py', cfg_path, '--work-dir', work_dir,
                  '--overwrite'])
    ckpt = best_or_last_checkpoint(work_dir)
    test_dir = osp.join(work_dir, 'test')
    run_tool(['test.py', cfg_path, ckpt, '--work-dir', test_dir,
              '--overwrite'])
    return dict(checkpoint=ckpt, metrics=read_test_metrics(test_dir))


def build_datasets(cfg_path: str,
                   splits=('train', 'val', 'test')) -> Dict[str, int]:
    """Build the datasets of ``splits`` once (generating synthetic data on
    first use, with a progress bar) and return their lengths."""
    from mmdsa.registry import DATASETS
    from mmdsa.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(cfg_path)
    return {
        split: len(DATASETS.build(cfg[f'{split}_dataloader'].dataset))
        for split in splits
    }


def calibrate(cfg_path: str, checkpoint: str) -> bool:
    """Choose the checkpoint's operating point on the config's validation
    split (tools/analysis_tools/calibrate_threshold.py, Youden's J).

    Returns:
        bool: Whether a sidecar was written (False when the validation
        series cannot choose one, e.g. a single class at toy scale).
    """
    try:
        run_tool(['analysis_tools/calibrate_threshold.py', cfg_path,
                  checkpoint])
    except RuntimeError as err:
        log(f'no operating point for {checkpoint}: {err}')
        return False
    return True
