"""TrainLossPlateauLR (the authors' scheduler) and AmpIfAvailableOptimWrapper
(issue 12 item 3)."""
import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper

from mmdsa.engine import AmpIfAvailableOptimWrapper, TrainLossPlateauLR
from mmdsa.registry import OPTIM_WRAPPERS, PARAM_SCHEDULERS


def _optim():
    return torch.optim.AdamW([torch.nn.Parameter(torch.zeros(2))], lr=1e-3)


def test_matches_torch_reduce_lr_on_plateau_on_epoch_mean_loss():
    hub = MessageHub.get_instance('test_train_loss_plateau')
    rng = np.random.default_rng(0)
    ours, ref_opt = _optim(), _optim()
    sched = PARAM_SCHEDULERS.build(
        dict(type='TrainLossPlateauLR', factor=0.1, patience=2,
             by_epoch=True), default_args=dict(optimizer=ours))
    assert isinstance(sched, TrainLossPlateauLR)
    ref = torch.optim.lr_scheduler.ReduceLROnPlateau(
        ref_opt, mode='min', factor=0.1, patience=2)
    epoch_means = [1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9, 0.5, 0.6, 0.6,
                   0.6, 0.6]
    lrs = []
    for mean in epoch_means:
        iters = mean + rng.normal(0, 0.05, 7)
        iters += mean - iters.mean()  # exact epoch mean
        for v in iters:
            hub.update_scalar('train/loss', float(v))
        # a validation epoch in between must not count
        sched.step(dict(mcc=float(rng.uniform())))
        sched.step()
        ref.step(mean)
        lrs.append(ours.param_groups[0]['lr'])
        assert lrs[-1] == pytest.approx(ref_opt.param_groups[0]['lr'])
    assert min(lrs) < 1e-3  # it did reduce at least once
    # the consumed iteration count is saved with the scheduler (resume)
    assert sched.state_dict()['_seen'] == 7 * len(epoch_means)


def test_not_by_epoch_is_refused():
    with pytest.raises(ValueError, match='by_epoch'):
        TrainLossPlateauLR(_optim(), by_epoch=False)


def test_amp_only_where_cuda(monkeypatch):
    built = OPTIM_WRAPPERS.build(dict(
        type='AmpIfAvailableOptimWrapper', loss_scale='dynamic',
        optimizer=_optim()))
    if not torch.cuda.is_available():
        assert type(built) is OptimWrapper
    calls = {}

    class FakeAmp:
        def __init__(self, **kwargs):
            calls.update(kwargs)

    import mmdsa.engine.optimizers.amp_if_available as mod
    monkeypatch.setattr(mod, 'AmpOptimWrapper', FakeAmp)
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    opt = _optim()
    out = AmpIfAvailableOptimWrapper(optimizer=opt, loss_scale='dynamic')
    assert isinstance(out, FakeAmp) and calls['loss_scale'] == 'dynamic'
