import pytest
import torch

from mmdsa.models.recognizers import RecurrentSequenceEncoder


@pytest.mark.parametrize('rnn_type', ['gru', 'lstm'])
def test_packed_outputs_equal_each_series_alone(rnn_type):
    torch.manual_seed(0)
    enc = RecurrentSequenceEncoder(6, rnn_type=rnn_type, hidden_size=5,
                                   num_layers=2, dropout=0.5)
    enc.eval()
    lengths = torch.tensor([2, 5, 1])
    feats = torch.randn(3, 5, 6)
    with torch.no_grad():
        out = enc(feats, lengths)
        assert out.shape == (3, 5, 10)
        for b, n in enumerate(lengths.tolist()):
            x = enc.act(enc.norm(feats[b:b + 1, :n]))
            alone, _ = enc.rnn(x)  # plain unpadded nn.GRU / nn.LSTM
            torch.testing.assert_close(out[b, :n], alone[0], atol=1e-6,
                                       rtol=1e-5)
            assert torch.count_nonzero(out[b, n:]) == 0


def test_layernorm_and_leaky_relu_before_rnn():
    enc = RecurrentSequenceEncoder(4, hidden_size=3, num_layers=1,
                                   negative_slope=0.2)
    x = torch.tensor([[[1., 2., 3., 6.]]])
    normed = (x - 3.) / torch.sqrt(torch.tensor(3.5) + 1e-5)
    expected = torch.where(normed > 0, normed, 0.2 * normed)
    torch.testing.assert_close(enc.act(enc.norm(x)), expected)
    assert enc.out_channels == 6


def test_bad_config_and_shape_raise():
    with pytest.raises(ValueError, match='rnn_type'):
        RecurrentSequenceEncoder(4, rnn_type='rnn')
    with pytest.raises(ValueError, match='hidden_size'):
        RecurrentSequenceEncoder(4, hidden_size=0)
    enc = RecurrentSequenceEncoder(4, hidden_size=3, num_layers=1)
    with pytest.raises(ValueError, match='backbone_channels'):
        enc(torch.zeros(1, 2, 5), torch.tensor([2]))
