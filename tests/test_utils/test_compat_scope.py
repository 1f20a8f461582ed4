"""mmdsa's safe checkpoint loading is scoped to mmdsa's own loads: importing
mmdsa patches neither torch's allow-list nor MMEngine's loaders, so other
libraries load as without mmdsa; mmdsa's entry points still load strictly
(issue 15, item 5)."""
import argparse
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from mmdsa.utils.compat import (UnsafeCheckpointError,
                                checkpoint_loader_installed,
                                load_checkpoint_file,
                                mmengine_checkpoint_globals,
                                use_checkpoint_loader)
from tests.conftest import REPO_ROOT

THROMBUS = str(REPO_ROOT / 'configs' / 'thrombus' /
               'cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py')


def _python(code, **env):
    proc = subprocess.run(
        [sys.executable, '-c', code], capture_output=True, text=True,
        timeout=300, cwd=str(REPO_ROOT),
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT), **env))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_importing_mmdsa_leaves_mmengine_and_torch_untouched():
    out = _python('''
import torch
from mmengine.runner.checkpoint import CheckpointLoader, load_from_local
def other_library_loader(filename, map_location=None):
    return 'other'
CheckpointLoader.register_scheme('s3x://', other_library_loader)
import mmdsa, mmdsa.registry, mmdsa.models, mmdsa.apis, mmdsa.engine
from mmdsa.utils import register_all_modules
register_all_modules()
assert CheckpointLoader._schemes[''] is load_from_local, \\
    CheckpointLoader._schemes['']
assert CheckpointLoader._schemes['s3x://'] is other_library_loader
from mmengine.logging import HistoryBuffer
import numpy as np
from mmdsa.utils.compat import mmengine_checkpoint_globals
allowed = set(torch.serialization.get_safe_globals())
ours = [g for g in mmengine_checkpoint_globals() if g in allowed]
assert not ours, ours
assert HistoryBuffer not in allowed and np.ndarray not in allowed
print('untouched')
''')
    assert 'untouched' in out


def _third_party_checkpoint(path):
    """A checkpoint another project wrote: weights plus an object outside
    mmdsa's allow-list (here argparse.Namespace, e.g. saved args)."""
    torch.save(dict(state_dict={'weight': torch.full((2, 3), 2.0),
                                'bias': torch.ones(2)},
                    args=argparse.Namespace(lr=0.1)), path)


def test_third_party_pretrained_init_is_not_refused_after_import(tmp_path):
    """An mmpretrain-style ``Pretrained`` init from a local file of a
    trusted third-party checkpoint (torch's own opt-out,
    TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD) loads with mmdsa imported; the old
    process-wide loader refused it."""
    path = tmp_path / 'third_party.pth'
    _third_party_checkpoint(path)
    out = _python(f'''
import torch
import mmdsa, mmdsa.models
from mmdsa.utils import register_all_modules
register_all_modules()
from mmengine.model.weight_init import PretrainedInit
layer = torch.nn.Linear(3, 2)
PretrainedInit(checkpoint={str(path)!r}, map_location='cpu')(layer)
assert torch.equal(layer.weight, torch.full((2, 3), 2.0))
print('loaded')
''', TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD='1')
    assert 'loaded' in out


def test_mmdsa_loads_stay_strict_and_scoped(tmp_path):
    from mmengine.runner.checkpoint import (CheckpointLoader,
                                            _load_checkpoint,
                                            load_from_local)
    path = tmp_path / 'third_party.pth'
    _third_party_checkpoint(path)
    with checkpoint_loader_installed():
        assert CheckpointLoader._schemes[''] is load_checkpoint_file
        with pytest.raises(UnsafeCheckpointError, match='Namespace'):
            _load_checkpoint(str(path))
    assert CheckpointLoader._schemes[''] is load_from_local
    # an exception inside the block restores the loader too
    with pytest.raises(RuntimeError):
        with checkpoint_loader_installed():
            raise RuntimeError('x')
    assert CheckpointLoader._schemes[''] is load_from_local


def test_allow_list_is_held_only_while_loading(tmp_path):
    from mmengine.logging import HistoryBuffer
    buf = HistoryBuffer()
    buf.update(1.5)
    path = tmp_path / 'ours.pth'
    torch.save(dict(state_dict={'w': torch.ones(1)},
                    message_hub=dict(log_scalars={'loss': buf}),
                    arr=np.arange(2)), path)
    before = torch.serialization.get_safe_globals()
    torch.serialization.add_safe_globals([np.ndarray])  # another library's
    try:
        assert load_checkpoint_file(str(path))['message_hub'][
            'log_scalars']['loss'].current() == 1.5
        after = torch.serialization.get_safe_globals()
        assert set(after) == set(before) | {np.ndarray}
        assert HistoryBuffer not in after
        assert len(mmengine_checkpoint_globals()) > 5
    finally:
        torch.serialization.clear_safe_globals()
        torch.serialization.add_safe_globals(before)


def test_init_model_refuses_foreign_objects(tmp_path):
    from mmengine.runner.checkpoint import CheckpointLoader, load_from_local

    from mmdsa.apis import init_model
    model = init_model(THROMBUS)
    path = tmp_path / 'tampered.pth'
    torch.save(dict(state_dict=model.state_dict(), meta={},
                    extra=argparse.Namespace(a=1)), path)
    with pytest.raises(UnsafeCheckpointError, match='tampered.pth'):
        init_model(THROMBUS, str(path))
    assert CheckpointLoader._schemes[''] is load_from_local


class _Runner:
    """What use_checkpoint_loader needs of an MMEngine runner."""

    def __init__(self):
        self.calls = []

    def load_checkpoint(self, filename, map_location='cpu', strict=False):
        from mmengine.runner.checkpoint import _load_checkpoint
        self.calls.append(filename)
        return _load_checkpoint(filename, map_location)

    def resume(self, filename, **kwargs):
        from mmengine.runner.checkpoint import _load_checkpoint
        return _load_checkpoint(filename, 'cpu')


def test_runner_entry_point_uses_the_safe_loader_only_there(tmp_path):
    from mmengine.runner.checkpoint import CheckpointLoader, load_from_local
    path = tmp_path / 'third_party.pth'
    _third_party_checkpoint(path)
    runner = use_checkpoint_loader(_Runner())
    assert use_checkpoint_loader(runner) is runner  # idempotent
    for load in (runner.load_checkpoint, runner.resume):
        with pytest.raises(UnsafeCheckpointError, match='third_party.pth'):
            load(str(path))
        assert CheckpointLoader._schemes[''] is load_from_local
    assert runner.calls == [str(path)]


def test_numpy_private_apis_are_feature_checked(monkeypatch):
    """numpy 1.24 (allowed by requirements) has neither numpy.dtypes nor
    numpy._core: the allow-list is still built."""
    import types
    import warnings

    import mmdsa.utils.compat as compat
    full = compat.mmengine_checkpoint_globals()
    # what compat sees of numpy 1.24: no numpy.dtypes, version 1.x
    old_numpy = types.SimpleNamespace(ndarray=np.ndarray, dtype=np.dtype,
                                      __version__='1.24.4')
    monkeypatch.setattr(compat, 'np', old_numpy)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        old = compat.mmengine_checkpoint_globals()
    assert np.ndarray in old and np.dtype in old
    assert not any(isinstance(g, type) and g.__name__.endswith('DType')
                   and g is not np.dtype for g in old)
    assert len(old) < len(full)
