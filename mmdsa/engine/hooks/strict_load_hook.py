"""Refuse, inside an MMEngine runner, a checkpoint that does not fit."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.runner.checkpoint import find_latest_checkpoint

from mmdsa.registry import HOOKS
from mmdsa.utils.checkpoint import check_checkpoint_fits


@HOOKS.register_module()
class StrictLoadHook(Hook):
    """Check that a loaded or resumed checkpoint fits the model exactly.

    MMEngine's runner loads ``load_from`` and resumed checkpoints with
    ``strict=False``. Its ``after_load_checkpoint`` call comes after the file
    is read and before the weights are copied into the model, so this hook
    refuses a mismatch before anything is evaluated or trained.
    ``tools/test.py`` and ``tools/train.py --resume`` add it (unless
    ``--allow-partial-checkpoint``).

    Args:
        filename (str, optional): The checkpoint's path, named in the error;
            by default the work directory's latest checkpoint (what
            ``--resume`` without a path loads).
    """
    priority = 'VERY_HIGH'

    def __init__(self, filename: Optional[str] = None):
        self.filename = filename

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        filename = self.filename or find_latest_checkpoint(
            runner.work_dir) or 'the checkpoint'
        check_checkpoint_fits(runner.model, checkpoint, filename)
