"""NaN / Inf losses and weights stop a run; such weights are never saved
nor loaded (NonFiniteGuardHook, mmdsa.utils.compat)."""
from types import SimpleNamespace

import pytest
import torch

from mmdsa.engine.hooks import NonFiniteGuardHook
from mmdsa.utils.finite import NonFiniteError


def _runner(model):
    return SimpleNamespace(model=model, work_dir='work', epoch=2, iter=17)


@pytest.mark.parametrize('loss', [float('nan'), float('inf'),
                                  torch.tensor(float('nan'))])
def test_non_finite_loss_stops_the_run(loss):
    hook = NonFiniteGuardHook()
    with pytest.raises(NonFiniteError, match='epoch 3, iteration 18.*loss'):
        hook.after_train_iter(_runner(torch.nn.Linear(2, 2)), 0,
                              outputs=dict(loss=loss, acc=1.0))


def test_finite_losses_and_weights_pass():
    hook = NonFiniteGuardHook(check_weights_interval=1)
    runner = _runner(torch.nn.Linear(2, 2))
    runner.iter = 0
    hook.after_train_iter(runner, 0, outputs=dict(loss=torch.tensor(0.3)))
    hook.after_train_epoch(runner)
    hook.before_save_checkpoint(runner, dict(
        state_dict=runner.model.state_dict()))


def test_non_finite_weights_are_never_checkpointed():
    model = torch.nn.Linear(2, 2)
    with torch.no_grad():
        model.weight[0, 0] = float('nan')
    hook = NonFiniteGuardHook()
    with pytest.raises(NonFiniteError, match='weight'):
        hook.after_train_epoch(_runner(model))
    with pytest.raises(NonFiniteError, match='checkpoint not saved'):
        hook.before_save_checkpoint(_runner(model), dict(
            state_dict=model.state_dict()))


def test_default_runtime_has_the_guard():
    from mmengine.config import Config

    from tests.conftest import REPO_ROOT
    cfg = Config.fromfile(REPO_ROOT / 'configs/_base_/default_runtime.py')
    assert cfg.default_hooks.finite_guard.type == 'NonFiniteGuardHook'


def test_checkpoint_with_nan_weights_is_refused_at_load(tmp_path):
    from mmdsa.utils.checkpoint import (REFUSED_CHECKPOINT_ERRORS,
                                        load_model_checkpoint)
    model = torch.nn.Linear(2, 2)
    state = model.state_dict()
    state['bias'] = torch.tensor([0.0, float('inf')])
    path = tmp_path / 'diverged.pth'
    torch.save(dict(state_dict=state, meta={}), path)
    with pytest.raises(REFUSED_CHECKPOINT_ERRORS) as info:
        load_model_checkpoint(model, str(path))
    assert isinstance(info.value, NonFiniteError)
    assert str(path) in str(info.value) and 'bias' in str(info.value)
