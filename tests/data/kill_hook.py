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
