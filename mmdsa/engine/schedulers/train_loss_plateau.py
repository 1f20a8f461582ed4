"""ReduceLROnPlateau on the epoch's mean training loss (Mittmann et al.).

The classification authors step ``torch.optim.lr_scheduler.
ReduceLROnPlateau(mode='min', factor=0.1, patience=20)`` after every epoch
with the mean training loss of that epoch (read from their public code).
MMEngine's ``ReduceOnPlateauLR`` only sees validation metrics; on a
validation set of about 80 series its MCC is noisy and would cut the
learning rate far more often.
"""
from typing import Optional

from mmengine.logging import MessageHub
from mmengine.optim.scheduler import ReduceOnPlateauLR

from mmdsa.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class TrainLossPlateauLR(ReduceOnPlateauLR):
    """Reduce the learning rate when the epoch's mean training loss stops
    decreasing.

    Stepped by MMEngine's ``ParamSchedulerHook`` after every training
    epoch; it reads the iteration losses of that epoch from the message
    hub's ``train/<loss_key>`` history (what ``RuntimeInfoHook`` records)
    and feeds their mean to ``ReduceOnPlateauLR`` under ``monitor``.
    Validation metrics are ignored.

    Args:
        loss_key (str): the logged loss (``'loss'``: the total loss).
        monitor (str): name under which the mean is compared; default
            ``'loss'``.
        rule (str): ``'less'`` (default; the authors' ``mode='min'``).
        **kwargs: ``ReduceOnPlateauLR`` arguments (``factor``,
            ``patience``, ``threshold``, ``min_value``, ...); ``by_epoch``
            must be True.
    """

    need_val_args = False

    def __init__(self, optimizer, loss_key: str = 'loss',
                 monitor: str = 'loss', rule: str = 'less', **kwargs):
        if not kwargs.get('by_epoch', True):
            raise ValueError('TrainLossPlateauLR: expected by_epoch=True '
                             '(it steps once per training epoch), got False')
        super().__init__(optimizer, monitor=monitor, rule=rule, **kwargs)
        self.loss_key = loss_key
        self._seen = 0  # iteration losses consumed so far (kept on resume)

    def epoch_mean_loss(self) -> Optional[float]:
        """Mean of the iteration losses logged since the last step, or None
        when none was logged."""
        hub = MessageHub.get_current_instance()
        key = f'train/{self.loss_key}'
        if key not in hub.log_scalars:
            return None
        values = hub.get_scalar(key).data[0]
        if len(values) < self._seen:  # history truncated or restarted
            self._seen = 0
        new = values[self._seen:]
        self._seen = len(values)
        return float(new.mean()) if len(new) else None

    def step(self, metrics=None):
        """Count the epoch, then compare its mean training loss."""
        if metrics is not None:  # validation metrics: not ours
            return
        super().step(None)  # counts the epoch (MMEngine's convention)
        loss = self.epoch_mean_loss()
        if loss is not None:
            super().step({self.monitor: loss})
