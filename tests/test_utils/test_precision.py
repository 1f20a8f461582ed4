"""Inference precision choice (mmdsa.utils.precision)."""
import pytest
import torch

from mmdsa.utils import precision as P


def test_auto_follows_the_cpu_capability(monkeypatch):
    monkeypatch.setattr(P, 'cpu_supports_bf16', lambda: True)
    assert P.resolve_precision('auto', 'cpu') == 'bf16'
    assert P.resolve_precision(None, torch.device('cpu')) == 'bf16'
    monkeypatch.setattr(P, 'cpu_supports_bf16', lambda: False)
    assert P.resolve_precision('auto', 'cpu') == 'fp32'
    assert P.resolve_precision(None, 'cpu') == 'fp32'


def test_fp32_is_fp32_everywhere(monkeypatch):
    monkeypatch.setattr(P, 'cpu_supports_bf16', lambda: True)
    assert P.resolve_precision('fp32', 'cpu') == 'fp32'
    assert P.resolve_precision('fp32', 'cuda:0') == 'fp32'


def test_cuda_auto_is_the_amp_dtype():
    # no CUDA device needed: only the device type is read
    assert P.resolve_precision('auto', 'cuda:0') == 'fp16'
    assert P.resolve_precision('bf16', 'cuda') == 'bf16'


def test_forced_bf16_without_native_support_warns(monkeypatch):
    monkeypatch.setattr(P, 'cpu_supports_bf16', lambda: False)
    with pytest.warns(UserWarning, match='no native bf16'):
        assert P.resolve_precision('bf16', 'cpu') == 'bf16'


def test_bad_precisions_are_refused():
    with pytest.raises(ValueError, match="expected one of .*got 'fp8'"):
        P.resolve_precision('fp8', 'cpu')
    with pytest.raises(ValueError, match="'fp16' needs a CUDA device"):
        P.resolve_precision('fp16', 'cpu')
    with pytest.raises(ValueError, match='got .int8'):
        P.feature_autocast('int8', 'cpu')


def test_capability_check_reads_cpuinfo(monkeypatch):
    monkeypatch.setattr(torch.ops.mkldnn, '_is_mkldnn_bf16_supported',
                        lambda: True)
    monkeypatch.setattr(torch.cpu, '_is_avx512_bf16_supported',
                        lambda: False)
    monkeypatch.setattr(torch.cpu, '_is_amx_tile_supported', lambda: False)
    assert not P.cpu_supports_bf16()  # AVX512 alone only emulates bf16
    monkeypatch.setattr(torch.cpu, '_is_amx_tile_supported', lambda: True)
    assert P.cpu_supports_bf16()
    monkeypatch.setattr(torch.ops.mkldnn, '_is_mkldnn_bf16_supported',
                        lambda: False)
    assert not P.cpu_supports_bf16()


def test_feature_autocast_enables_only_below_fp32():
    with P.feature_autocast('fp32', 'cpu'):
        assert not torch.is_autocast_enabled('cpu')
        assert (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.float32
    with P.feature_autocast('bf16', 'cpu'):
        assert torch.is_autocast_enabled('cpu')
        assert (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.bfloat16


def test_to_float_and_channels_last():
    outs = ([torch.ones(1, 2, dtype=torch.bfloat16)],
            [torch.ones(1, 2, dtype=torch.bfloat16), None],
            torch.ones(2, dtype=torch.long))
    cast = P.to_float(outs)
    assert cast[0][0].dtype == cast[1][0].dtype == torch.float32
    assert cast[1][1] is None and cast[2].dtype == torch.long
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3),
                                torch.nn.Conv3d(4, 4, (3, 1, 1)))
    before = [p.clone() for p in model.parameters()]
    P.to_channels_last(model)
    assert model[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert model[1].weight.dim() == 5  # other ranks left as they are
    for a, b in zip(before, model.parameters()):
        assert torch.equal(a, b)
    assert P.uses_channels_last('bf16', 'cpu')
    assert not P.uses_channels_last('fp32', 'cpu')
    assert not P.uses_channels_last('bf16', 'cuda:0')
