import pytest
import torch

from mmdsa.models.data_preprocessors import DSAClassificationDataPreprocessor


def _series(lengths, size=8, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return [
        torch.randint(0, 256, (g, 3, size, size), generator=gen,
                      dtype=torch.uint8) for g in lengths
    ]


def test_pads_keeps_lengths_and_normalises():
    pre = DSAClassificationDataPreprocessor(
        mean=[100., 110., 120.], std=[50., 60., 70.])
    xs = _series([3, 1, 2])
    out = pre(dict(inputs=xs, data_samples=None))
    assert out['inputs'].shape == (3, 3, 3, 8, 8)
    assert out['inputs'].dtype == torch.float32
    assert out['lengths'].tolist() == [3, 1, 2]
    mean = torch.tensor([100., 110., 120.]).view(3, 1, 1)
    std = torch.tensor([50., 60., 70.]).view(3, 1, 1)
    for i, x in enumerate(xs):
        g = x.shape[0]
        expected = (x.float() - mean) / std
        torch.testing.assert_close(out['inputs'][i, :g], expected)
        assert torch.count_nonzero(out['inputs'][i, g:]) == 0


def test_per_series_norm_uses_only_real_groups():
    pre = DSAClassificationDataPreprocessor(per_series_norm=True)
    xs = _series([4, 2], seed=1)
    out = pre(dict(inputs=xs))
    for i, x in enumerate(xs):
        real = out['inputs'][i, :x.shape[0]]
        xf = x.float()
        expected = (xf - xf.mean()) / (xf.std(unbiased=False) + 1e-6)
        torch.testing.assert_close(real, expected)
        assert abs(float(real.mean())) < 1e-5
    assert torch.count_nonzero(out['inputs'][1, 2:]) == 0


def test_accepts_stacked_tensor_and_keeps_data_samples():
    pre = DSAClassificationDataPreprocessor()
    x = torch.stack(_series([2, 2]))
    samples = ['a', 'b']
    out = pre(dict(inputs=x, data_samples=samples))
    assert out['lengths'].tolist() == [2, 2]
    torch.testing.assert_close(out['inputs'], x.float())
    assert out['data_samples'] == samples


@pytest.mark.parametrize('kwargs, match', [
    (dict(mean=1.0), 'mean and std'),
    (dict(mean=[1., 2.], std=[1., 1.]), 'sequence of 3'),
    (dict(mean=0., std=0.), 'positive'),
])
def test_bad_config_raises(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DSAClassificationDataPreprocessor(**kwargs)


def test_bad_inputs_raise():
    pre = DSAClassificationDataPreprocessor()
    with pytest.raises(ValueError, match='sample 1'):
        pre(dict(inputs=[torch.zeros(2, 3, 8, 8), torch.zeros(2, 1, 8, 8)]))
    with pytest.raises(ValueError, match='resize'):
        pre(dict(inputs=[torch.zeros(2, 3, 8, 8), torch.zeros(2, 3, 9, 8)]))
    with pytest.raises(TypeError, match='non-empty list'):
        pre(dict(inputs=[]))
    with pytest.raises(ValueError, match='shape'):
        pre(dict(inputs=torch.zeros(2, 3, 8, 8)))
