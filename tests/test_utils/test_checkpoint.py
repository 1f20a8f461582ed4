"""Strict checkpoint loading (issue 14.5) and the checkpoints the safe loader
accepts or refuses (issues 14.3, 14.7)."""
import numpy as np
import pytest
import torch

from mmdsa.apis import init_model
from mmdsa.utils.checkpoint import (CheckpointMismatchError,
                                    check_checkpoint_fits,
                                    load_model_checkpoint)
from mmdsa.utils.compat import (CorruptCheckpointError,
                                UnsafeCheckpointError, load_checkpoint_file)
from tests.conftest import REPO_ROOT

THROMBUS = str(REPO_ROOT / 'configs' / 'thrombus' /
               'cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py')
PERFORATION = str(
    REPO_ROOT / 'configs' / 'perforation' /
    'retinanet_r18-tiny_fpn_tcm-t5_dr-iou_so_8e_synthetic-perforation.py')


def _save(model, path, **extra):
    torch.save(dict(state_dict=model.state_dict(), meta={}, **extra), path)
    return str(path)


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    root = tmp_path_factory.mktemp('ckpts')
    rec, det = init_model(THROMBUS), init_model(PERFORATION)
    return dict(recognizer=_save(rec, root / 'rec.pth'),
                detector=_save(det, root / 'det.pth'))


def test_own_checkpoint_loads_bit_exact(checkpoints):
    model = init_model(THROMBUS, checkpoints['recognizer'])
    saved = torch.load(checkpoints['recognizer'], weights_only=True)
    for k, v in model.state_dict().items():
        assert torch.equal(v, saved['state_dict'][k]), k


@pytest.mark.parametrize('config, other', [(THROMBUS, 'detector'),
                                           (PERFORATION, 'recognizer')])
def test_other_tasks_checkpoint_is_refused(checkpoints, config, other):
    with pytest.raises(CheckpointMismatchError) as e:
        init_model(config, checkpoints[other])
    msg = str(e.value)
    assert checkpoints[other] in msg and 'missing' in msg and \
        'not in the model' in msg
    assert '\n' not in msg
    # the explicit flag loads what fits (fine-tuning)
    init_model(config, checkpoints[other], strict=False)


def test_missing_key_and_shape_named(tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1))
    state = model.state_dict()
    del state['1.bias']
    state['0.weight'] = torch.zeros(4, 2)
    with pytest.raises(CheckpointMismatchError,
                       match=r'x\.pth.*1 of the model.*1\.bias.*'
                       r'0\.weight \(4, 2\) vs \(3, 2\)'):
        check_checkpoint_fits(model, {'state_dict': state}, 'x.pth')
    # DDP's 'module.' prefix is not a mismatch
    ddp = {f'module.{k}': v for k, v in model.state_dict().items()}
    check_checkpoint_fits(model, {'state_dict': ddp}, 'x.pth')
    path = tmp_path / 'm.pth'
    torch.save({'state_dict': ddp}, path)
    fresh = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1))
    load_model_checkpoint(fresh, str(path))
    assert torch.equal(fresh[0].weight, model[0].weight)


def test_empty_numpy_arrays_are_allowed(tmp_path):
    """Issue 14.7: protocol-2 pickles of empty arrays call bytes()."""
    from mmengine.logging import HistoryBuffer
    path = tmp_path / 'empty.pth'
    torch.save({'meta': {'x': np.array([]), 'y': np.zeros((0, 3), np.int64)},
                'message_hub': {'log': HistoryBuffer()}}, path)
    ckpt = load_checkpoint_file(str(path))
    assert ckpt['meta']['x'].shape == (0, ) and \
        ckpt['meta']['y'].shape == (0, 3)
    assert len(ckpt['message_hub']['log'].data[0]) == 0


def test_bytes_with_arguments_stays_refused(tmp_path):

    class _BigBytes:

        def __reduce__(self):
            return (bytes, (10**12, ))

    path = tmp_path / 'big.pth'
    torch.save({'x': _BigBytes()}, path, pickle_protocol=2)
    with pytest.raises(UnsafeCheckpointError, match='bytes'):
        load_checkpoint_file(str(path))


@pytest.mark.parametrize('content', [b'', b'not a checkpoint', None])
def test_truncated_or_foreign_file_is_one_line(tmp_path, content):
    good = tmp_path / 'good.pth'
    torch.save({'state_dict': {'w': torch.ones(100)}}, good)
    path = tmp_path / 'epoch_3.pth'
    path.write_bytes(good.read_bytes()[:len(good.read_bytes()) // 2]
                     if content is None else content)
    with pytest.raises(CorruptCheckpointError) as e:
        load_checkpoint_file(str(path))
    assert str(path) in str(e.value) and '\n' not in str(e.value)
