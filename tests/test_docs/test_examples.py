"""The docs' example configs build and run (docs/examples/)."""
import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.registry import DefaultScope, init_default_scope
from mmengine.structures import InstanceData
from mmengine.utils import import_modules_from_strings

from tests.conftest import REPO_ROOT

EXAMPLE = REPO_ROOT / 'docs' / 'examples' / \
    'mmdet_retinanet_with_mmdsa_neck_and_loss.py'


def _sample(h=64, w=64):
    sample = DetDataSample(metainfo=dict(
        img_shape=(h, w), ori_shape=(h, w), scale_factor=(1.0, 1.0),
        num_frames=3, key_frame_index=1))
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor([[10., 12., 30., 34.]]),
        labels=torch.tensor([0]))
    return sample


def test_mmdet_scope_config_with_mmdsa_modules_trains_and_predicts():
    cfg = Config.fromfile(str(EXAMPLE))
    assert cfg.default_scope == 'mmdet'
    import_modules_from_strings(**cfg.custom_imports)
    from mmdet.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmdet'):
        init_default_scope('mmdet')
        model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'SpatioTemporalDetector'
    assert type(model.temporal_neck).__name__ == 'BiConvGRU'
    assert type(model.detector.bbox_head.loss_bbox).__name__ == 'DRIoULoss'
    data = dict(
        inputs=[torch.randint(0, 255, (3, 3, 64, 64), dtype=torch.uint8)
                for _ in range(2)],
        data_samples=[_sample(), _sample()])
    batch = model.data_preprocessor(data, training=True)
    losses = model(**batch, mode='loss')
    total, _ = model.parse_losses(losses)  # RetinaNet: per-level lists
    assert torch.isfinite(total)
    total.backward()
    assert model.temporal_neck.parameters().__next__().grad is not None
    model.eval()
    with torch.no_grad():
        preds = model(**model.data_preprocessor(data), mode='predict')
    assert len(preds) == 2 and len(preds[0].pred_instances) <= 1
