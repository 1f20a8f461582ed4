"""A kill at any moment of saving leaves a complete checkpoint named by
``last_checkpoint`` and a working ``--resume`` (issue 14.3)."""
import os

import pytest
import torch

from tests.conftest import REPO_ROOT, run_tool

CONFIG = REPO_ROOT / 'tests' / 'data' / 'configs' / 'tiny_classifier.py'
KILLING = CONFIG.with_name('tiny_classifier_kill_points.py')
OPTS = ['train_cfg.max_epochs=2', 'default_hooks.checkpoint.max_keep_ckpts=1']


def _train(work, image_folder, extra=(), env=None, check=True,
           config=CONFIG):
    opts = OPTS + [f'train_dataloader.dataset.data_root={image_folder}']
    return run_tool(['tools/train.py', config, '--work-dir', work] +
                    list(extra) + ['--cfg-options'] + opts, env=env,
                    check=check)


def _load(path):
    import mmdsa  # noqa: F401
    from mmdsa.utils.compat import load_checkpoint_file
    return load_checkpoint_file(str(path))


def _last(work):
    name = (work / 'last_checkpoint').read_text().strip()
    return work / os.path.basename(name)


@pytest.mark.parametrize('moment', [
    'mid-write', 'before-last-checkpoint', 'before-delete'])
def test_kill_while_saving_leaves_a_resumable_run(tmp_path, image_folder,
                                                  moment):
    work = tmp_path / 'work'
    env = dict(MMDSA_KILL_AT=moment, MMDSA_KILL_EPOCH='2')
    proc = _train(work, image_folder, env=env, check=False, config=KILLING)
    assert proc.returncode == 137, proc.stderr[-3000:]
    # last_checkpoint names a complete checkpoint
    last = _last(work)
    ckpt = _load(last)
    expected = 1 if moment in ('mid-write', 'before-last-checkpoint') else 2
    assert ckpt['meta']['epoch'] == expected
    assert last.name == f'epoch_{expected}.pth'
    # no truncated file under a checkpoint's name
    for path in work.glob('epoch_*.pth'):
        _load(path)
    # resume finishes the run and tidies up what the kill left
    _train(work, image_folder, ['--resume'])
    assert _load(_last(work))['meta']['epoch'] == 2
    names = sorted(p.name for p in work.iterdir() if p.is_file()
                   and not p.name.startswith('tiny_classifier'))
    assert names == ['epoch_2.pth', 'last_checkpoint'], names


def test_truncated_checkpoint_is_refused_in_one_line(tmp_path, image_folder):
    work = tmp_path / 'work'
    good = tmp_path / 'good.pth'
    torch.save({'state_dict': {}, 'meta': {}}, good)
    bad = tmp_path / 'epoch_1.pth'
    bad.write_bytes(good.read_bytes()[:200])
    opts = [f'test_dataloader.dataset.data_root={image_folder}',
            f'train_dataloader.dataset.data_root={image_folder}']
    for args in (['tools/test.py', CONFIG, bad, '--work-dir', work,
                  '--cfg-options'] + opts,
                 ['tools/train.py', CONFIG, '--work-dir', work, '--resume',
                  bad, '--cfg-options'] + opts):
        proc = run_tool(args, check=False)
        assert proc.returncode == 2, proc.stderr[-3000:]
        last = proc.stderr.strip().splitlines()[-1]
        assert last.startswith('error: ') and str(bad) in last, last
        assert 'Traceback' not in proc.stderr
