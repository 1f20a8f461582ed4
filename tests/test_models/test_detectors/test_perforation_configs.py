"""Every perforation config builds its model; some run a tiny forward."""
import re
import shutil
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
    # one T: the config's num_frames, every window loader and the model
    # agree; the name's -tN says it (no -tN: single frame)
    match = re.search(r'-t(\d+)_', path.stem)
    t = int(match.group(1)) if match else 1
    assert cfg.num_frames == model_cfg.num_frames == t
    for split in ('train', 'val', 'test'):
        step = cfg[f'{split}_dataloader'].dataset.pipeline[0]
        assert step.type == 'LoadDSAWindow' and step.num_frames == t, split
    for name in ('train_pipeline', 'test_pipeline'):
        assert cfg[name][0].num_frames == t, name
    # the model owns T: the neck config leaves it to the detector
    if model_cfg.get('temporal_neck') is not None:
        assert 'num_frames' not in model_cfg.temporal_neck
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
    if model.temporal_neck is not None:
        assert model.temporal_neck.num_frames == model.num_frames
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


def _window_free(cfg):
    """Dataloader pipelines without their window loader (first step)."""
    return {split: cfg[f'{split}_dataloader'].dataset.pipeline[1:]
            for split in ('train', 'val', 'test')}


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.stem)
def test_pipelines_are_the_dataset_bases_but_for_the_window(path):
    """A config that changes T changes only the window loader; every other
    step is its dataset base's (the 640 px transforms are written once)."""
    cfg = Config.fromfile(path)
    base = 'synthetic_perforation.py' if 'synthetic' in path.stem \
        else 'dsa_perforation_640.py'
    base_cfg = Config.fromfile(ROOT / 'configs/_base_/datasets' / base)
    assert _window_free(cfg) == _window_free(base_cfg)


@pytest.mark.parametrize('stem', [
    'retinanet_r50_fpn_tcm-t3_dr-iou_12e_dsa-perforation',
    'retinanet_r50_fpn_tcm-t5_dr-iou_12e_dsa-perforation',
    'retinanet_r18-tiny_fpn_tcm-t5_dr-iou_so_8e_synthetic-perforation'
])
def test_t_is_written_once_in_the_leaf(stem, tmp_path):
    """Editing the one `num_frames = T` line of a leaf changes the model and
    every pipeline; the neck follows the model."""
    copy = tmp_path / 'configs'
    shutil.copytree(ROOT / 'configs', copy)
    leaf = copy / 'perforation' / f'{stem}.py'
    text = leaf.read_text()
    t = re.search(r'-t(\d+)_', stem).group(1)
    assert text.count(f'num_frames = {t}\n') == 1
    assert not re.search(r'num_frames=\d', text)  # no other literal T
    leaf.write_text(text.replace(f'num_frames = {t}\n', 'num_frames = 7\n'))
    cfg = Config.fromfile(leaf)
    assert cfg.num_frames == cfg.model.num_frames == 7
    for split in ('train', 'val', 'test'):
        assert cfg[f'{split}_dataloader'].dataset.pipeline[0].num_frames == 7
    init_default_scope('mmdsa')
    cfg.model.detector.backbone.pop('init_cfg', None)
    model = MODELS.build(cfg.model)
    assert model.temporal_neck.num_frames == 7


@pytest.mark.parametrize('name', [
    'retinanet_r50_fpn_perforation.py', 'faster-rcnn_r50_fpn_perforation.py',
    'cascade-rcnn_r50_fpn_perforation.py'
])
def test_model_bases_inherit_mmdet(name):
    """The R50 model bases inherit mmdet's model bases (offline: the base
    files ship inside the mmdet package) and write only the changes."""
    path = ROOT / 'configs/_base_/models' / name
    mmdet_base = 'mmdet::_base_/models/' + name.replace('_perforation', '')
    assert repr(mmdet_base) in path.read_text()
    mmdet_cfg = Config.fromfile(
        Config._get_cfg_path(mmdet_base, str(path))[0])
    det = Config.fromfile(path).model.detector
    assert det._scope_ == 'mmdet' and 'data_preprocessor' not in det
    assert det.type == mmdet_cfg.model.type
    assert det.backbone == mmdet_cfg.model.backbone
    assert det.neck == mmdet_cfg.model.neck


def test_changing_t_of_a_loaded_config():
    """docs/configs.md: a program (or --cfg-options) sets the window loader
    of every dataloader pipeline and model.num_frames; the neck follows."""
    cfg = Config.fromfile(
        ROOT / 'configs/perforation/'
        'retinanet_r18-tiny_fpn_tcm-t5_dr-iou_so_8e_synthetic-perforation.py')
    cfg.merge_from_dict({
        'model.num_frames': 3,
        **{f'{split}_dataloader.dataset.pipeline.0.num_frames': 3
           for split in ('train', 'val', 'test')}
    })
    for split in ('train', 'val', 'test'):
        assert cfg[f'{split}_dataloader'].dataset.pipeline[0].num_frames == 3
    init_default_scope('mmdsa')
    model = MODELS.build(cfg.model)
    assert model.num_frames == model.temporal_neck.num_frames == 3
    assert model.temporal_neck.convs[0].weight.shape[2:] == (3, 1, 1)
