"""Stop a run whose loss or weights become NaN or infinite.

MMEngine keeps training on a NaN loss: the weights turn NaN, every later
checkpoint holds them, and a model loaded from one answers every series
with the same meaningless score. :class:`NonFiniteGuardHook` stops the run
at the first non-finite loss (after the iteration) and refuses to let
non-finite weights reach a checkpoint (best and last included) or a
validation. The error names the work folder, epoch, iteration and the
offending loss terms or tensors, and ``tools/train.py`` turns it into one
line ``error: ...`` with exit status 2.
"""
import math
from typing import Optional

from mmengine.hooks import Hook

from mmdsa.registry import HOOKS
from mmdsa.utils.finite import NonFiniteError, check_finite_weights


def _value(v) -> Optional[float]:
    try:
        import torch
        if isinstance(v, torch.Tensor):
            if v.numel() != 1:
                return (float('nan') if not bool(torch.isfinite(v).all())
                        else 0.0)
            return float(v.detach())
        return float(v)
    except (TypeError, ValueError):
        return None


@HOOKS.register_module()
class NonFiniteGuardHook(Hook):
    """Stop training on a non-finite loss or non-finite weights.

    Checks every iteration's losses, the weights after every training epoch
    (before checkpointing and validation) and every checkpoint before it is
    written.

    Args:
        check_weights_interval (int): Also check the weights every this
            many iterations (0: only after epochs and before saving).
    """

    priority = 'ABOVE_NORMAL'   # before the checkpoint and logger hooks

    def __init__(self, check_weights_interval: int = 0):
        self.check_weights_interval = int(check_weights_interval)

    def _where(self, runner) -> str:
        return (f'{runner.work_dir}: epoch {runner.epoch + 1}, iteration '
                f'{runner.iter + 1}')

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        bad = []
        for key, value in (outputs or {}).items():
            if 'loss' not in key:
                continue
            v = _value(value)
            if v is not None and not math.isfinite(v):
                bad.append(f'{key}={v}')
        if bad:
            raise NonFiniteError(
                f'{self._where(runner)}: training stopped: the loss became '
                f'non-finite ({", ".join(bad)}); no checkpoint of this state '
                'is saved. Lower the learning rate (optim_wrapper.optimizer.'
                'lr), add gradient clipping (optim_wrapper.clip_grad) or '
                'check the data')
        if self.check_weights_interval > 0 and self.every_n_train_iters(
                runner, self.check_weights_interval):
            self._check_model(runner)

    def _check_model(self, runner) -> None:
        model = getattr(runner.model, 'module', runner.model)
        check_finite_weights(model.state_dict(),
                             f'{self._where(runner)}: training stopped')

    def after_train_epoch(self, runner) -> None:
        self._check_model(runner)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('state_dict', {})
        check_finite_weights(state, f'{self._where(runner)}: checkpoint not '
                             'saved')
