"""SpatioTemporalDetector: equivalence, training, series inference."""
import copy
from pathlib import Path

import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.registry import DefaultScope, init_default_scope
from mmengine.structures import InstanceData

import mmdsa.models  # noqa: F401
from mmdsa.models.detectors import (predict_series_naive, window_inference,
                                    window_indices)
from mmdsa.registry import MODELS

ROOT = Path(__file__).resolve().parents[3]
TINY = ROOT / 'configs/_base_/models/retinanet_r18-tiny_fpn_perforation.py'
NECKS = ['TemporalConvolution', 'TemporalAttention', 'BiConvGRU', 'BiConvLSTM']


def tiny_cfg(neck=None, t=1, **kwargs):
    cfg = copy.deepcopy(Config.fromfile(TINY).model)
    cfg.num_frames = t
    cfg.update(kwargs)
    if neck is not None:
        cfg.temporal_neck = dict(type=neck, in_channels=32, num_levels=5)
    return cfg


def build(cfg, seed=0):
    init_default_scope('mmdsa')
    torch.manual_seed(seed)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def batch(model, t, n=2, size=48, seed=0):
    g = torch.Generator().manual_seed(seed)
    samples = []
    for i in range(n):
        s = DetDataSample(
            metainfo=dict(
                img_shape=(size, size - 4 * i),
                ori_shape=(size, size - 4 * i),
                scale_factor=(1., 1.),
                key_frame_index=t // 2))
        s.gt_instances = InstanceData(
            bboxes=torch.tensor([[8. + i, 10., 30., 36.]]),
            labels=torch.tensor([0]))
        samples.append(s)
    inputs = [
        torch.randint(0, 255, (t, 3, size, size - 4 * i),
                      generator=g).to(torch.uint8) for i in range(n)
    ]
    return model.data_preprocessor(
        dict(inputs=inputs, data_samples=samples), True)


def test_t1_without_neck_equals_wrapped_detector():
    model = build(tiny_cfg())
    with DefaultScope.overwrite_default_scope('mmdet'):
        plain = MODELS.build(copy.deepcopy(tiny_cfg().detector))
    plain.load_state_dict(model.detector.state_dict())
    data = batch(model, 1)
    key = data['inputs'][:, 0]
    model.train(), plain.train()
    ours = model.loss(data['inputs'], data['data_samples'])
    ref = plain.loss(key, data['data_samples'])
    for k in ref:
        torch.testing.assert_close(sum(ours[k]), sum(ref[k]), rtol=0, atol=0)
    model.eval(), plain.eval()
    ours = model.predict(data['inputs'], copy.deepcopy(data['data_samples']))
    ref = plain.predict(key, copy.deepcopy(data['data_samples']))
    for a, b in zip(ours, ref):
        torch.testing.assert_close(a.pred_instances.bboxes,
                                   b.pred_instances.bboxes)
        torch.testing.assert_close(a.pred_instances.scores,
                                   b.pred_instances.scores)
    heads = model._forward(data['inputs'])
    ref_heads = plain._forward(key)
    torch.testing.assert_close(heads[0][0], ref_heads[0][0])
    # the redirection of extract_feat is undone after every call
    assert 'extract_feat' not in vars(model.detector)


def test_loss_goes_down_with_temporal_neck():
    model = build(tiny_cfg('TemporalConvolution', 3))
    data = batch(model, 3)
    optim = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    model.train()
    losses = []
    for _ in range(8):
        loss = sum(
            sum(v) if isinstance(v, list) else v
            for v in model.loss(data['inputs'],
                                data['data_samples']).values())
        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(loss.item())
    assert losses[-1] < 0.85 * losses[0], losses


@pytest.mark.parametrize('neck', NECKS)
def test_cached_series_equals_naive(neck, monkeypatch):
    model = build(tiny_cfg(neck, 5)).eval()
    caches = []

    class Recording(window_inference.SlidingFeatureCache):

        def __init__(self):
            super().__init__()
            caches.append(self)

    monkeypatch.setattr(window_inference, 'SlidingFeatureCache', Recording)
    frames = torch.randint(0, 255, (7, 3, 44, 48), dtype=torch.uint8)
    seen = []
    extract = model.extract_frame_feat
    monkeypatch.setattr(model, 'extract_frame_feat',
                        lambda x: seen.append(len(x)) or extract(x))
    cached = model.predict_series(frames, batch_size=2)
    assert sum(seen) == 7  # backbone + FPN once per frame
    assert caches[0].peak <= 2 + 5 - 1
    seen.clear()
    naive = predict_series_naive(model, frames, batch_size=3)
    assert sum(seen) == 7 * 5
    assert len(cached) == len(naive) == 7
    for i, (a, b) in enumerate(zip(cached, naive)):
        assert a.frame_id == i and a.ori_shape == (44, 48)
        torch.testing.assert_close(
            a.pred_instances.bboxes, b.pred_instances.bboxes, rtol=0,
            atol=1e-5)
        torch.testing.assert_close(
            a.pred_instances.scores, b.pred_instances.scores, rtol=0,
            atol=1e-5)


def test_window_indices_clamped():
    assert window_indices(0, 5, 9) == [0, 0, 0, 1, 2]
    assert window_indices(8, 5, 9) == [6, 7, 8, 8, 8]
    assert window_indices(0, 3, 1) == [0, 0, 0]
    with pytest.raises(ValueError, match='key'):
        window_indices(9, 5, 9)


def test_two_stage_with_neck_and_series():
    cfg = Config.fromfile(
        ROOT / 'configs/_base_/models/faster-rcnn_r50_fpn_perforation.py')
    model_cfg = cfg.model
    det = model_cfg.detector
    det.backbone.update(depth=18, base_channels=8, init_cfg=None)
    det.neck.update(in_channels=[8, 16, 32, 64], out_channels=16)
    det.rpn_head.update(in_channels=16, feat_channels=16)
    det.roi_head.bbox_roi_extractor.out_channels = 16
    det.roi_head.bbox_head.update(in_channels=16, fc_out_channels=32)
    det.train_cfg.rpn_proposal.update(nms_pre=100, max_per_img=30)
    det.train_cfg.rcnn.sampler.num = 32
    det.test_cfg.rpn.update(nms_pre=100, max_per_img=30)
    model_cfg.num_frames = 3
    model_cfg.temporal_neck = dict(
        type='BiConvGRU', in_channels=16, num_levels=5)
    model = build(model_cfg)
    data = batch(model, 3)
    model.train()
    losses = model.loss(data['inputs'], data['data_samples'])
    assert {'loss_rpn_cls', 'loss_cls', 'loss_bbox'} <= set(losses)
    model.eval()
    frames = torch.randint(0, 255, (4, 3, 48, 48), dtype=torch.uint8)
    for a, b in zip(model.predict_series(frames, batch_size=3),
                    predict_series_naive(model, frames, batch_size=2)):
        torch.testing.assert_close(
            a.pred_instances.bboxes, b.pred_instances.bboxes, atol=1e-5,
            rtol=0)


@pytest.mark.parametrize('mode', ['context_no_grad', 'checkpoint'])
def test_memory_saving_modes(mode):
    ref = build(tiny_cfg('BiConvGRU', 3, memory_saving=None))
    model = build(tiny_cfg('BiConvGRU', 3, memory_saving=mode))
    model.load_state_dict(ref.state_dict())
    data = batch(ref, 3)
    for m in (ref, model):
        m.train()
        # BN in eval mode: per-frame features do not depend on the batch
        m.detector.backbone.eval()
        sum(m.loss(data['inputs'], data['data_samples'])['loss_cls']) \
            .backward()
    a, b = dict(ref.named_parameters()), dict(model.named_parameters())
    neck_w = 'temporal_neck.input_convs.0.weight'
    torch.testing.assert_close(a[neck_w].grad, b[neck_w].grad, atol=1e-5,
                               rtol=1e-4)
    bb_w = 'detector.backbone.conv1.weight'
    if mode == 'checkpoint':  # exact gradients
        torch.testing.assert_close(a[bb_w].grad, b[bb_w].grad, atol=1e-5,
                                   rtol=1e-4)
    else:  # only the key frame trains the backbone
        assert not torch.allclose(a[bb_w].grad, b[bb_w].grad)
        assert b[bb_w].grad.abs().sum() > 0


def test_build_and_input_errors():
    with pytest.raises(ValueError, match='temporal_neck.*num_frames=5'):
        build(tiny_cfg(None, 5))
    with pytest.raises(ValueError, match='num_frames'):
        build(tiny_cfg('TemporalConvolution', 4))
    with pytest.raises(ValueError, match='memory_saving'):
        build(tiny_cfg(memory_saving='fp8'))
    bad = tiny_cfg()
    bad.detector.bbox_head.reg_decoded_bbox = False
    with pytest.raises(ValueError, match='reg_decoded_bbox=True'):
        build(bad)
    neck_cfg = tiny_cfg('TemporalConvolution', 3)
    neck_cfg.temporal_neck.num_frames = 5
    with pytest.raises(ValueError, match='expected 3'):
        build(neck_cfg)
    model = build(tiny_cfg('TemporalConvolution', 3))
    data = batch(model, 3)
    with pytest.raises(
            ValueError, match=r'T=3, C, H, W\), got \(2, 3, 64, 64\)'):
        model.loss(data['inputs'][:, 0], data['data_samples'])
    data['data_samples'][1].set_metainfo(dict(key_frame_index=0))
    with pytest.raises(ValueError, match='key_frame_index=1.*got 0'):
        model.loss(data['inputs'], data['data_samples'])
    with pytest.raises(ValueError, match=r'\(N, C, H, W\)'):
        model.predict_series(torch.zeros(2, 3, 3, 8, 8))


@pytest.mark.parametrize('neck', NECKS)
def test_neck_takes_the_detectors_num_frames(neck):
    # the neck config does not say T: the detector's num_frames is used
    model = build(tiny_cfg(neck, 3))
    assert model.temporal_neck.num_frames == 3
    assert model.temporal_neck.key_frame_index == 1
    if neck == 'TemporalConvolution':  # a (T, 1, 1) kernel
        assert model.temporal_neck.convs[0].weight.shape[2:] == (3, 1, 1)
    # repeating the detector's value is accepted, another one refused
    same = tiny_cfg(neck, 3)
    same.temporal_neck.num_frames = 3
    assert build(same).temporal_neck.num_frames == 3
    other = tiny_cfg(neck, 3)
    other.temporal_neck.num_frames = 5
    with pytest.raises(ValueError, match=r'temporal_neck\.num_frames: '
                       r'expected 3 .*got 5; leave it unset'):
        build(other)


@pytest.mark.parametrize('mode', ['loss', 'predict'])
def test_batch_window_length_must_match_the_model(mode):
    model = build(tiny_cfg('TemporalConvolution', 3))
    data = batch(model, 5)  # windows of 5 frames, key frame 2
    for sample in data['data_samples']:
        sample.set_metainfo(dict(key_frame_index=1))
    model.train(mode == 'loss')
    with pytest.raises(
            ValueError, match=r'batch has windows of T=5 frames .*'
            r'model\.num_frames=3; set the pipelines\' LoadDSAWindow'):
        getattr(model, mode)(data['inputs'], data['data_samples'])
