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

# (timm model.tag, grid, rnn) per Table-1 variant, from papers.md section A
# and the authors' code: torchvision weights for ResNet18 / EfficientNet-B*
# (timm's tv_in1k and the tags torchvision ported), timm's in21k for the tf_
# V2 models; RegNetY-16GF: torchvision V1 has no timm tag, tv2 is nearest.
EXPECTED = {
    'resnet18-bigru': ('resnet18.tv_in1k', 7, 'gru'),
    'efficientnet-b0-bigru': ('efficientnet_b0.ra_in1k', 4, 'gru'),
    'efficientnet-b0-bilstm': ('efficientnet_b0.ra_in1k', 4, 'lstm'),
    'efficientnet-b1-bigru': ('efficientnet_b1.ft_in1k', 4, 'gru'),
    'efficientnet-b1-bilstm': ('efficientnet_b1.ft_in1k', 4, 'lstm'),
    'efficientnet-b2-bigru': ('efficientnet_b2.ra_in1k', 4, 'gru'),
    'efficientnet-b3-bigru': ('efficientnet_b3.ra2_in1k', 4, 'gru'),
    'tf-efficientnetv2-s-bigru': ('tf_efficientnetv2_s.in21k', 4, 'gru'),
    'tf-efficientnetv2-m-bigru': ('tf_efficientnetv2_m.in21k', 4, 'gru'),
    'efficientnetv2-rw-s-bigru': ('efficientnetv2_rw_s.ra2_in1k', 4, 'gru'),
    'regnety-160-bigru': ('regnety_160.tv2_in1k', 3, 'gru'),
}
# torchvision's EfficientNet-B0..B3 train with stochastic depth 0.2
STOCHASTIC_DEPTH = {'efficientnet_b0', 'efficientnet_b1', 'efficientnet_b2',
                    'efficientnet_b3'}


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
    # the authors' plateau: mean training loss, mode min, patience 20
    sched = cfg.param_scheduler[0]
    assert (sched.type, sched.factor, sched.monitor, sched.rule,
            sched.patience) == ('TrainLossPlateauLR', 0.1, 'loss', 'less',
                                20)
    assert cfg.plateau_on_val_mcc.monitor == 'mcc'
    assert cfg.optim_wrapper.type == 'AmpIfAvailableOptimWrapper'
    arch = timm_name.split('.')[0]
    assert cfg.model.backbone.get('drop_path_rate', 0.0) == (
        0.2 if arch in STOCHASTIC_DEPTH else 0.0)
    assert cfg.train_cfg.max_epochs == 130
    # the paper's labels and test set 1
    paper = ['missing_view', 'vertebral_only', 'eca_only']
    for loader in ('train_dataloader', 'val_dataloader'):
        assert cfg[loader].dataset.harmonise_pairs is True
        assert cfg[loader].dataset.exclude_flags == paper
    assert cfg.test_dataloader.dataset.exclude_flags == paper + [
        'uncertain']
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


@pytest.mark.parametrize('tag', sorted({v[0] for v in EXPECTED.values()}))
def test_pretrained_tag_resolves_in_timm_without_download(tag):
    import timm
    from timm.models import get_pretrained_cfg
    assert timm.list_pretrained(tag) == [tag]
    cfg = get_pretrained_cfg(tag)
    assert cfg is not None and (cfg.url or cfg.hf_hub_id)


def test_stochastic_depth_reaches_the_timm_model():
    init_default_scope('mmdsa')
    cfg = Config.fromfile(osp.join(
        CONFIG_DIR, 'cnnrnn_efficientnet-b0-bigru_130e_dsa-pa-512.py'))
    model = _build(cfg)
    rates = [m.drop_prob for m in model.backbone.modules()
             if type(m).__name__ == 'DropPath']
    assert rates and max(rates) == pytest.approx(0.2, abs=0.02)
