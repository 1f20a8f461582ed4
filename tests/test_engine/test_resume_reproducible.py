"""Kill + resume ends with bit-identical weights on CPU, with the published
augmentations and dropout on, for both tasks' CPU configs (issue 14.4)."""
import pytest
import torch

from tests.conftest import REPO_ROOT, run_tool

THROMBUS = (REPO_ROOT / 'configs' / 'thrombus' /
            'cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py')
PERFORATION = (
    REPO_ROOT / 'configs' / 'perforation' /
    'retinanet_r18-tiny_fpn_tcm-t5_dr-iou_so_8e_synthetic-perforation.py')
SIZE = 48


def _options(task, data, epochs):
    """Toy scale: a few series, small frames, ``epochs`` epochs."""
    if task == 'thrombus':
        sizes = dict(train='num_pairs=3', val='num_pairs=2')
        resize = ['train_dataloader.dataset.pipeline.0.resize=%d' % SIZE,
                  'val_dataloader.dataset.pipeline.0.resize=%d' % SIZE]
        # ReduceOnPlateauLR without patience: the validation after epoch 2
        # changes the learning rate of epoch 3, so a checkpoint that missed
        # it would resume with another learning rate
        extra = ['train_cfg.val_interval=1', 'param_scheduler.0.patience=0']
    else:
        sizes = dict(train='num_series=4', val='num_series=2')
        scale = f'({SIZE},{SIZE})'
        resize = [
            f'train_dataloader.dataset.pipeline.2.transforms.0.scale={scale}',
            f'val_dataloader.dataset.pipeline.2.transforms.0.scale={scale}']
        extra = ['train_cfg.val_interval=1']
    opts = [f'train_cfg.max_epochs={epochs}'] + resize + extra
    for split in ('train', 'val'):
        key = f'{split}_dataloader.dataset'
        opts += [f'{key}.data_root={data}/{split}/',
                 f'{key}.synthetic.{sizes[split]}',
                 f'{key}.synthetic.image_size={SIZE}',
                 f'{key}.synthetic.num_frames=(6,7)']
    return opts


def _train(config, work, opts, extra=(), check=True):
    return run_tool(['tools/train.py', config, '--work-dir', work] +
                    list(extra) + ['--cfg-options'] + opts, check=check)


def _weights(path):
    import mmdsa  # noqa: F401
    from mmdsa.utils.compat import load_checkpoint_file
    return load_checkpoint_file(str(path))['state_dict']


@pytest.mark.parametrize('task, config, epochs', [
    ('thrombus', THROMBUS, 3), ('perforation', PERFORATION, 2)])
def test_kill_and_resume_gives_bit_identical_weights(tmp_path, task, config,
                                                     epochs):
    """Killed when the last epoch is about to start, then resumed."""
    opts = _options(task, tmp_path / 'data', epochs)
    killing = tmp_path / 'killed.py'
    killing.write_text(
        f"_base_ = [{str(config)!r}]\n"
        "custom_imports = dict(imports=['mmdsa', 'kill_hook'], "
        "allow_failed_imports=False)\n"
        "custom_hooks = [dict(type='KillAtEpochStartHook', "
        f"epoch={epochs - 1})]\n")
    full, killed = tmp_path / 'full', tmp_path / 'killed'
    _train(config, full, opts)
    proc = _train(killing, killed, opts, check=False)
    assert proc.returncode == 137, proc.stderr[-3000:]
    assert (killed / f'epoch_{epochs - 1}.pth').is_file()
    assert not (killed / f'epoch_{epochs}.pth').exists()
    _train(config, killed, opts, ['--resume'])
    last = f'epoch_{epochs}.pth'
    a, b = _weights(full / last), _weights(killed / last)
    assert a.keys() == b.keys()
    differ = [k for k in a if not torch.equal(a[k], b[k])]
    assert differ == [], f'{len(differ)} of {len(a)} tensors differ'
