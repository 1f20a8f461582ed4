"""The OpenMMLab-style tools on tiny synthetic data and random-weight
models: test.py --show-dir / --out .json, print_config, get_flops,
publish_model, analyze_results, train.py --vis-backend."""
import json

import pytest
import torch

from tests.conftest import run_tool

DET = 'configs/perforation/' \
    'retinanet_r18-tiny_fpn_tcm-t5_dr-iou_so_8e_synthetic-perforation.py'
CLS = 'configs/thrombus/cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py'


def _tiny(config, tmp, sizes, with_checkpoint=True):
    """A standalone config on a tiny synthetic set (48 px) and a
    random-weight checkpoint with training state, as MMEngine saves it."""
    from mmengine.config import Config

    from mmdsa.apis import init_model
    from mmdsa.apis.experiment import dump_config, set_synthetic_data
    cfg = Config.fromfile(config)
    set_synthetic_data(cfg, str(tmp / 'data'), sizes, 3, 48)
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.synthetic['num_frames'] = (6, 7)
    cfg.train_cfg.max_epochs = 1
    path = dump_config(cfg, str(tmp / 'tiny_config.py'))
    if not with_checkpoint:
        return path, None
    torch.manual_seed(0)
    model = init_model(path, None)
    ckpt = tmp / 'epoch_1.pth'
    state = model.state_dict()
    torch.save(dict(meta=dict(epoch=1, seed=3), state_dict=state,
                    optimizer=dict(state={}, param_groups=[dict(lr=0.1)]),
                    message_hub=dict(log_scalars={}, runtime_info={})),
               ckpt)
    return path, ckpt


@pytest.fixture(scope='module')
def tiny_det(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('det')
    return _tiny(DET, tmp, dict(train=2, val=2, test=2)) + (tmp, )


def test_test_py_show_dir_and_json_out(tiny_det, tmp_path):
    config, ckpt, _ = tiny_det
    show, out = tmp_path / 'show', tmp_path / 'raw.json'
    run_tool(['tools/test.py', config, ckpt, '--work-dir', tmp_path / 'w',
              '--out', out, '--show-dir', show])
    raw = json.loads(out.read_text())
    preds = json.loads((show / 'predictions.json').read_text())
    series = {p['series_id'] for p in preds['predictions']}
    assert len(series) == 2
    # one raw record per key frame sample, one picture per series
    assert {r['series_id'] for r in raw} == series
    assert all('pred_instances' in r for r in raw)
    assert sorted(p.name for p in show.glob('*.png')) == \
        sorted(f'{s}.png' for s in series)
    for png in show.glob('*.png'):
        assert png.stat().st_size > 5000
    # (.pkl: tests/test_tools/test_train_test_tools.py); other suffixes
    proc = run_tool(['tools/test.py', config, ckpt, '--out',
                     tmp_path / 'raw.txt'], check=False)
    assert proc.returncode == 2 and '.json' in proc.stderr


def test_analyze_results_best_and_worst(tiny_det, tmp_path):
    from mmdsa.apis.prediction_pictures import best_and_worst
    config, ckpt, tmp = tiny_det
    show = tmp_path / 'show'
    run_tool(['tools/test.py', config, ckpt, '--work-dir', tmp_path / 'w',
              '--show-dir', show])
    pred_file = show / 'predictions.json'
    out = tmp_path / 'analysis'
    run_tool(['tools/analysis_tools/analyze_results.py', config, pred_file,
              out, '--topk', '1'])
    listing = json.loads((out / 'best_and_worst.json').read_text())
    records = json.loads(pred_file.read_text())['predictions']
    errors = sorted(abs(r['label'] - r['score']) for r in records)
    assert listing['best'][0]['error'] == pytest.approx(errors[0])
    assert listing['worst'][0]['error'] == pytest.approx(errors[-1])
    for kind in ('best', 'worst'):
        assert (out / listing[kind][0]['picture']).stat().st_size > 5000
    best, worst = best_and_worst(
        [dict(series_id=s, label=lab, score=sc) for s, lab, sc in
         [('a', 1, 0.9), ('b', 0, 0.8), ('c', 0, 0.1), ('d', 1, 0.3)]], 2)
    assert [r['series_id'] for r in best] == ['a', 'c']
    assert [r['series_id'] for r in worst] == ['b', 'd']
    proc = run_tool(['tools/analysis_tools/analyze_results.py', config,
                     tmp_path / 'missing.json', out], check=False)
    assert proc.returncode == 2 and 'missing.json' in proc.stderr


def test_publish_model_strips_and_names_by_hash(tiny_det, tmp_path):
    import hashlib

    from mmdsa.apis import init_model
    from mmdsa.utils.compat import load_checkpoint_file
    config, ckpt, _ = tiny_det
    out = tmp_path / 'retinanet_tcm.pth'
    proc = run_tool(['tools/model_converters/publish_model.py', ckpt, out])
    published = list(tmp_path.glob('retinanet_tcm-*.pth'))
    assert len(published) == 1, proc.stdout
    data = published[0].read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert published[0].name == f'retinanet_tcm-{digest[:8]}.pth'
    loaded = load_checkpoint_file(str(published[0]))
    assert sorted(loaded) == ['meta', 'state_dict']
    assert 'message_hub' in proc.stdout and 'optimizer' in proc.stdout
    model = init_model(config, str(published[0]))  # strict
    original = load_checkpoint_file(str(ckpt))['state_dict']
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, original[key])
    # never overwrite: publishing again refuses (same name and hash)
    again = run_tool(['tools/model_converters/publish_model.py', ckpt, out],
                     check=False)
    assert again.returncode == 2 and 'exists' in again.stderr
    assert published[0].read_bytes() == data


def test_publish_model_carries_the_operating_point(tiny_det, tmp_path):
    import shutil

    from mmdsa.apis.operating_point import (load_operating_point,
                                            write_operating_point)
    _, ckpt, _ = tiny_det
    src = tmp_path / 'epoch_1.pth'
    shutil.copy(ckpt, src)
    write_operating_point(str(src), dict(
        threshold=0.3, method='youden', required_specificity=None,
        sensitivity=1.0, specificity=0.5, num_series=4, num_positive=2,
        num_negative=2, chosen_on=dict(split='val')))
    run_tool(['tools/model_converters/publish_model.py', src,
              tmp_path / 'pub.pth'])
    published = next(tmp_path.glob('pub-*.pth'))
    point = load_operating_point(str(published))  # hash checked
    assert point['threshold'] == 0.3
    assert point['chosen_on'] == dict(split='val')


def test_print_config_with_cfg_options(tmp_path):
    proc = run_tool(['tools/misc/print_config.py', CLS, '--cfg-options',
                     'train_cfg.max_epochs=3', '--save-path',
                     tmp_path / 'full.py'])
    assert 'max_epochs=3' in proc.stdout
    from mmengine.config import Config
    assert Config.fromfile(str(tmp_path / 'full.py')).train_cfg.max_epochs \
        == 3
    again = run_tool(['tools/misc/print_config.py', CLS, '--save-path',
                      tmp_path / 'full.py'], check=False)
    assert again.returncode == 2 and 'overwrite' in again.stderr


def test_get_flops_per_frame_and_series(tmp_path):
    out = tmp_path / 'flops.json'
    run_tool(['tools/analysis_tools/get_flops.py', DET, '--shape', '64',
              '64', '--num-frames', '10', '--out', out])
    det = json.loads(out.read_text())
    f = det['flops']
    assert det['task'] == 'perforation' and det['num_frames'] == 10
    assert f['per_series'] == 10 * f['per_frame']
    assert f['per_frame'] == f['frame_features'] + f['fusion_and_head']
    assert f['training_window'] == 5 * f['frame_features'] + \
        f['fusion_and_head']
    assert 0 < f['fusion_and_head'] < f['frame_features']
    proc = run_tool(['tools/analysis_tools/get_flops.py', CLS, '--shape',
                     '64', '64', '--num-frames', '7'])
    assert 'num_groups: 3' in proc.stdout and 'GFLOPs' in proc.stdout


def test_flops_scale_with_image_area_and_rnn_counted():
    from mmdsa.apis import init_model
    from mmdsa.apis.complexity import model_complexity, rnn_flops
    model = init_model(CLS, None)
    small = model_complexity(model, (64, 64), 6)['flops']
    large = model_complexity(model, (128, 128), 6)['flops']
    # convolutions dominate: four times the pixels, about four times the
    # FLOPs per group
    assert 3.5 < large['per_group'] / small['per_group'] <= 4.0
    gru = torch.nn.GRU(10, 4, bidirectional=True)
    holder = torch.nn.Sequential(gru)
    assert rnn_flops(holder, 5) == 5 * 2 * 3 * (10 + 4) * 4
    assert small['rnn_and_head'] >= rnn_flops(model, 2)


def test_train_vis_backend(tmp_path, monkeypatch):
    import argparse
    import importlib.util
    import sys

    from tests.conftest import REPO_ROOT
    sys.path.insert(0, str(REPO_ROOT / 'tools'))
    try:
        import train
    finally:
        sys.path.pop(0)
    args = argparse.Namespace(
        config=CLS, launcher='none', cfg_options=None, work_dir=None,
        amp=False, resume=None, vis_backend='tensorboard')
    cfg = train.build_config(args)
    assert [b['type'] for b in cfg.visualizer.vis_backends] == [
        'LocalVisBackend', 'TensorboardVisBackend']
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, 'find_spec',
                        lambda name, *a: None if name == 'wandb'
                        else real(name, *a))
    assert 'pip install wandb' in train.missing_vis_backend_package('wandb')
    assert train.missing_vis_backend_package('local') is None
    monkeypatch.undo()
    missing = [b for b in ('tensorboard', 'wandb')
               if importlib.util.find_spec(b) is None]
    if not missing:
        pytest.skip('tensorboard and wandb are both installed')
    proc = run_tool(['tools/train.py', CLS, '--vis-backend', missing[0],
                     '--work-dir', tmp_path / 'w'], check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        f'error: --vis-backend {missing[0]}: the "{missing[0]}" package is '
        f'not installed (pip install {missing[0]})')
    assert not (tmp_path / 'w').exists()
