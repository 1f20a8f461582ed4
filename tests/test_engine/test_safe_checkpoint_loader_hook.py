"""A runner built from an mmdsa config (any project's train / test script)
loads ``load_from`` / ``resume`` with mmdsa's safe loader, and only those."""
import argparse

import pytest
import torch
from mmengine.config import Config
from mmengine.model import BaseModel

from tests.conftest import REPO_ROOT


class _Toy(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, inputs=None, data_samples=None, mode='tensor'):
        return self.linear(inputs)


def _runner(tmp_path, load_from, resume=False):
    from mmengine.runner import Runner

    import mmdsa.engine  # noqa: F401
    cfg = Config.fromfile(REPO_ROOT / 'configs/_base_/default_runtime.py')
    return Runner(model=_Toy(), work_dir=str(tmp_path / 'work'),
                  default_hooks=cfg.default_hooks, load_from=load_from,
                  resume=resume, default_scope='mmdsa',
                  experiment_name=f'safe_load_{tmp_path.name}')


def test_default_runtime_runner_loads_strictly_and_only_there(tmp_path):
    from mmengine.runner.checkpoint import CheckpointLoader, load_from_local

    from mmdsa.utils.compat import UnsafeCheckpointError
    good = tmp_path / 'good.pth'
    torch.save(dict(state_dict=_Toy().state_dict(), meta={}), good)
    bad = tmp_path / 'bad.pth'
    torch.save(dict(state_dict=_Toy().state_dict(), meta={},
                    args=argparse.Namespace(a=1)), bad)
    runner = _runner(tmp_path, str(bad))
    names = [type(h).__name__ for h in runner.hooks]
    assert 'SafeCheckpointLoaderHook' in names
    runner.call_hook('before_run')
    with pytest.raises(UnsafeCheckpointError, match='bad.pth'):
        runner.load_or_resume()
    assert CheckpointLoader._schemes[''] is load_from_local
    runner = _runner(tmp_path, str(good))
    runner.call_hook('before_run')
    runner.load_or_resume()
    assert CheckpointLoader._schemes[''] is load_from_local
