"""End-to-end checks of tools/train.py, tools/test.py, --resume and
tools/dist_train.sh on a tiny classifier (issue 2 acceptance)."""
import os
import pickle
import shutil
import subprocess
import sys

import pytest
import torch

from tests.conftest import REPO_ROOT, run_tool

CONFIG = REPO_ROOT / 'tests' / 'data' / 'configs' / 'tiny_classifier.py'
KILLED_CONFIG = CONFIG.with_name('tiny_classifier_killed.py')


def _data_opts(image_folder):
    return [
        f'train_dataloader.dataset.data_root={image_folder}',
        f'test_dataloader.dataset.data_root={image_folder}',
    ]


def _state_dict(path):
    from mmdsa.utils.compat import load_checkpoint_file
    return load_checkpoint_file(str(path), map_location='cpu')['state_dict']


def test_train_then_test_from_checkpoint(tmp_path, image_folder):
    work = tmp_path / 'work'
    run_tool([
        'tools/train.py', CONFIG, '--work-dir', work, '--cfg-options',
        'train_cfg.max_epochs=1'
    ] + _data_opts(image_folder)[:1])
    ckpt = work / 'epoch_1.pth'
    assert ckpt.is_file()
    out = tmp_path / 'preds.pkl'
    proc = run_tool([
        'tools/test.py', CONFIG, ckpt, '--work-dir', work, '--out', out,
        '--cfg-options'
    ] + _data_opts(image_folder)[1:])
    assert 'accuracy/top1' in proc.stdout + proc.stderr
    with open(out, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 8  # every test image predicted


def test_resume_after_kill_matches_uninterrupted_run(tmp_path, image_folder):
    full, killed = tmp_path / 'full', tmp_path / 'killed'
    run_tool(['tools/train.py', CONFIG, '--work-dir', full, '--cfg-options'] +
             _data_opts(image_folder)[:1])
    proc = run_tool(
        ['tools/train.py', KILLED_CONFIG, '--work-dir', killed,
         '--cfg-options'] + _data_opts(image_folder)[:1],
        check=False)
    assert proc.returncode == 137, proc.stderr[-3000:]
    assert (killed / 'epoch_1.pth').is_file()
    assert not (killed / 'epoch_2.pth').exists()
    run_tool([
        'tools/train.py', CONFIG, '--work-dir', killed, '--resume',
        '--cfg-options'
    ] + _data_opts(image_folder)[:1])
    a = _state_dict(full / 'epoch_2.pth')
    b = _state_dict(killed / 'epoch_2.pth')
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=1e-6)


def test_dist_train_two_cpu_processes(tmp_path, image_folder):
    if shutil.which('bash') is None:
        pytest.skip('bash is needed for tools/dist_train.sh')
    work = tmp_path / 'dist'
    env = dict(os.environ)
    env.update(PYTHON=sys.executable, PORT='29533', OMP_NUM_THREADS='1')
    proc = subprocess.run([
        'bash', 'tools/dist_train.sh',
        str(CONFIG), '2', '--work-dir',
        str(work), '--cfg-options', 'train_cfg.max_epochs=1'
    ] + _data_opts(image_folder)[:1],
                          cwd=REPO_ROOT,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-5000:]
    log = proc.stdout + proc.stderr
    # torchrun exits 0 only when every rank has exited 0
    assert 'Distributed training: True' in log
    assert "backend='gloo'" in log or 'gloo' in log
    assert (work / 'epoch_1.pth').is_file()
