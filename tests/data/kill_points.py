"""Kill the training process (os._exit, as SIGKILL would: no clean-up) at a
chosen moment of saving checkpoint ``epoch_{MMDSA_KILL_EPOCH}.pth``.

``MMDSA_KILL_AT`` names the moment:

- ``mid-write``: half of the checkpoint's bytes are on disk;
- ``before-last-checkpoint``: the new checkpoint is complete, the
  ``last_checkpoint`` file not yet updated;
- ``before-delete``: ``last_checkpoint`` updated, the outdated checkpoint
  not yet deleted.

Imported through ``custom_imports`` by the kill tests.
"""
import os

from mmengine.fileio.backends import local_backend

from mmdsa.engine.hooks import atomic_checkpoint_hook

MOMENT = os.environ.get('MMDSA_KILL_AT', '')
EPOCH = int(os.environ.get('MMDSA_KILL_EPOCH', '2'))
NAME = f'epoch_{EPOCH}.pth'
_put = local_backend.LocalBackend.put
_write_last = atomic_checkpoint_hook.AtomicCheckpointHook._write_last_checkpoint
_remove = atomic_checkpoint_hook.AtomicCheckpointHook._remove_ckpt


def _killing_put(self, obj, filepath):
    if MOMENT == 'mid-write' and NAME in os.path.basename(str(filepath)):
        with open(filepath, 'wb') as f:
            f.write(obj[:len(obj) // 2])
            f.flush()
        os._exit(137)
    return _put(self, obj, filepath)


def _killing_write_last(self, runner):
    if MOMENT == 'before-last-checkpoint' and \
            str(self.last_ckpt).endswith(NAME):
        os._exit(137)
    return _write_last(self, runner)


def _killing_remove(self, step):
    if MOMENT == 'before-delete' and str(self.last_ckpt).endswith(NAME):
        os._exit(137)
    return _remove(self, step)


local_backend.LocalBackend.put = _killing_put
atomic_checkpoint_hook.AtomicCheckpointHook._write_last_checkpoint = \
    _killing_write_last
atomic_checkpoint_hook.AtomicCheckpointHook._remove_ckpt = _killing_remove
