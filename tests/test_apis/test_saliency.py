"""Grad-CAM of the recognizer against an independent computation: the
gradient of the logit with respect to the backbone maps taken by autograd
on a split forward pass (no hooks), checked again by finite differences."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import init_default_scope

from mmdsa.apis.saliency import gradcam_from_inputs, recognizer_saliency
from mmdsa.registry import MODELS
from tests.conftest import run_tool

TINY = 'configs/thrombus/cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py'


def _model():
    init_default_scope('mmdsa')
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='CNNRNNRecognizer',
        backbone=dict(type='mmpretrain.ResNet', depth=18, base_channels=8,
                      stem_channels=8, out_indices=(3, )),
        encoder=dict(type='RecurrentSequenceEncoder', rnn_type='gru',
                     hidden_size=8, num_layers=2, dropout=0.5),
        head=dict(type='BinarySequenceClsHead', readout='last'),
        grid_size=2,
        data_preprocessor=dict(
            type='DSAClassificationDataPreprocessor', mean=128., std=64.)))
    model.eval()
    return model


def _logit_from_maps(model, maps, lengths):
    """The recognizer after its backbone, as a function of the maps."""
    feats = F.adaptive_avg_pool2d(maps, model.grid_size).flatten(1)
    return model.head(model.encoder(feats[None], lengths), lengths)[0]


def test_gradcam_matches_split_autograd_and_finite_differences():
    model = _model()
    torch.manual_seed(1)
    inputs = torch.randn(1, 4, 3, 64, 64)
    lengths = torch.tensor([4])
    res = gradcam_from_inputs(model, inputs, lengths)
    with torch.no_grad():
        maps = model.backbone(inputs[0])[-1].double()
    model.double()
    maps.requires_grad_(True)
    logit = _logit_from_maps(model, maps, lengths)
    (grad, ) = torch.autograd.grad(logit, maps)
    weights = grad.mean(dim=(2, 3))
    cam = F.relu((weights[:, :, None, None] * maps).sum(1)).detach()
    assert torch.allclose(res['weights'].double(), weights, atol=1e-6)
    assert torch.allclose(res['cam'].double(), cam, atol=1e-5)
    assert float(res['logit']) == pytest.approx(logit.item(), abs=1e-5)
    # finite difference: shifting channel c of group g by eps changes the
    # logit by eps * h * w * weights[g, c]
    g, c = 2, int(weights[2].abs().argmax())
    eps = 1e-4
    with torch.no_grad():
        shifted = maps.detach().clone()
        shifted[g, c] += eps
        fd = (_logit_from_maps(model, shifted, lengths) -
              _logit_from_maps(model, maps.detach(), lengths)) / eps
    h, w = maps.shape[2:]
    assert float(fd) == pytest.approx(float(weights[g, c]) * h * w,
                                      rel=1e-3, abs=1e-8)
    sal = res['saliency']
    assert sal.shape == (4, 64, 64)
    assert float(sal.min()) >= 0 and float(sal.max()) == pytest.approx(1.0)
    assert all(p.grad is None for p in model.parameters())


def test_only_real_groups_get_maps():
    model = _model()
    inputs = torch.randn(1, 5, 3, 32, 32)
    res = gradcam_from_inputs(model, inputs, torch.tensor([3]))
    assert res['saliency'].shape == (3, 32, 32)


def test_saliency_on_a_series_file_and_tool(tmp_path):
    from mmdsa.apis import init_model
    frames = np.random.default_rng(0).uniform(0, 1, (7, 64, 64))
    series = tmp_path / 'series.npy'
    np.save(series, frames.astype(np.float32))
    model = init_model(TINY)
    res = recognizer_saliency(model, str(series))
    assert res['saliency'].shape[0] == 3  # ceil(7 / 3) groups
    assert res['groups'].shape[:2] == (3, 3)
    assert 0.0 <= res['probability'] <= 1.0
    ckpt = tmp_path / 'tiny.pth'
    torch.save(dict(state_dict=model.state_dict(), meta={}), ckpt)
    out = tmp_path / 'out' / 'saliency.png'
    proc = run_tool(['tools/analysis_tools/vis_saliency.py', TINY, ckpt,
                     series, '--out', out])
    assert out.stat().st_size > 5000, proc.stdout
    assert 'P(thrombus)' in proc.stdout
    bad = run_tool(['tools/analysis_tools/vis_saliency.py', TINY, ckpt,
                    tmp_path / 'missing.npy', '--out', out], check=False)
    assert bad.returncode == 2 and bad.stderr.startswith('error: ')
