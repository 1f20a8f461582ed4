"""A CheckpointHook after which a kill always leaves something to resume.

MMEngine 0.10.7's :class:`~mmengine.hooks.CheckpointHook` (1) deletes the
oldest checkpoint *before* writing the new one, (2) writes the new file in
place and (3) rewrites ``last_checkpoint`` in place. A process killed inside
(1)-(2) leaves no checkpoint and a ``last_checkpoint`` naming a deleted file;
killed inside (2) it leaves a truncated file under a valid name.

:class:`AtomicCheckpointHook` keeps MMEngine's options and file names and
changes the order and the writing:

1. the new checkpoint is written to a temporary sibling and renamed into
   place (:func:`mmdsa.utils.fileio.atomic_write`);
2. ``last_checkpoint`` is then replaced atomically to name it;
3. only then are outdated checkpoints deleted.

An epoch's checkpoint is written after that epoch's validation when one
follows (MMEngine writes it before), so that it holds what validation
changed: a ``ReduceOnPlateauLR`` step, the best score. A run resumed from it
continues exactly where the uninterrupted run would (with
:class:`~mmdsa.engine.hooks.EpochSeedHook`, bit for bit).

A new run (no ``resume``) refuses a work folder that already holds
checkpoints (``epoch_*.pth``, ``iter_*.pth``, ``best_*.pth`` or
``last_checkpoint``) of another run, before training starts: writing its
own ``epoch_1.pth`` over them and deleting older ones (``max_keep_ckpts``)
would destroy that run. Resume it, choose another ``--work-dir`` or pass
``tools/train.py --overwrite``.

So at every moment ``last_checkpoint`` names a complete checkpoint. A
checkpoint whose deletion a kill interrupted is deleted when the run
resumes, and temporary files a kill left behind are removed at the start of
the next run. Remote back ends (``backend_args`` / ``out_dir`` URIs) keep
MMEngine's behaviour.
"""
import functools
import glob
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook

from mmdsa.registry import HOOKS
from mmdsa.utils.fileio import (atomic_write, overwrite_allowed,
                                remove_stale_temp_files)

#: message-hub key: checkpoints whose deletion was due at the last save
PENDING_REMOVAL_KEY = 'mmdsa_ckpt_ids_to_remove'


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """:class:`mmengine.hooks.CheckpointHook` with atomic saving.

    Takes MMEngine's arguments (``interval``, ``max_keep_ckpts``,
    ``save_best``, ``filename_tmpl``, ...) and one more.

    Args:
        save_after_val (bool): Write an epoch's checkpoint after the
            validation that follows it (default), so that it holds the
            scheduler step and best score validation produced. ``False``
            writes it before validation, as MMEngine does.
        **kwargs: :class:`mmengine.hooks.CheckpointHook`'s arguments.
    """

    def __init__(self, *args, save_after_val: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.save_after_val = save_after_val
        self._deferred = False

    def _is_local(self) -> bool:
        return isinstance(getattr(self, 'file_backend', None), LocalBackend)

    def _foreign_checkpoints(self, runner) -> list:
        """Checkpoints of another run in the output folders."""
        names = [self.filename_tmpl.replace('{}', '*'), 'iter_*.pth',
                 'epoch_*.pth', 'best_*.pth']
        found = set()
        for folder in {self.out_dir, runner.work_dir}:
            for name in names:
                found.update(glob.glob(osp.join(glob.escape(folder), name)))
        last = osp.join(runner.work_dir, 'last_checkpoint')
        if osp.isfile(last):
            found.add(last)
        return sorted(osp.basename(f) for f in found)

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if not (self._is_local() and is_main_process()):
            return
        if not getattr(runner, '_resume', False) and not overwrite_allowed():
            found = self._foreign_checkpoints(runner)
            if found:
                shown = ', '.join(found[:5]) + (' ...' if len(found) > 5
                                                else '')
                raise FileExistsError(
                    f'{runner.work_dir}: work folder holds checkpoints of '
                    f'another run ({shown}); expected an empty or new work '
                    'folder for a new run: resume it (--resume), choose '
                    'another --work-dir, or pass --overwrite')
        pending = runner.message_hub.get_info(PENDING_REMOVAL_KEY, None) \
            or []
        keep = set(getattr(self, 'keep_ckpt_ids', ()) or ())
        for step in pending:
            if step not in keep:
                self._remove_ckpt(step)
        # temporaries a kill left behind (epoch_*.pth and last_checkpoint)
        remove_stale_temp_files(
            osp.join(self.out_dir, self.filename_tmpl.replace('{}', '*')))
        remove_stale_temp_files(osp.join(runner.work_dir, 'last_checkpoint'))

    def _validates_after_this_epoch(self, runner) -> bool:
        """Whether the train loop runs validation after the current epoch
        (MMEngine's EpochBasedTrainLoop rule)."""
        loop = runner.train_loop
        if runner.val_loop is None or not hasattr(loop, 'val_interval'):
            return False
        epoch = runner.epoch + 1
        return epoch >= getattr(loop, 'val_begin', 1) and (
            epoch % loop.val_interval == 0 or epoch == loop.max_epochs)

    def after_train_epoch(self, runner) -> None:
        self._deferred = False
        if self.save_after_val and self.by_epoch and self._is_local() and \
                self._validates_after_this_epoch(runner) and (
                    self.every_n_epochs(runner, self.interval,
                                        self.save_begin)
                    or (self.save_last and self.is_last_train_epoch(runner))):
            self._deferred = True   # saved in after_val_epoch
            return
        super().after_train_epoch(runner)

    def _save_deferred(self, runner) -> None:
        """Write the checkpoint of the finished epoch ``runner.epoch``."""
        self._deferred = False
        runner.logger.info(f'Saving checkpoint at {runner.epoch} epochs')
        self._save_checkpoint_with_step(
            runner, runner.epoch, dict(epoch=runner.epoch, iter=runner.iter))

    def before_train_epoch(self, runner) -> None:
        if getattr(self, '_deferred', False):   # validation did not run
            self._save_deferred(runner)

    def after_train(self, runner) -> None:
        if getattr(self, '_deferred', False):
            self._save_deferred(runner)
        super().after_train(runner)

    def after_val_epoch(self, runner, metrics) -> None:
        if not getattr(self, '_deferred', False):
            return super().after_val_epoch(runner, metrics)
        # runner.epoch counts the finished epoch now
        last, self.last_ckpt = self.last_ckpt, None   # no re-save inside
        try:
            super().after_val_epoch(runner, metrics)
        finally:
            if self.last_ckpt is None:
                self.last_ckpt = last
        self._save_deferred(runner)

    def _remove_ckpt(self, step) -> None:
        path = self.file_backend.join_path(self.out_dir,
                                           self.filename_tmpl.format(step))
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):
            self.file_backend.rmtree(path)

    def _atomic_runner_save(self, runner):
        """``runner.save_checkpoint`` that writes through a temporary file."""
        # the class's method, not a wrapper _save_best_checkpoint installed
        save = functools.partial(type(runner).save_checkpoint, runner)

        def atomic_save(out_dir, filename, *args, **kwargs):
            if not is_main_process():
                return save(out_dir, filename, *args, **kwargs)
            target = self.file_backend.join_path(out_dir, filename)
            return atomic_write(
                target, overwrite=True,   # foreign ones refused at start
                writer=lambda tmp: save(
                    osp.dirname(tmp), osp.basename(tmp), *args, **kwargs))

        return atomic_save

    def _write_last_checkpoint(self, runner) -> None:
        if is_main_process():
            atomic_write(osp.join(runner.work_dir, 'last_checkpoint'),
                         self.last_ckpt, overwrite=True)

    def _save_checkpoint_with_step(self, runner, step, meta):
        if not self._is_local():
            return super()._save_checkpoint_with_step(runner, step, meta)
        to_remove = []
        if self.max_keep_ckpts > 0 and not (
                len(self.keep_ckpt_ids) > 0
                and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                to_remove.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
        # saved inside the checkpoint: a resumed run finishes the deletion
        runner.message_hub.update_info(PENDING_REMOVAL_KEY, list(to_remove))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        self._atomic_runner_save(runner)(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        self._write_last_checkpoint(runner)
        for old in to_remove:
            self._remove_ckpt(old)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        if not self._is_local():
            return super()._save_best_checkpoint(runner, metrics)
        # MMEngine deletes the previous best first; the new best is at least
        # written atomically, so no truncated best_*.pth can appear.
        runner.save_checkpoint = self._atomic_runner_save(runner)
        try:
            super()._save_best_checkpoint(runner, metrics)
        finally:
            del runner.save_checkpoint
