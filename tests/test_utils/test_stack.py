"""The compiled parts of the stack run on this machine."""
import torch


def test_mmcv_ops_nms():
    from mmcv.ops import nms
    boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]],
                         dtype=torch.float32)
    scores = torch.tensor([0.9, 0.8, 0.7])
    dets, keep = nms(boxes, scores, iou_threshold=0.5)
    assert keep.tolist() == [0, 2]
    assert dets.shape == (2, 5)


def test_torchvision_ops_nms():
    import torchvision
    boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]],
                         dtype=torch.float32)
    keep = torchvision.ops.nms(boxes, torch.tensor([0.9, 0.8, 0.7]), 0.5)
    assert keep.tolist() == [0, 2]


def test_mmpretrain_backbone_runs():
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        backbone = MODELS.build(
            dict(type='ResNet', depth=18, out_indices=(3, )))
    backbone.eval()  # ResNet.train() returns None: call eval() on its own
    with torch.no_grad():
        out = backbone(torch.rand(1, 3, 64, 64))
    assert out[0].shape == (1, 512, 2, 2)
