"""Refusals are one line ``error: ...`` naming the file, exit status 2
(issues 14.5, 14.6): tools/infer.py and tools/test.py."""
import importlib.util
import os

import pytest
import torch

from tests.conftest import REPO_ROOT, run_tool

THROMBUS = str(REPO_ROOT / 'configs' / 'thrombus' /
               'cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py')
PERFORATION = str(
    REPO_ROOT / 'configs' / 'perforation' /
    'retinanet_r18-tiny_fpn_tcm-t5_dr-iou_so_8e_synthetic-perforation.py')
TINY = REPO_ROOT / 'tests' / 'data' / 'configs' / 'tiny_classifier.py'


def _tool(name):
    spec = importlib.util.spec_from_file_location(
        f'_tool_{name}', REPO_ROOT / 'tools' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Evil:

    def __reduce__(self):
        return (os.system, ('echo pwned',))


@pytest.fixture(scope='module')
def ckpts(tmp_path_factory):
    from mmdsa.apis import init_model
    root = tmp_path_factory.mktemp('ckpts')
    det = root / 'detector.pth'
    torch.save({'state_dict': init_model(PERFORATION).state_dict(),
                'meta': {}}, det)
    unsafe = root / 'unsafe.pth'
    torch.save({'state_dict': {}, 'x': _Evil()}, unsafe)
    truncated = root / 'truncated.pth'
    truncated.write_bytes(det.read_bytes()[:4096])
    return dict(det=det, unsafe=unsafe, truncated=truncated,
                missing=root / 'missing.pth')


def _one_line_error(err, *names):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith('error: '), err
    for name in names:
        assert str(name) in lines[0], (name, err)
    return lines[0]


@pytest.mark.parametrize('which', ['det', 'unsafe', 'truncated', 'missing'])
def test_infer_refuses_checkpoint(ckpts, which, tmp_path, capsys):
    infer = _tool('infer')
    out = tmp_path / 'out'
    code = infer.main([THROMBUS, str(ckpts[which]), 'series.dcm', '--out',
                       str(out)])
    assert code == 2
    line = _one_line_error(capsys.readouterr().err, ckpts[which])
    if which == 'det':      # a detector checkpoint for a recognizer config
        assert 'missing' in line and 'not in the model' in line
    assert not out.exists()   # nothing written


def test_infer_refuses_out_that_is_a_file(ckpts, tmp_path, capsys):
    out = tmp_path / 'result'
    out.write_text('mine')
    code = _tool('infer').main([THROMBUS, str(ckpts['det']), 'x.dcm',
                                '--out', str(out)])
    assert code == 2
    _one_line_error(capsys.readouterr().err, out)
    assert out.read_text() == 'mine'


def test_infer_cli_exit_status(ckpts, tmp_path):
    """As a user sees it: exit status 2 and no traceback."""
    proc = run_tool(['tools/infer.py', THROMBUS, ckpts['det'], 'x.dcm',
                     '--out', tmp_path / 'o'], check=False)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert 'Traceback' not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith('error: ')


def test_test_tool_refuses(ckpts, tmp_path, image_folder, capsys):
    test = _tool('test')
    assert test.main([str(TINY), str(ckpts['missing'])]) == 2
    _one_line_error(capsys.readouterr().err, ckpts['missing'])
    (tmp_path / 'dir.pkl').mkdir()
    assert test.main([str(TINY), str(ckpts['det']), '--out',
                      str(tmp_path / 'dir.pkl')]) == 2
    _one_line_error(capsys.readouterr().err, tmp_path / 'dir.pkl')
    # a checkpoint of another model: refused before anything is evaluated
    proc = run_tool([
        'tools/test.py', TINY, ckpts['det'], '--work-dir', tmp_path / 'w',
        '--cfg-options', f'test_dataloader.dataset.data_root={image_folder}'
    ], check=False)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert 'Traceback' not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: ') and str(ckpts['det']) in last
    assert 'accuracy' not in proc.stdout


def test_train_refuses_a_synthetic_root_holding_user_files(tmp_path):
    """The generator never replaces a user's folder; train.py says so in
    one line (exit 2) and leaves the files alone."""
    root = tmp_path / 'train'
    root.mkdir()
    (root / 'REAL_PATIENT_001.dcm').write_bytes(b'not ours')
    proc = run_tool(['tools/train.py', PERFORATION, '--work-dir',
                     tmp_path / 'w', '--cfg-options',
                     f'train_dataloader.dataset.data_root={root}/'],
                    check=False)
    assert proc.returncode == 2, proc.stderr[-2000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: ') and str(root) in last
    assert (root / 'REAL_PATIENT_001.dcm').read_bytes() == b'not ours'
