"""Temporal necks: contract, gradients, temporal dependence, oracles."""
import pytest
import torch
import torch.nn.functional as F

from mmdsa.models.necks import (BiConvGRU, BiConvLSTM, TemporalAttention,
                                TemporalConvolution)

C = 4
SIZES = [(8, 10), (4, 5), (2, 3)]
NECKS = [BiConvGRU, BiConvLSTM, TemporalConvolution, TemporalAttention]


def _inputs(t, b=2, requires_grad=False, seed=0):
    g = torch.Generator().manual_seed(seed)
    return tuple(
        torch.randn(b, t, C, h, w, generator=g).requires_grad_(requires_grad)
        for h, w in SIZES)


def _neck(cls, t):
    torch.manual_seed(0)
    return cls(in_channels=C, num_frames=t, num_levels=len(SIZES))


@pytest.mark.parametrize('cls', NECKS)
@pytest.mark.parametrize('t', [1, 3, 5])
def test_shapes_every_level(cls, t):
    outs = _neck(cls, t)(_inputs(t))
    assert [tuple(o.shape) for o in outs] == [(2, C, h, w) for h, w in SIZES]


@pytest.mark.parametrize('cls', NECKS)
def test_gradients_reach_every_parameter(cls):
    neck = _neck(cls, 3)
    inputs = _inputs(3, requires_grad=True)
    sum(o.square().sum() for o in neck(inputs)).backward()
    for name, p in neck.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    for x in inputs:  # every frame of every level gets a gradient
        assert (x.grad.abs().sum(dim=(0, 2, 3, 4)) > 0).all()


@pytest.mark.parametrize('cls', NECKS)
def test_output_depends_on_past_and_future(cls):
    neck = _neck(cls, 5).eval()
    base = neck(_inputs(5))
    for frame in (0, 4):  # first past and last future frame
        changed = [x.clone() for x in _inputs(5)]
        for x in changed:
            x[:, frame] += 1.0
        outs = neck(changed)
        for o, ref in zip(outs, base):
            assert (o - ref).abs().max() > 1e-4


@pytest.mark.parametrize('cls', NECKS)
def test_wrong_shapes_raise(cls):
    neck = _neck(cls, 3)
    with pytest.raises(ValueError, match=r'T=3.*got \(2, 5, 4, 8, 10\)'):
        neck(_inputs(5))
    with pytest.raises(ValueError, match='C=4'):
        neck(tuple(torch.zeros(1, 3, 5, h, w) for h, w in SIZES))
    with pytest.raises(ValueError, match='3 FPN levels, got tuple of len'):
        neck(_inputs(3)[:2])
    with pytest.raises(ValueError, match='same batch size'):
        neck(_inputs(3)[:2] + (torch.zeros(3, 3, C, 2, 3), ))
    with pytest.raises(ValueError, match='odd'):
        cls(in_channels=C, num_frames=4, num_levels=3)


def _plain_gru(x, w_x, b_x, w_zr, w_n, hidden):
    """Textbook ConvGRU over all T frames with [x, h] convolutions."""
    w_full_zr = torch.cat([w_x[:2 * hidden], w_zr], dim=1)
    w_full_n_x = w_x[2 * hidden:]
    h = x.new_zeros(x.shape[0], hidden, *x.shape[-2:])
    states = []
    for t in range(x.shape[1]):
        zr = F.conv2d(torch.cat([x[:, t], h], 1), w_full_zr,
                      b_x[:2 * hidden], padding=1)
        z, r = torch.sigmoid(zr).chunk(2, 1)
        n = torch.tanh(
            F.conv2d(x[:, t], w_full_n_x, b_x[2 * hidden:], padding=1) +
            F.conv2d(r * h, w_n, padding=1))
        h = (1 - z) * n + z * h
        states.append(h)
    return states


def _plain_lstm(x, w_x, b_x, w_h, hidden):
    h = x.new_zeros(x.shape[0], hidden, *x.shape[-2:])
    c = torch.zeros_like(h)
    states = []
    for t in range(x.shape[1]):
        gates = F.conv2d(torch.cat([x[:, t], h], 1),
                         torch.cat([w_x, w_h], 1), b_x, padding=1)
        i, f, o, g = gates.chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        states.append(h)
    return states


@pytest.mark.parametrize('cls', [BiConvGRU, BiConvLSTM])
def test_recurrent_matches_plain_full_bidirectional(cls):
    """Oracle: full forward and backward passes over all T frames."""
    neck = _neck(cls, 5).eval()
    inputs = _inputs(5)
    outs = neck(inputs)
    g = neck.gates
    for level, x in enumerate(inputs):
        conv = neck.input_convs[level]
        w_f, w_b = conv.weight.chunk(2, 0)
        b_f, b_b = conv.bias.chunk(2, 0)
        fwd_cell = neck.forward_cells[level]
        bwd_cell = neck.backward_cells[level]
        if cls is BiConvGRU:
            fwd = _plain_gru(x, w_f, b_f, fwd_cell.conv_zr.weight,
                             fwd_cell.conv_n.weight, C)
            bwd = _plain_gru(x.flip(1), w_b, b_b, bwd_cell.conv_zr.weight,
                             bwd_cell.conv_n.weight, C)[::-1]
        else:
            fwd = _plain_lstm(x, w_f, b_f, fwd_cell.conv_h.weight, C)
            bwd = _plain_lstm(x.flip(1), w_b, b_b, bwd_cell.conv_h.weight,
                              C)[::-1]
        assert w_f.shape[0] == g * C
        proj = neck.projections[level]
        ref = proj(torch.cat([fwd[2], bwd[2]], 1))
        torch.testing.assert_close(outs[level], ref, rtol=1e-5, atol=1e-6)


def test_temporal_convolution_matches_conv3d():
    neck = _neck(TemporalConvolution, 5).eval()
    inputs = _inputs(5)
    for level, (x, out) in enumerate(zip(inputs, neck(inputs))):
        ref = neck.convs[level](x.permute(0, 2, 1, 3, 4)).squeeze(2)
        torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-6)
    res = TemporalConvolution(C, 5, 3, residual=True)
    res.load_state_dict(neck.state_dict())
    for x, a, b in zip(inputs, res(inputs), neck(inputs)):
        torch.testing.assert_close(a - b, x[:, 2])


def test_temporal_attention_matches_loop():
    neck = _neck(TemporalAttention, 3).eval()
    inputs = _inputs(3, b=1)
    outs = neck(inputs)
    x, out = inputs[1], outs[1]
    e = neck.embed_channels
    q = neck.query_convs[1](x[:, 1])[0]
    kv = [neck.key_value_convs[1](x[:, t])[0] for t in range(3)]
    ref = torch.empty(e, *x.shape[-2:])
    for i in range(x.shape[-2]):
        for j in range(x.shape[-1]):
            logits = torch.stack(
                [q[:, i, j] @ kv[t][:e, i, j] for t in range(3)]) / e**0.5
            a = logits.softmax(0)
            ref[:, i, j] = sum(a[t] * kv[t][e:, i, j] for t in range(3))
    expected = x[0, 1] + neck.out_convs[1](ref[None])[0]
    torch.testing.assert_close(out[0], expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('cls', [BiConvGRU, BiConvLSTM])
def test_recurrent_residual_adds_the_key_frame(cls):
    """residual=True: the same weights give the plain output plus the key
    frame's input; the cached (precompute + fuse) path agrees."""
    plain = _neck(cls, 5).eval()
    torch.manual_seed(0)
    res = cls(in_channels=C, num_frames=5, num_levels=len(SIZES),
              residual=True).eval()
    res.load_state_dict(plain.state_dict(), strict=True)
    inputs = _inputs(5)
    for level, (a, b) in enumerate(zip(plain(inputs), res(inputs))):
        torch.testing.assert_close(b, a + inputs[level][:, 2])
        x = inputs[level]
        cache = res.precompute(level, x.flatten(0, 1)).unflatten(0, (2, 5))
        assert cache.shape[2] == C + 2 * res.gates * C
        torch.testing.assert_close(res.fuse(level, cache), b)
    with torch.no_grad():
        for p in res.projections.parameters():
            p.zero_()
    for level, out in enumerate(res(inputs)):
        torch.testing.assert_close(out, inputs[level][:, 2])


def test_diagnostics_find_the_order_invariant_neck():
    from mmdsa.models.necks.diagnostics import (is_order_invariant,
                                                temporal_neck_diagnostics)
    necks = {n: temporal_neck_diagnostics(dict(type=n), repeats=1)
             for n in ('TemporalConvolution', 'TemporalAttention',
                       'BiConvGRU', 'BiConvLSTM')}
    # attention over the window without temporal positions: reversing the
    # window leaves the key frame's output unchanged
    assert is_order_invariant(necks['TemporalAttention'])
    for name in ('TemporalConvolution', 'BiConvGRU', 'BiConvLSTM'):
        assert not is_order_invariant(necks[name]), name
        assert necks[name]['order_sensitivity'] > 0.1, name
    for d in necks.values():
        assert d['output_scale'] > 0
    with pytest.raises(ValueError, match='odd window'):
        temporal_neck_diagnostics(dict(type='BiConvGRU'), num_frames=4)


@pytest.mark.parametrize('cls', [BiConvGRU, BiConvLSTM])
def test_recurrent_norm_normalises_the_projection(cls):
    """norm_cfg: the plain neck's projection followed by the norm layer
    (same other weights); the cached path agrees; unit scale at init."""
    plain = _neck(cls, 5).eval()
    torch.manual_seed(0)
    normed = cls(in_channels=C, num_frames=5, num_levels=len(SIZES),
                 norm_cfg=dict(type='GN', num_groups=2)).eval()
    state = dict(plain.state_dict())
    state.update({k: v for k, v in normed.state_dict().items()
                  if k.startswith('norms.')})
    normed.load_state_dict(state, strict=True)
    inputs = _inputs(5)
    for level, (a, b) in enumerate(zip(plain(inputs), normed(inputs))):
        torch.testing.assert_close(b, normed.norms[level](a))
        x = inputs[level]
        cache = normed.precompute(level, x.flatten(0, 1)).unflatten(0, (2, 5))
        torch.testing.assert_close(normed.fuse(level, cache), b)
        assert abs(b.std().item() - 1.0) < 0.1
    # the plain form has no norm parameters (its checkpoints load strictly)
    assert not any(k.startswith('norms.') for k in plain.state_dict())
