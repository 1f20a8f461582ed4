"""Every published thrombus config builds and runs; the demo config trains."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdsa.registry import MODELS

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs',
                      'thrombus')
PUBLISHED = sorted(glob.glob(osp.join(CONFIG_DIR, '*_130e_dsa-*-512.py')))

# (timm model, grid, rnn) per Table-1 variant, from papers.md section A and
# the authors' grid sizes.
EXPECTED = {
    'resnet18-bigru': ('resnet18', 7, 'gru'),
    'efficientnet-b0-bigru': ('efficientnet_b0', 4, 'gru'),
    'efficientnet-b0-bilstm': ('efficientnet_b0', 4, 'lstm'),
    'efficientnet-b1-bigru': ('efficientnet_b1', 4, 'gru'),
    'efficientnet-b1-bilstm': ('efficientnet_b1', 4, 'lstm'),
    'efficientnet-b2-bigru': ('efficientnet_b2', 4, 'gru'),
    'efficientnet-b3-bigru': ('efficientnet_b3', 4, 'gru'),
    'tf-efficientnetv2-s-bigru': ('tf_efficientnetv2_s', 4, 'gru'),
    'tf-efficientnetv2-m-bigru': ('tf_efficientnetv2_m', 4, 'gru'),
    'efficientnetv2-rw-s-bigru': ('efficientnetv2_rw_s', 4, 'gru'),
    'regnety-160-bigru': ('regnety_160', 3, 'gru'),
}


def test_every_variant_has_a_pa_and_a_lat_config():
    names = {osp.basename(p) for p in PUBLISHED}
    expected = {f'cnnrnn_{v}_130e_dsa-{view}-512.py'
                for v in EXPECTED for view in ('pa', 'lat')}
    assert names == expected


@pytest.mark.parametrize('path', PUBLISHED, ids=osp.basename)
def test_published_recipe(path):
    cfg = Config.fromfile(path)
    variant = osp.basename(path)[len('cnnrnn_'):].split('_130e')[0]
    timm_name, grid, rnn = EXPECTED[variant]
    view = 'LAT' if '-lat-' in path else 'PA'
    assert cfg.model.backbone.type == 'mmpretrain.TIMMBackbone'
    assert cfg.model.backbone.model_name == timm_name
    assert cfg.model.backbone.pretrained is True
    assert cfg.model.grid_size == grid
    enc = cfg.model.encoder
    assert (enc.rnn_type, enc.hidden_size, enc.num_layers, enc.dropout,
            enc.bidirectional) == (rnn, 512, 3, 0.5, True)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[loader].dataset.view == view
        assert cfg[loader].batch_size == 1
    assert cfg.train_dataloader.dataset.pipeline[0].resize == 512
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.weight_decay) == ('AdamW', 1e-5, 1e-2)
    sched = cfg.param_scheduler[0]
    assert (sched.type, sched.factor, sched.monitor) == (
        'ReduceOnPlateauLR', 0.1, 'mcc')
    assert cfg.train_cfg.max_epochs == 130
    ckpt = cfg.default_hooks.checkpoint
    assert (ckpt.save_best, ckpt.rule) == ('mcc', 'greater')


def _build(cfg):
    init_default_scope('mmdsa')
    model_cfg = cfg.model.to_dict()
    model_cfg['backbone']['pretrained'] = False
    torch.manual_seed(0)
    return MODELS.build(model_cfg)


# One forward per distinct architecture (the LAT configs share the PA
# model, checked above); the heaviest backbones (RegNetY-16GF: 80 M
# parameters, tf_EfficientNetV2-M) run at 32 px to keep the folder fast.
@pytest.mark.parametrize('variant', sorted(EXPECTED))
def test_variant_builds_and_runs_forward(variant):
    pa = osp.join(CONFIG_DIR, f'cnnrnn_{variant}_130e_dsa-pa-512.py')
    lat = pa.replace('-pa-', '-lat-')
    assert Config.fromfile(lat).model == Config.fromfile(pa).model
    model = _build(Config.fromfile(pa))
    model.eval()
    timm_name, grid, _ = EXPECTED[variant]
    assert model.grid_size == (grid, grid)
    assert model.encoder.in_channels == model.backbone_channels * grid * grid
    x = [torch.randint(0, 256, (g, 3, 32, 32), dtype=torch.uint8)
         for g in (2, 1)]
    with torch.no_grad():
        preds = model(**model.data_preprocessor(dict(inputs=x)),
                      mode='predict')
    assert len(preds) == 2
    for p in preds:
        assert p.pred_score.shape == (1, )
        assert 0.0 <= p.pred_score.item() <= 1.0
