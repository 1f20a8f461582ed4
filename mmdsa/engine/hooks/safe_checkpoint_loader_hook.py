"""mmdsa's safe checkpoint loader for any runner built from an mmdsa
config (e.g. another project's ``tools/train.py`` with
``custom_imports=dict(imports=['mmdsa'])``)."""
from mmengine.hooks import Hook

from mmdsa.registry import HOOKS
from mmdsa.utils.compat import use_checkpoint_loader


@HOOKS.register_module()
class SafeCheckpointLoaderHook(Hook):
    """Make the runner's ``load_from`` / ``resume`` use mmdsa's loader.

    MMEngine calls ``before_run`` before it loads or resumes a checkpoint
    (in ``train``, ``val`` and ``test``), so the runner's own loads go
    through :func:`mmdsa.utils.compat.load_checkpoint_file`
    (``weights_only=True`` with the MMEngine allow-list held only while
    loading) and nothing else in the process is changed
    (:func:`mmdsa.utils.compat.use_checkpoint_loader`). mmdsa's
    ``default_runtime.py`` adds it; ``tools/train.py`` and
    ``tools/test.py`` install the same loader themselves.
    """
    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        use_checkpoint_loader(runner)
