"""A hook that kills the training process right after a checkpoint is saved,
as a SIGKILL or a lost node would (no clean-up, no atexit handlers)."""
import os

from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class KillAfterCheckpointHook(Hook):
    priority = 'LOWEST'  # runs after CheckpointHook has written the file

    def __init__(self, after_epoch=1):
        self.after_epoch = after_epoch

    def after_train_epoch(self, runner):
        # runner.epoch counts finished epochs only after this hook returns
        if runner.epoch + 1 == self.after_epoch:
            os._exit(137)


@HOOKS.register_module()
class KillAtEpochStartHook(Hook):
    """Kill the process when epoch ``epoch + 1`` is about to start, i.e.
    after everything of epoch ``epoch`` (training, validation, checkpoint)
    is done: the latest moment a kill can still lose a whole epoch."""
    priority = 'HIGHEST'

    def __init__(self, epoch=1):
        self.epoch = epoch

    def before_train_epoch(self, runner):
        if runner.epoch == self.epoch:
            os._exit(137)
