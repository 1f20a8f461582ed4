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
        # Table 2: T = 3 for every neck
        assert any(f'{neck}-t3_dr-iou_12e' in n for n in names), neck
    # Table 3: RN (DIoU), RN + DR-IoU + SO, RN + DR-IoU + BiLSTM (no SO)
    for row in ('retinanet_r50_fpn_diou_12e', 'retinanet_r50_fpn_dr-iou_so_12e',
                'retinanet_r50_fpn_bilstm-t5_dr-iou_12e'):
        assert any(n.startswith(row) for n in names), row
    assert list((ROOT / 'configs/perforation/ensembles').glob('median-*.py'))


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
    # every config reports at most one box per frame above 0.05 (papers.md
    # B), so SO and the max-score rule read the same detections
    det = model_cfg.detector
    test_cfg = det.test_cfg.get('rcnn', det.test_cfg)
    assert test_cfg.max_per_img == 1 and test_cfg.score_thr == 0.05
    # the model owns the series rule; the evaluator applies the model's
    assert cfg.val_evaluator.get('post_processor', 'model') == 'model'
    assert cfg.test_evaluator.get('post_processor', 'model') == 'model'
    model_cfg.detector.backbone.pop('init_cfg', None)
    model = MODELS.build(model_cfg)
    assert model.num_frames == model_cfg.num_frames
    if '_so_' in path.stem:
        assert model.series_post_processor_cfg == dict(
            type='TrajectoryOptimizer', score_thr=0.05)
        assert model.series_post_processor.score_thr == 0.05
    else:
        assert model.series_post_processor is None
    if '_diou_' in path.stem:
        assert det.bbox_head.loss_bbox.beta == 0.0
    elif 'retinanet' in path.stem:
        assert det.bbox_head.loss_bbox.beta == 0.25
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
