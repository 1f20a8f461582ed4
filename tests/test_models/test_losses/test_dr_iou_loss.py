"""DR-IoU loss: DIoU equivalence, the beta margin, mmdet conventions."""
import pytest
import torch
from mmdet.models.losses import DIoULoss
from mmdet.models.losses.iou_loss import diou_loss

from mmdsa.models.losses import DRIoULoss, check_iou_loss_config


def _boxes(n, seed):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * 50
    wh = torch.rand(n, 2, generator=g) * 30 + 1
    return torch.cat([xy, xy + wh], 1)


@pytest.mark.parametrize('reduction', ['none', 'mean', 'sum'])
def test_beta_zero_equals_mmdet_diou(reduction):
    pred, target = _boxes(64, 0), _boxes(64, 1)
    weight = torch.rand(64, generator=torch.Generator().manual_seed(2))
    ours = DRIoULoss(beta=0., reduction=reduction, loss_weight=2.)
    ref = DIoULoss(reduction=reduction, loss_weight=2.)
    for kwargs in (dict(), dict(weight=weight), dict(weight=weight,
                                                     avg_factor=7.)):
        if 'avg_factor' in kwargs and reduction == 'sum':
            continue  # mmdet forbids avg_factor with sum
        torch.testing.assert_close(
            ours(pred, target, **kwargs), ref(pred, target, **kwargs),
            rtol=0, atol=1e-6)


def test_margin_and_zero_gradient_for_near_boxes():
    pred, target = _boxes(200, 3), _boxes(200, 4)
    wh = target[:100, 2:] - target[:100, :2]
    pred[:100] = target[:100] + 0.05 * wh.repeat(1, 2)  # near-correct
    pred.requires_grad_(True)
    loss = DRIoULoss(reduction='none')(pred, target)
    expected = torch.relu(diou_loss(pred, target, reduction='none') - 0.25)
    torch.testing.assert_close(loss, expected, rtol=0, atol=1e-6)
    assert (loss[:100] == 0).all() and (loss[100:] > 0).any()
    loss.sum().backward()
    assert (pred.grad[:100] == 0).all()
    assert pred.grad[100:].abs().sum() > 0


def test_conventions_and_errors():
    pred, target = _boxes(5, 5), _boxes(5, 6)
    loss = DRIoULoss()
    # all weights zero: a zero that keeps the graph
    zero = loss(pred.requires_grad_(True), target, weight=torch.zeros(5))
    assert zero.item() == 0 and zero.requires_grad
    per_coord = loss(pred, target, weight=torch.ones(5, 4))
    torch.testing.assert_close(per_coord, loss(pred, target))
    assert loss(pred, target, reduction_override='none').shape == (5, )
    with pytest.raises(ValueError, match='reduction_override'):
        loss(pred, target, reduction_override='max')
    with pytest.raises(ValueError, match=r'\(n, 4\).*\(5, 3\)'):
        loss(pred[:, :3], target[:, :3])
    with pytest.raises(ValueError, match='reduction'):
        DRIoULoss(reduction='avg')
    with pytest.raises(ValueError, match='beta'):
        DRIoULoss(beta=-1)
    assert 'beta=0.25' in repr(loss)


def test_iou_loss_config_check():
    head = dict(type='mmdet.RetinaHead', loss_bbox=dict(type='mmdet.DIoULoss'))
    with pytest.raises(ValueError, match=r'bbox_head.*DIoULoss.*reg_decoded'):
        check_iou_loss_config(dict(bbox_head=head))
    check_iou_loss_config(dict(bbox_head=dict(head, reg_decoded_bbox=True)))
    check_iou_loss_config(
        dict(bbox_head=dict(head, loss_bbox=dict(type='mmdet.L1Loss'))))
    cascade = dict(roi_head=dict(bbox_head=[
        dict(reg_decoded_bbox=True, loss_bbox=dict(type='DRIoULoss')),
        dict(loss_bbox=dict(type='mmdsa.DRIoULoss'))
    ]))
    with pytest.raises(ValueError, match=r'roi_head.bbox_head\[1\]'):
        check_iou_loss_config(cascade)
    with pytest.raises(TypeError):
        check_iou_loss_config(['not', 'a', 'dict'])


def _dr_iou_by_hand(p, t, beta):
    """The paper's formula box by box in plain Python (independent oracle):
    ``max(0, 1 - IoU + d^2 / c^2 - beta)``."""
    iw = max(0., min(p[2], t[2]) - max(p[0], t[0]))
    ih = max(0., min(p[3], t[3]) - max(p[1], t[1]))
    inter = iw * ih
    union = (p[2] - p[0]) * (p[3] - p[1]) + (t[2] - t[0]) * (t[3] - t[1]) \
        - inter
    cw = max(p[2], t[2]) - min(p[0], t[0])
    ch = max(p[3], t[3]) - min(p[1], t[1])
    d2 = ((p[0] + p[2] - t[0] - t[2]) / 2)**2 + \
        ((p[1] + p[3] - t[1] - t[3]) / 2)**2
    return max(0., 1 - inter / union + d2 / (cw**2 + ch**2) - beta)


@pytest.mark.parametrize('beta', [0., 0.25, 0.6])
def test_matches_the_formula_box_by_box(beta):
    pred, target = _boxes(50, 7).double(), _boxes(50, 8).double()
    pred[:10] = target[:10] + 0.5  # near boxes (inside the margin)
    loss = DRIoULoss(beta=beta, reduction='none')(pred, target)
    expected = torch.tensor([
        _dr_iou_by_hand(p.tolist(), t.tolist(), beta)
        for p, t in zip(pred, target)
    ], dtype=torch.float64)
    torch.testing.assert_close(loss, expected, rtol=0, atol=1e-6)
    # batched leading dimensions keep their shape
    batched = DRIoULoss(beta=beta, reduction='none')(
        pred.reshape(5, 10, 4), target.reshape(5, 10, 4))
    torch.testing.assert_close(batched, expected.reshape(5, 10))
