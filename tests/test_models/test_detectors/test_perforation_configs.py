"""Every perforation config builds its model; some run a tiny forward."""
from pathlib import Path

import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmdsa.models  # noqa: F401
from mmdsa.registry import MODELS

ROOT = Path(__file__).resolve().parents[3]
CONFIGS = sorted((ROOT / 'configs/perforation').glob('*.py'))
RUN = ('faster-rcnn_r50', 'cascade-rcnn_r50', 'retinanet_r18-tiny')


def test_every_table1_row_has_a_config():
    names = {p.name for p in CONFIGS}
    for row in ('faster-rcnn_r50_fpn_dr-iou', 'cascade-rcnn_r50_fpn_dr-iou',
                'retinanet_r50_fpn_dr-iou', 'tcm-t3'):
        assert any(row in n for n in names), row
    for neck in ('tcm', 'tam', 'bilstm', 'bigru'):
        assert any(f'{neck}-t5_dr-iou_12e' in n for n in names), neck
        assert any(f'{neck}-t5_dr-iou_so_12e' in n for n in names), neck


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.stem)
def test_config_builds(path):
    init_default_scope('mmdsa')
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmdsa'
    model_cfg = cfg.model
    pipeline_t = cfg.train_dataloader.dataset.pipeline[0].num_frames
    assert pipeline_t == model_cfg.num_frames
    assert cfg.test_dataloader.dataset.pipeline[0].num_frames == pipeline_t
    if 'r50' in path.stem:
        det = model_cfg.detector
        assert det.backbone.init_cfg.checkpoint == 'torchvision://resnet50'
        test_cfg = det.test_cfg.get('rcnn', det.test_cfg)
        assert test_cfg.max_per_img == 1
        assert cfg.optim_wrapper.optimizer.lr == 5e-4
        assert cfg.train_cfg.max_epochs == 12
        assert cfg.train_dataloader.batch_size == 2
    if '_so_' in path.stem:
        assert cfg.val_evaluator.post_processor.type == 'TrajectoryOptimizer'
    model_cfg.detector.backbone.pop('init_cfg', None)
    model = MODELS.build(model_cfg)
    assert model.num_frames == model_cfg.num_frames
    if path.stem.startswith(RUN):
        model.eval()
        t = model.num_frames
        sample = DetDataSample(metainfo=dict(
            img_shape=(64, 64), ori_shape=(64, 64), scale_factor=(1., 1.)))
        data = model.data_preprocessor(
            dict(inputs=[torch.zeros(t, 3, 64, 64, dtype=torch.uint8)],
                 data_samples=[sample]))
        with torch.no_grad():
            out = model.predict(data['inputs'], data['data_samples'])
        assert out[0].pred_instances.bboxes.shape[-1] == 4
