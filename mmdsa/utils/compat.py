"""Workarounds for the pinned stack (torch 2.13 + MMEngine 0.10.7).

Every workaround for this stack lives here, each with a test showing that it
is needed and that it works (``tests/test_utils/test_compat.py``):

1. **Checkpoints under torch >= 2.6.** ``torch.load`` defaults to
   ``weights_only=True``; MMEngine's checkpoints hold a few non-tensor types
   (``HistoryBuffer`` in the message hub, numpy arrays and scalars), so
   ``tools/test.py CKPT`` and ``--resume`` fail with ``Unsupported global``.
   :func:`load_checkpoint_file` loads with ``weights_only=True`` and exactly
   those types allow-listed (:func:`mmengine_checkpoint_globals`) for the
   duration of the load; a checkpoint carrying any other pickled object is
   refused with :class:`UnsafeCheckpointError` naming the file and the
   offending global.

   The scope is mmdsa's own loads: importing mmdsa changes neither torch's
   allow-list nor MMEngine's checkpoint loaders, so other libraries in the
   process (an mmpretrain ``Pretrained`` init, another project's runner)
   load as they would without mmdsa. mmdsa's loads go through
   :func:`load_checkpoint_file`: :func:`mmdsa.apis.init_model` calls it
   (:func:`mmdsa.utils.checkpoint.load_model_checkpoint`), and the tools
   that run an MMEngine runner call :func:`use_checkpoint_loader` on it,
   which makes that runner's ``load_checkpoint`` / ``resume`` (``load_from``,
   ``--resume``) use it, and nothing else. :func:`allow_mmengine_checkpoints`
   and :func:`install_checkpoint_loader` remain for a user who wants the
   process-wide behaviour; mmdsa never calls them.
2. **Distributed runs without GPUs.** MMEngine's pytorch and slurm launchers
   call ``torch.cuda.set_device`` before ``init_process_group``, which fails on
   a CPU-only machine. :func:`init_cpu_distributed` creates the process group
   with the gloo backend first; ``Runner.setup_env`` then uses it as it is,
   and :func:`adapt_config_for_cpu_distributed` stops MMEngine from giving
   the CPU model a CUDA ``device_ids`` in its DDP wrapper.
"""
import collections
import contextlib
import functools
import inspect
import os
import pickle
from typing import Iterator, List, Optional

import numpy as np
import torch

__all__ = [
    'UnsafeCheckpointError', 'CorruptCheckpointError',
    'mmengine_checkpoint_globals', 'allow_mmengine_checkpoints',
    'load_checkpoint_file', 'mmengine_checkpoint_globals_allowed',
    'checkpoint_loader_installed', 'use_checkpoint_loader',
    'install_checkpoint_loader', 'init_cpu_distributed',
    'adapt_config_for_cpu_distributed', 'apply_all'
]


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds a pickled object outside the allow-list."""


class CorruptCheckpointError(RuntimeError):
    """A checkpoint file is truncated or not a torch checkpoint at all."""


def mmengine_checkpoint_globals() -> List[object]:
    """The non-builtin types MMEngine 0.10 checkpoints contain.

    ``message_hub`` holds :class:`mmengine.logging.HistoryBuffer` objects whose
    state is numpy arrays; ``runtime_info`` / ``meta`` may hold numpy scalars.
    Pickling numpy arrays needs ``_reconstruct``, ``ndarray``, ``dtype`` and
    the concrete ``numpy.dtypes`` classes; numpy scalars need ``scalar``.
    """
    from mmengine.logging import HistoryBuffer
    multiarray = _numpy_multiarray()
    # numpy.dtypes (the concrete DType classes) appeared in numpy 1.25;
    # older numpy pickles dtypes through numpy.dtype alone.
    dtypes = getattr(np, 'dtypes', None)
    dtype_classes = [
        getattr(dtypes, name) for name in dir(dtypes)
        if name.endswith('DType') and isinstance(
            getattr(dtypes, name), type)
    ] if dtypes is not None else []
    return [
        HistoryBuffer, multiarray._reconstruct, multiarray.scalar,
        np.ndarray, np.dtype, collections.Counter,
        (_history_buffer_getattr, '__builtin__.getattr'),
        (_history_buffer_getattr, 'builtins.getattr'),
        (_empty_bytes, '__builtin__.bytes'),
        (_empty_bytes, 'builtins.bytes'),
    ] + dtype_classes


def _numpy_multiarray():
    """numpy's ``multiarray`` module: ``numpy._core.multiarray`` from numpy
    2 on, ``numpy.core.multiarray`` before (requirements allow 1.24)."""
    import importlib
    major = int(np.__version__.split('.')[0])
    names = ('numpy._core.multiarray', 'numpy.core.multiarray') \
        if major >= 2 else ('numpy.core.multiarray', )
    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise ImportError(f'numpy {np.__version__}: expected one of {names}')


def _empty_bytes(*args):
    """The only ``bytes`` call a checkpoint may make: ``bytes()``.

    Protocol-2 pickles write the data of an empty numpy array (an empty
    ``HistoryBuffer``, ``meta={'x': np.array([])}``) as ``bytes()``; non-empty
    data goes through the already allowed ``_codecs.encode``. Any argument
    (which could ask for a huge allocation) is refused.
    """
    if args:
        raise pickle.UnpicklingError(
            f'Unsupported global: bytes{args!r:.40} (only bytes() is '
            'allowed)')
    return b''


def _history_buffer_getattr(obj, name):
    """The only ``getattr`` a checkpoint may call.

    ``HistoryBuffer.__getstate__`` stores its statistics methods (``min``,
    ``max``, ``current``, ``mean``, ...), which pickle as
    ``getattr(HistoryBuffer, 'min')``. Allow-listing the builtin ``getattr``
    would let a checkpoint reach any attribute of any allowed object, so this
    stand-in resolves only plain functions defined on ``HistoryBuffer``.
    """
    from mmengine.logging import HistoryBuffer
    value = getattr(obj, name, None) if obj is HistoryBuffer else None
    if not isinstance(name, str) or name.startswith('_') or \
            not inspect.isfunction(value):
        raise pickle.UnpicklingError(
            f'Unsupported global: getattr({obj!r}, {name!r}) is not a '
            'statistics method of mmengine HistoryBuffer')
    return value


def allow_mmengine_checkpoints() -> None:
    """Allow-list :func:`mmengine_checkpoint_globals` for ``weights_only``
    process-wide (for every library). mmdsa itself does not call this:
    :func:`load_checkpoint_file` allows them only while it loads."""
    torch.serialization.add_safe_globals(mmengine_checkpoint_globals())


@contextlib.contextmanager
def mmengine_checkpoint_globals_allowed() -> Iterator[None]:
    """Allow :func:`mmengine_checkpoint_globals` inside the block only.

    torch's allow-list is restored exactly on exit (entries another library
    added before stay; torch's own ``safe_globals`` context would remove
    them if they overlap with ours).
    """
    serialization = torch.serialization
    before = serialization.get_safe_globals()
    serialization.add_safe_globals(
        [g for g in mmengine_checkpoint_globals() if g not in before])
    try:
        yield
    finally:
        serialization.clear_safe_globals()
        serialization.add_safe_globals(before)


def load_checkpoint_file(filename: str, map_location=None):
    """Load a local checkpoint with ``weights_only=True``.

    Args:
        filename (str): Path of the checkpoint.
        map_location: As for :func:`torch.load`.

    Returns:
        dict: The checkpoint.

    Raises:
        FileNotFoundError: ``filename`` does not exist.
        UnsafeCheckpointError: the file holds a pickled object that is not a
            tensor, a builtin container or an allow-listed MMEngine type.
        CorruptCheckpointError: the file is truncated (e.g. a killed save)
            or is no torch checkpoint.
        NonFiniteError: its weights hold NaN or infinite values (a run
            that diverged).
    """
    filename = os.path.expanduser(filename)
    if not os.path.isfile(filename):
        raise FileNotFoundError(
            f'{filename}: checkpoint not found (no such file)')
    try:
        with mmengine_checkpoint_globals_allowed():
            checkpoint = torch.load(
                filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        if 'global' not in str(exc).lower():   # garbage, not a foreign object
            raise CorruptCheckpointError(
                f'{filename}: not a checkpoint (torch said: '
                f'{_first_line(exc)})') from exc
        raise UnsafeCheckpointError(
            f'Refusing to load checkpoint {filename}: it contains a pickled '
            'object that is not a tensor, a builtin container or one of the '
            "types MMEngine checkpoints hold (mmdsa keeps torch.load's "
            'weights_only=True so that a checkpoint cannot run code): '
            f'{_unsupported_global(str(exc))}') from exc
    except Exception as exc:  # truncated zip, legacy-format garbage, ...
        raise CorruptCheckpointError(
            f'{filename}: not a complete checkpoint (truncated or not a '
            f'torch file; torch said: {_first_line(exc)})') from exc
    from .finite import check_finite_weights
    state = checkpoint.get('state_dict', checkpoint) \
        if isinstance(checkpoint, dict) else {}
    if isinstance(state, dict):
        check_finite_weights(state, f'{filename}: checkpoint refused')
    return checkpoint


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return (lines[0][:120] if lines else type(exc).__name__)


def _unsupported_global(message: str) -> str:
    for line in message.splitlines():
        if 'global' in line.lower() and 'weights only' not in line.lower():
            line = line.strip().split('. Please use', 1)[0]
            return line.replace('WeightsUnpickler error: ', '')
    return message.splitlines()[0] if message else ''


def install_checkpoint_loader() -> None:
    """Make MMEngine's local-file scheme use :func:`load_checkpoint_file`
    process-wide (for every library's local loads). mmdsa itself does not
    call this; see :func:`checkpoint_loader_installed`."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_checkpoint_file, force=True)


@contextlib.contextmanager
def checkpoint_loader_installed() -> Iterator[None]:
    """MMEngine's local-file scheme is :func:`load_checkpoint_file` inside
    the block only; the previous loader is put back on exit."""
    from mmengine.runner.checkpoint import CheckpointLoader
    schemes = CheckpointLoader._schemes
    previous = schemes.get('')
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_checkpoint_file, force=True)
    try:
        yield
    finally:
        if previous is None:
            CheckpointLoader._schemes.pop('', None)
        else:
            CheckpointLoader.register_scheme(
                prefixes='', loader=previous, force=True)


def use_checkpoint_loader(runner):
    """Make ``runner.load_checkpoint`` and ``runner.resume`` (``load_from``,
    ``--resume``) read local files with :func:`load_checkpoint_file`.

    Only these two methods of this runner change; weight initialisation
    (e.g. an mmpretrain ``Pretrained`` init from a local file) and every
    other load in the process keep MMEngine's loader. Calling it twice is
    a no-op.

    Args:
        runner (mmengine.runner.Runner): The runner, changed in place.

    Returns:
        The runner.
    """
    for name in ('load_checkpoint', 'resume'):
        method = getattr(runner, name)
        if getattr(method, '_mmdsa_strict_loader', False):
            continue

        def wrapped(*args, _method=method, **kwargs):
            with checkpoint_loader_installed():
                return _method(*args, **kwargs)

        functools.update_wrapper(wrapped, method)
        wrapped._mmdsa_strict_loader = True
        setattr(runner, name, wrapped)
    return runner


def init_cpu_distributed(launcher: str,
                         backend: str = 'gloo',
                         timeout_s: Optional[int] = None) -> bool:
    """Initialise ``torch.distributed`` with gloo when there is no GPU.

    Does nothing when ``launcher == 'none'``, when CUDA is available (then
    MMEngine's own launcher is used) or when a process group exists already.

    Args:
        launcher (str): ``'none'``, ``'pytorch'`` (torchrun / dist_train.sh)
            or ``'slurm'`` (srun).
        backend (str): Backend for the CPU process group.
        timeout_s (int, optional): Process-group timeout in seconds.

    Returns:
        bool: Whether this function created the process group.
    """
    import datetime

    import torch.distributed as dist
    if launcher == 'none' or torch.cuda.is_available() or (
            dist.is_available() and dist.is_initialized()):
        return False
    if launcher == 'slurm':
        _slurm_env_to_torch_env()
    elif launcher != 'pytorch':
        raise ValueError(
            f"init_cpu_distributed: launcher expected 'none', 'pytorch' or "
            f"'slurm' on a machine without GPUs, got {launcher!r}")
    missing = [
        k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
        if k not in os.environ
    ]
    if missing:
        raise ValueError(
            f'init_cpu_distributed: launcher {launcher!r} expected the '
            f'environment variables {missing} (set by torchrun or '
            'tools/dist_train.sh), but they are not set')
    kwargs = {}
    if timeout_s is not None:
        kwargs['timeout'] = datetime.timedelta(seconds=timeout_s)
    dist.init_process_group(
        backend=backend,
        rank=int(os.environ['RANK']),
        world_size=int(os.environ['WORLD_SIZE']),
        **kwargs)
    return True


def adapt_config_for_cpu_distributed(cfg) -> None:
    """Config changes a CPU-only distributed run needs.

    MMEngine wraps the model in ``MMDistributedDataParallel`` with
    ``device_ids=[LOCAL_RANK]``, which torch rejects for a CPU module; an
    explicit ``model_wrapper_cfg`` with ``device_ids=None`` avoids it. The
    backend becomes gloo.

    Args:
        cfg (mmengine.Config): The run's config, changed in place.
    """
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg', None)
    if wrapper is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel',
            device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    elif 'device_ids' not in wrapper:
        wrapper['device_ids'] = None


def _slurm_env_to_torch_env() -> None:
    """Derive torchrun-style variables from SLURM's, as MMEngine does."""
    import subprocess
    proc_id = int(os.environ['SLURM_PROCID'])
    ntasks = int(os.environ['SLURM_NTASKS'])
    node_list = os.environ['SLURM_NODELIST']
    if 'MASTER_ADDR' not in os.environ:
        addr = subprocess.getoutput(
            f'scontrol show hostname {node_list} | head -n1')
        os.environ['MASTER_ADDR'] = addr
    os.environ.setdefault('MASTER_PORT', '29500')
    os.environ['WORLD_SIZE'] = str(ntasks)
    os.environ['RANK'] = str(proc_id)
    os.environ.setdefault('LOCAL_RANK', os.environ.get('SLURM_LOCALID', '0'))


def apply_all() -> None:
    """The process-wide checkpoint workaround for every library:
    :func:`allow_mmengine_checkpoints` and :func:`install_checkpoint_loader`.

    Not called by mmdsa (importing mmdsa patches nothing process-wide, see
    the module docstring); kept for users who want the old behaviour.
    """
    allow_mmengine_checkpoints()
    install_checkpoint_loader()
