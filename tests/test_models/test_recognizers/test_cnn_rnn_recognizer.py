import pytest
import torch
from mmengine.registry import init_default_scope
from mmpretrain.structures import DataSample

from mmdsa.registry import MODELS


def _build(rnn_type='gru', readout='last', grid=2, **kwargs):
    init_default_scope('mmdsa')
    cfg = dict(
        type='CNNRNNRecognizer',
        backbone=dict(type='mmpretrain.ResNet', depth=18, base_channels=8,
                      stem_channels=8, out_indices=(3, )),
        encoder=dict(type='RecurrentSequenceEncoder', rnn_type=rnn_type,
                     hidden_size=8, num_layers=3, dropout=0.5),
        head=dict(type='BinarySequenceClsHead', readout=readout),
        grid_size=grid,
        data_preprocessor=dict(
            type='DSAClassificationDataPreprocessor', mean=128., std=64.),
        **kwargs)
    torch.manual_seed(0)
    return MODELS.build(cfg)


def _series(lengths, size=32, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return [torch.randint(0, 256, (g, 3, size, size), generator=gen,
                          dtype=torch.uint8) for g in lengths]


@pytest.mark.parametrize('rnn_type, readout', [('gru', 'last'),
                                               ('lstm', 'mean')])
def test_batched_equals_single(rnn_type, readout):
    model = _build(rnn_type, readout)
    model.eval()
    xs = _series([5, 2, 1, 3])
    with torch.no_grad():
        batched = model(**model.data_preprocessor(dict(inputs=xs)))
        single = torch.cat([
            model(**model.data_preprocessor(dict(inputs=[x]))) for x in xs
        ])
    assert batched.shape == (4, )
    torch.testing.assert_close(batched, single, atol=1e-5, rtol=0)


def test_last_readout_equals_unpadded_rnn_index_minus_one():
    model = _build('gru', 'last')
    model.eval()
    x = _series([4])[0]
    data = model.data_preprocessor(dict(inputs=[x]))
    with torch.no_grad():
        feats = model.group_features(data['inputs'][0])
        seq = model.encoder.act(model.encoder.norm(feats))[None]
        rnn_out, _ = model.encoder.rnn(seq)  # authors: out[:, -1]
        expected = model.head.fc(rnn_out[:, -1]).squeeze(-1)
        torch.testing.assert_close(model(**data), expected, atol=1e-6,
                                   rtol=1e-5)


def test_backbone_runs_only_real_groups_once():
    model = _build()
    model.eval()
    seen = []
    model.backbone.register_forward_hook(
        lambda mod, args, out: seen.append(args[0].shape[0]))
    with torch.no_grad():
        model(**model.data_preprocessor(dict(inputs=_series([3, 1, 2]))))
    assert seen == [6]
    assert model.backbone_channels == 64
    assert model.encoder.in_channels == 64 * 2 * 2


def test_predict_sets_score_and_label():
    model = _build()
    model.eval()
    samples = [DataSample(metainfo=dict(series_id=f'S{i}', view='PA'))
               for i in range(2)]
    with torch.no_grad():
        data = model.data_preprocessor(
            dict(inputs=_series([2, 3]), data_samples=samples))
        preds = model(**data, mode='predict')
        logits = model(**data)
    for sample, logit in zip(preds, logits):
        assert sample.pred_score.shape == (1, )
        assert sample.pred_score.item() == pytest.approx(
            torch.sigmoid(logit).item(), abs=1e-6)
        assert sample.pred_label.tolist() == [
            int(sample.pred_score.item() >= 0.5)]
        assert sample.metainfo['view'] == 'PA'


def test_loss_decreases_on_toy_problem():
    """Positive series carry a bright square in their last group only."""
    model = _build(grid=1)
    model.train()
    gen = torch.Generator().manual_seed(1)
    xs, samples = [], []
    for i, g in enumerate([3, 4, 2, 5, 3, 4]):
        x = torch.randint(60, 120, (g, 3, 16, 16), generator=gen,
                          dtype=torch.uint8)
        if i % 2:
            x[-1, :, 4:12, 4:12] = 250
        xs.append(x)
        samples.append(DataSample().set_gt_label(i % 2))
    optim = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(30):
        data = model.data_preprocessor(dict(inputs=xs, data_samples=samples),
                                       True)
        loss = model(**data, mode='loss')['loss_cls']
        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    model.eval()
    with torch.no_grad():
        scores = model(**model.data_preprocessor(dict(inputs=xs))).sigmoid()
    assert scores[1::2].min() > scores[0::2].max()


def test_bad_inputs_raise():
    model = _build()
    with pytest.raises(ValueError, match=r'\(B, G, 3, H, W\)'):
        model(torch.zeros(2, 3, 32, 32))
    with pytest.raises(ValueError, match='lengths'):
        model(torch.zeros(1, 2, 3, 32, 32), lengths=torch.tensor([3]))
    with pytest.raises(ValueError, match='mode'):
        model(torch.zeros(1, 1, 3, 32, 32), mode='train')
    with pytest.raises(ValueError, match='grid_size'):
        _build(grid=0)
    wrong = _build(backbone_channels=32)
    with pytest.raises(ValueError, match='backbone_channels'):
        wrong(torch.zeros(1, 2, 3, 32, 32))
