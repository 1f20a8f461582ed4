"""Each stack workaround in mmdsa.utils.compat: needed, and working."""
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

from mmdsa.utils.compat import (UnsafeCheckpointError,
                                adapt_config_for_cpu_distributed,
                                load_checkpoint_file)
from tests.conftest import REPO_ROOT


def _mmengine_like_checkpoint(path):
    from mmengine.logging import HistoryBuffer, MessageHub
    hub = MessageHub.get_instance('compat_test')
    hub.update_scalar('train/loss', 0.5)
    hub.update_scalar('train/loss', np.float64(0.25))
    hub.update_info('iter', 3)
    ckpt = dict(
        meta=dict(epoch=1, iter=3, seed=np.int64(0), dataset_meta=dict(
            classes=('a', 'b'))),
        state_dict={'w': torch.ones(2)},
        message_hub=hub.state_dict(),
        param_schedulers=[dict(milestones=__import__('collections').Counter(
            [1]))],
        arr=np.arange(3, dtype=np.float32))
    assert isinstance(hub.log_scalars['train/loss'], HistoryBuffer)
    torch.save(ckpt, path)


def test_plain_torch_cannot_load_mmengine_checkpoint(tmp_path):
    """The problem: torch>=2.6 weights_only refuses MMEngine's types."""
    path = tmp_path / 'ckpt.pth'
    _mmengine_like_checkpoint(path)
    code = ('import torch, sys\n'
            'try:\n'
            f'    torch.load({str(path)!r}, weights_only=True)\n'
            'except Exception as e:\n'
            '    print(type(e).__name__, e); sys.exit(3)\n')
    proc = subprocess.run([sys.executable, '-c', code],
                          capture_output=True,
                          text=True)
    assert proc.returncode == 3
    assert 'HistoryBuffer' in proc.stdout or 'Unsupported global' in \
        proc.stdout


def test_allow_listed_checkpoint_loads(tmp_path):
    path = tmp_path / 'ckpt.pth'
    _mmengine_like_checkpoint(path)
    ckpt = load_checkpoint_file(str(path), map_location='cpu')
    buf = ckpt['message_hub']['log_scalars']['train/loss']
    assert buf.mean() == pytest.approx(0.375)
    assert buf.current() == pytest.approx(0.25)
    np.testing.assert_array_equal(ckpt['arr'], np.arange(3))
    # MMEngine's own loader goes through the same function where mmdsa
    # installs it (its entry points, scoped)
    from mmengine.runner.checkpoint import _load_checkpoint

    from mmdsa.utils.compat import checkpoint_loader_installed
    with checkpoint_loader_installed():
        assert torch.equal(_load_checkpoint(str(path))['state_dict']['w'],
                           torch.ones(2))


class _Evil:

    def __reduce__(self):
        return (os.system, ('echo pwned',))


@pytest.mark.parametrize('payload', [
    _Evil(), {'x': __import__('argparse').Namespace(a=1)}
], ids=['os.system', 'foreign-class'])
def test_foreign_pickled_object_is_refused(tmp_path, payload):
    path = tmp_path / 'tampered.pth'
    torch.save({'state_dict': {'w': torch.ones(1)}, 'extra': payload}, path)
    with pytest.raises(UnsafeCheckpointError, match='Refusing to load'):
        load_checkpoint_file(str(path))
    from mmengine.runner.checkpoint import _load_checkpoint

    from mmdsa.utils.compat import checkpoint_loader_installed
    with checkpoint_loader_installed(), pytest.raises(
            pickle.UnpicklingError, match=str(path.name)):
        _load_checkpoint(str(path))


def test_getattr_stand_in_only_resolves_history_buffer_methods(tmp_path):
    """A checkpoint that uses getattr to reach anything else is refused."""

    from mmengine.logging import HistoryBuffer

    class _GetattrAttack:

        def __init__(self, obj, name):
            self.args = (obj, name)

        def __reduce__(self):
            return (getattr, self.args)

    for obj, name in [(np.ndarray, 'dump'), (HistoryBuffer, '__init__'),
                      (HistoryBuffer, 'register_statistics')]:
        path = tmp_path / 'getattr.pth'
        torch.save({'x': _GetattrAttack(obj, name)}, path)
        with pytest.raises(UnsafeCheckpointError):
            load_checkpoint_file(str(path))


def test_mmengine_pytorch_launcher_needs_gpu():
    """The problem: MMEngine's launcher calls torch.cuda.set_device."""
    if torch.cuda.is_available():
        pytest.skip('only meaningful on a machine without GPUs')
    code = ('import os\n'
            "os.environ.update(RANK='0', WORLD_SIZE='1', LOCAL_RANK='0',"
            " MASTER_ADDR='127.0.0.1', MASTER_PORT='29587')\n"
            'from mmengine.dist import init_dist\n'
            "init_dist('pytorch', backend='gloo')\n")
    proc = subprocess.run([sys.executable, '-c', code],
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert proc.returncode != 0
    assert 'cuda' in proc.stderr.lower() or 'nvidia' in proc.stderr.lower()


def test_cpu_distributed_config_and_process_group():
    """The fix: gloo group created first, DDP without device_ids."""
    from mmengine.config import Config
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    adapt_config_for_cpu_distributed(cfg)
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert cfg.model_wrapper_cfg.device_ids is None
    code = ('import os\n'
            "os.environ.update(RANK='0', WORLD_SIZE='1', LOCAL_RANK='0',"
            " MASTER_ADDR='127.0.0.1', MASTER_PORT='29588')\n"
            'import torch.distributed as dist\n'
            'from mmdsa.utils.compat import init_cpu_distributed\n'
            "created = init_cpu_distributed('pytorch')\n"
            'import torch\n'
            'expected = not torch.cuda.is_available()\n'
            'assert created == expected, created\n'
            'if created:\n'
            "    assert dist.get_backend() == 'gloo'\n"
            '    dist.destroy_process_group()\n'
            "print('OK')\n")
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    proc = subprocess.run([sys.executable, '-c', code],
                          capture_output=True,
                          text=True,
                          env=env,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'OK' in proc.stdout


def test_init_cpu_distributed_reports_missing_environment(monkeypatch):
    from mmdsa.utils.compat import init_cpu_distributed
    if torch.cuda.is_available():
        pytest.skip('only meaningful on a machine without GPUs')
    for key in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(ValueError, match='MASTER_ADDR'):
        init_cpu_distributed('pytorch')
    assert init_cpu_distributed('none') is False
