import math

import pytest
import torch
from mmpretrain.structures import DataSample

from mmdsa.models.heads import BinarySequenceClsHead, smooth_binary_targets


def _hand_bce(logit, target, pos_weight=1.0):
    p = 1.0 / (1.0 + math.exp(-logit))
    return -(pos_weight * target * math.log(p) +
             (1 - target) * math.log(1 - p))


def test_label_smoothing_gives_authors_soft_targets():
    t = smooth_binary_targets(torch.tensor([0., 1.]), 0.428)
    torch.testing.assert_close(t, torch.tensor([0.214, 0.786]))


@pytest.mark.parametrize('pos_weight, eps', [(None, 0.0), (2.5, 0.0),
                                             (None, 0.2), (3.0, 0.428)])
def test_loss_matches_hand_computation(pos_weight, eps):
    head = BinarySequenceClsHead(4, pos_weight=pos_weight,
                                 label_smoothing=eps, loss_weight=2.0)
    logits = torch.tensor([0.3, -1.2, 2.0])
    targets = torch.tensor([1., 0., 0.])
    pw = 1.0 if pos_weight is None else pos_weight
    hand = [
        _hand_bce(x, t * (1 - eps) + eps / 2, pw)
        for x, t in zip(logits.tolist(), targets.tolist())
    ]
    loss = head.loss_by_logits(logits, targets)
    assert loss.item() == pytest.approx(2.0 * sum(hand) / 3, rel=1e-6)
    none = head.loss_by_logits(logits, targets, reduction_override='none')
    torch.testing.assert_close(none, 2.0 * torch.tensor(hand))
    weighted = head.loss_by_logits(
        logits, targets, weight=torch.tensor([1., 0., 2.]), avg_factor=4.)
    assert weighted.item() == pytest.approx(
        2.0 * (hand[0] + 2 * hand[2]) / 4, rel=1e-6)
    with pytest.raises(ValueError, match='reduction_override'):
        head.loss_by_logits(logits, targets, reduction_override='max')


def test_readouts_select_last_valid_step_and_valid_mean():
    outputs = torch.arange(2 * 4 * 3, dtype=torch.float32).view(2, 4, 3)
    lengths = torch.tensor([2, 4])
    last = BinarySequenceClsHead(3, readout='last').pool(outputs, lengths)
    torch.testing.assert_close(last, torch.stack([outputs[0, 1],
                                                  outputs[1, 3]]))
    mean = BinarySequenceClsHead(3, readout='mean').pool(outputs, lengths)
    torch.testing.assert_close(
        mean, torch.stack([outputs[0, :2].mean(0), outputs[1].mean(0)]))


def test_loss_and_predict_with_data_samples():
    torch.manual_seed(0)
    head = BinarySequenceClsHead(3, threshold=0.5)
    outputs = torch.randn(2, 3, 3)
    lengths = torch.tensor([3, 1])
    samples = [DataSample(metainfo=dict(series_id=f'S{i}')).set_gt_label(i)
               for i in range(2)]
    losses = head.loss(outputs, lengths, samples)
    logits = head(outputs, lengths)
    expected = head.loss_by_logits(logits, torch.tensor([0., 1.]))
    torch.testing.assert_close(losses['loss_cls'], expected)
    preds = head.predict(outputs, lengths, samples)
    for sample, logit in zip(preds, logits):
        assert sample.pred_score.shape == (1, )
        assert sample.pred_score.item() == pytest.approx(
            torch.sigmoid(logit).item(), rel=1e-6)
        assert sample.pred_label.item() == int(torch.sigmoid(logit) >= 0.5)
        assert sample.metainfo['series_id'] in ('S0', 'S1')


def test_bad_arguments_and_labels_raise():
    with pytest.raises(ValueError, match='readout'):
        BinarySequenceClsHead(3, readout='first')
    with pytest.raises(ValueError, match='label_smoothing'):
        BinarySequenceClsHead(3, label_smoothing=1.0)
    with pytest.raises(ValueError, match='pos_weight'):
        BinarySequenceClsHead(3, pos_weight=0)
    head = BinarySequenceClsHead(3)
    with pytest.raises(ValueError, match='gt_label'):
        head.loss(torch.zeros(1, 2, 3), torch.tensor([2]),
                  [DataSample().set_gt_label(3)])
    with pytest.raises(ValueError, match=r'\(B, G, 3\)'):
        head(torch.zeros(1, 2, 4), torch.tensor([2]))


def test_default_loss_is_mmpretrain_bce_and_swappable():
    from mmdet.models.losses import CrossEntropyLoss as MMDetCE
    from mmpretrain.models.losses import CrossEntropyLoss as MMPretrainCE
    head = BinarySequenceClsHead(4, label_smoothing=0.428, loss_weight=2.0)
    assert isinstance(head.loss_module, MMPretrainCE)
    assert head.loss_module.use_sigmoid and head.loss_module.loss_weight == 2
    # the loss has no state: checkpoints keep the same keys
    assert set(head.state_dict()) == {'fc.weight', 'fc.bias'}
    swapped = BinarySequenceClsHead(
        4, label_smoothing=0.428,
        loss=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=True,
                  loss_weight=2.0))
    assert isinstance(swapped.loss_module, MMDetCE)
    logits = torch.tensor([0.3, -1.2, 2.0, 0.1])
    targets = torch.tensor([1., 0., 0., 1.])
    weight = torch.tensor([1., 0., 2., 0.5])
    for kwargs in (dict(), dict(weight=weight, avg_factor=3.),
                   dict(reduction_override='none')):
        torch.testing.assert_close(
            swapped.loss_by_logits(logits, targets, **kwargs),
            head.loss_by_logits(logits, targets, **kwargs))
    # the published soft targets reach the loss unchanged
    hand = [_hand_bce(x, t * (1 - 0.428) + 0.214)
            for x, t in zip(logits.tolist(), targets.tolist())]
    torch.testing.assert_close(
        head.loss_by_logits(logits, targets, reduction_override='sum'),
        torch.tensor(2.0 * sum(hand)))
    with pytest.raises(ValueError, match='inside it'):
        BinarySequenceClsHead(
            4, pos_weight=2.0,
            loss=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=True))
