"""Benchmark cached vs naive series inference and multi-frame training memory.

For a series of ``--series-length`` frames and windows of ``--num-frames``
(T) frames, for each temporal neck:

- component times (fastest of ``--repeat`` calls): backbone + FPN per
  frame (B), the neck's per-frame part per frame (P, e.g. the input half of the
  recurrent gates), the neck's fusion per window (F), the detection head per
  key frame (H, predict incl. post-processing);
- the ideal speed-up of caching, ``(T*(B+P) + F + H) / (B + P + F + H)``,
  and the same with the naive path's features timed as it computes them
  (``(E + H) / (B + P + F + H)``, E: backbone + FPN of a window's T frames
  in one call plus the whole neck, per key frame), since T frames per call
  cost less than T single-frame calls; both are printed beside the
  measured per-key-frame times they predict;
- the measured speed-up: naive (full model on every window) over cached
  (``predict_series``) wall time for the whole series, and its ratio to the
  ideal (target >= 0.9);
- for the recurrent necks, the neck's cost per window before (a plain
  bidirectional ConvGRU/ConvLSTM over all T frames, ``conv([x, h])`` at every
  step, same weights) and after (``P + F`` per window in series inference).

Then the peak training memory (one loss + backward, batch 1) for T = 1, 3,
5, 9 without and with ``memory_saving='context_no_grad'`` (context frames'
backbone + FPN without gradients). On CUDA: ``torch.cuda.max_memory_allocated``
during the step. On CPU (no allocator statistics): parameters + gradients +
the tensors autograd saves for the backward pass (unique storages, via
``torch.autograd.graph.saved_tensors_hooks``), i.e. the memory a step holds
at the end of its forward pass.

``--precisions fp32 bf16`` runs every neck at each precision in the same
process (bf16: backbone, FPN and neck under bf16 autocast with
channels_last weights and frames, head, box decoding and NMS in fp32, as ``mmdsa.apis.inference_series`` runs it). The naive and cached
series runs alternate ``--series-repeat`` times; the fastest and the
median are printed, and the load average before and after (on a shared
machine only figures of one run are comparable).

The last line is ``speedup: X.XX`` (measured, temporal-convolution neck,
first precision).

Example::

    python tools/analysis_tools/benchmark_series_inference.py --threads 2
    python tools/analysis_tools/benchmark_series_inference.py \\
        --config configs/_base_/models/retinanet_r18-tiny_fpn_perforation.py \\
        --image-size 128 --memory-frames 1 3 5 9
"""
import argparse
import copy
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmdsa.models  # noqa: F401
from mmdsa.models.detectors import predict_series_naive
from mmdsa.registry import MODELS
from mmdsa.utils.precision import (feature_autocast, to_channels_last,
                                   uses_channels_last)

NECKS = ('TemporalConvolution', 'TemporalAttention', 'BiConvGRU',
         'BiConvLSTM')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--config',
        default='configs/_base_/models/retinanet_r50_fpn_perforation.py',
        help='a config whose `model` is a SpatioTemporalDetector')
    parser.add_argument('--image-size', type=int, default=256)
    parser.add_argument('--series-length', type=int, default=30)
    parser.add_argument('--num-frames', type=int, default=5)
    parser.add_argument('--batch-size', type=int, default=1,
                        help='key frames per forward')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeat', type=int, default=3,
                        help='timed calls per component (fastest kept)')
    parser.add_argument('--series-repeat', type=int, default=1,
                        help='naive / cached series runs (fastest kept)')
    parser.add_argument('--necks', nargs='+', default=list(NECKS),
                        choices=NECKS)
    parser.add_argument('--precisions', nargs='+', default=['fp32'],
                        choices=['fp32', 'bf16'],
                        help='inference precisions, each neck at each')
    parser.add_argument('--memory-frames', type=int, nargs='*',
                        default=[1, 3, 5, 9],
                        help='T values for the memory table (none: skip)')
    parser.add_argument('--device', default='cuda'
                        if torch.cuda.is_available() else 'cpu')
    return parser.parse_args(argv)


def build(cfg, neck, t, device, memory_saving=None):
    cfg = copy.deepcopy(cfg)
    cfg.detector.backbone.pop('init_cfg', None)  # no downloads
    cfg.num_frames = t
    cfg.memory_saving = memory_saving
    channels = cfg.detector.neck.out_channels
    levels = cfg.detector.neck.num_outs
    cfg.temporal_neck = None if neck is None else dict(
        type=neck, in_channels=channels, num_levels=levels)
    torch.manual_seed(0)
    return MODELS.build(cfg).to(device)


def timed(fn, repeat, device, warmup=True):
    """Fastest wall time (s) of ``fn()`` over ``repeat`` calls, after one
    warm-up call (the minimum is the least disturbed by other processes)."""
    if warmup:
        fn()
    times = []
    for _ in range(repeat):
        if device.startswith('cuda'):
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device.startswith('cuda'):
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return min(times)


def plain_recurrent_window(neck, level, x):
    """Plain bidirectional recurrence over all T frames, conv([x, h]).

    Args:
        neck: a BiConvGRU / BiConvLSTM (its weights are used).
        level (int): FPN level.
        x (Tensor): (B, T, C, H, W).

    Returns:
        Tensor: (B, C, H, W) key-frame output (equals ``neck`` 's).
    """
    w_x, b_x = neck.input_convs[level].weight, neck.input_convs[level].bias
    hid, gates, k = neck.hidden_channels, neck.gates, neck.key_frame_index
    pad = w_x.shape[-1] // 2
    outs = []
    for d, cell in enumerate(
        (neck.forward_cells[level], neck.backward_cells[level])):
        wx = w_x[d * gates * hid:(d + 1) * gates * hid]
        bx = b_x[d * gates * hid:(d + 1) * gates * hid]
        seq = x if d == 0 else x.flip(1)
        h = seq.new_zeros(seq.shape[0], hid, *seq.shape[-2:])
        c = torch.zeros_like(h)
        states = []
        for t in range(seq.shape[1]):
            if gates == 4:
                w = torch.cat([wx, cell.conv_h.weight], 1)
                i, f, o, g = F.conv2d(
                    torch.cat([seq[:, t], h], 1), w, bx,
                    padding=pad).chunk(4, 1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
            else:
                w = torch.cat([wx[:2 * hid], cell.conv_zr.weight], 1)
                z, r = torch.sigmoid(
                    F.conv2d(torch.cat([seq[:, t], h], 1), w, bx[:2 * hid],
                             padding=pad)).chunk(2, 1)
                n = torch.tanh(
                    F.conv2d(seq[:, t], wx[2 * hid:], bx[2 * hid:],
                             padding=pad) +
                    F.conv2d(r * h, cell.conv_n.weight, padding=pad))
                h = (1 - z) * n + z * h
            states.append(h)
        outs.append(states[k] if d == 0 else states[seq.shape[1] - 1 - k])
    return neck.projections[level](torch.cat(outs, 1))


@torch.no_grad()
def bench_neck(cfg, neck_type, args, precision='fp32'):
    t, n, dev = args.num_frames, args.series_length, args.device
    model = build(cfg, neck_type, t, dev).eval()
    if uses_channels_last(precision, dev):
        to_channels_last(model)
    neck = model.temporal_neck
    size = args.image_size
    frames = torch.randint(0, 256, (n, 3, size, size), dtype=torch.uint8)
    frames = frames.to(dev)
    per = args.batch_size
    amp = lambda: feature_autocast(precision, dev)  # noqa: E731
    fmt = torch.channels_last if uses_channels_last(precision, dev) else \
        torch.contiguous_format
    # a real window (the series' first T frames), repeated per key frame
    win = model.data_preprocessor({'inputs': [frames[:t]],
                                   'data_samples': None})['inputs'][0]
    win = win.contiguous(memory_format=fmt)
    one = win[t // 2:t // 2 + 1].expand(per, -1, -1, -1).contiguous(
        memory_format=fmt)
    with amp():
        feats = model.extract_frame_feat(one)
        feats_win = model.extract_frame_feat(win)
        windows = [
            neck.precompute(i, f).unsqueeze(0).expand(per, -1, -1, -1,
                                                      -1).contiguous()
            for i, f in enumerate(feats_win)
        ]
        fused = [neck.fuse(i, w) for i, w in enumerate(windows)]
    samples = predict_series_naive(model, frames[:per], precision=precision)

    def under_amp(fn):
        def run():
            with amp():
                return fn()
        return run

    b = timed(under_amp(lambda: model.extract_frame_feat(one)), args.repeat,
              dev) / per
    p = timed(under_amp(
        lambda: [neck.precompute(i, f) for i, f in enumerate(feats)]),
        args.repeat, dev) / per
    f = timed(under_amp(
        lambda: [neck.fuse(i, w) for i, w in enumerate(windows)]),
        args.repeat, dev) / per
    h = timed(lambda: model.predict_from_feats(fused, one, samples,
                                               precision=precision),
              args.repeat, dev) / per
    ideal = (t * (b + p) + f + h) / (b + p + f + h)
    # the naive path's features as it computes them: backbone + FPN on the
    # T * batch frames of its windows in one call, then the whole neck
    # (batching T frames per call costs less per frame than B)
    win5 = win.unsqueeze(0).expand(per, -1, -1, -1, -1).contiguous()
    e = timed(under_amp(lambda: model.extract_feat(win5)), args.repeat,
              dev) / per
    ideal_batched = (e + h) / (b + p + f + h)
    naive, cached = [], []
    for _ in range(args.series_repeat):  # alternate
        naive.append(timed(
            lambda: predict_series_naive(model, frames, batch_size=per,
                                         precision=precision), 1,
            dev, False))
        cached.append(timed(
            lambda: model.predict_series(frames, batch_size=per,
                                         precision=precision), 1, dev,
            False))
    ratios = [a / c for a, c in zip(naive, cached)]
    median = statistics.median(ratios)
    naive, cached = min(naive), min(cached)
    measured = naive / cached
    row = dict(neck=neck_type, B=b, P=p, F=f, H=h, E=e, ideal=ideal,
               ideal_batched=ideal_batched, naive=naive, cached=cached,
               measured=measured, median=median,
               naive_per_key=naive / n, cached_per_key=cached / n)
    if hasattr(neck, 'gates') and precision == 'fp32':
        raw = [f.unsqueeze(0).expand(per, -1, -1, -1, -1).contiguous()
               for f in feats_win]
        row['plain'] = timed(
            lambda: [plain_recurrent_window(neck, i, x)
                     for i, x in enumerate(raw)], args.repeat, dev) / per
        out = plain_recurrent_window(neck, 0, raw[0].float())
        row['plain_max_diff'] = (
            out - neck.fuse(0, windows[0]).float()).abs().max()
    return row


def training_memory(cfg, t, memory_saving, args):
    """Peak memory (bytes) of one training step, see the module doc."""
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    dev = args.device
    neck = None if t == 1 else 'BiConvGRU'
    model = build(cfg, neck, t, dev, memory_saving).train()
    size = args.image_size
    sample = DetDataSample(metainfo=dict(
        img_shape=(size, size), ori_shape=(size, size),
        scale_factor=(1., 1.)))
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor([[size * .3, size * .3, size * .6, size * .7]]),
        labels=torch.tensor([0]))
    data = model.data_preprocessor(
        {'inputs': [torch.randint(0, 256, (t, 3, size, size),
                                  dtype=torch.uint8)],
         'data_samples': [sample]}, True)
    params = sum(p.numel() * p.element_size() for p in model.parameters())
    if dev.startswith('cuda'):
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        losses = model.loss(data['inputs'], data['data_samples'])
        sum(v.sum() if torch.is_tensor(v) else sum(v)
            for v in losses.values()).backward()
        return torch.cuda.max_memory_allocated() - base + params
    storages = {}

    def pack(x):
        storage = x.untyped_storage()
        storages[storage.data_ptr()] = storage.nbytes()
        return x

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda x: x):
        losses = model.loss(data['inputs'], data['data_samples'])
    sum(v.sum() if torch.is_tensor(v) else sum(v)
        for v in losses.values()).backward()
    return sum(storages.values()) + 2 * params  # + gradients


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    init_default_scope('mmdsa')
    cfg = Config.fromfile(args.config).model
    print(f'config {args.config}, {args.image_size} px, series of '
          f'{args.series_length} frames, T = {args.num_frames}, batch '
          f'{args.batch_size}, {args.threads} threads, {args.device}, '
          f'load average {os.getloadavg()[0]:.2f}')
    rows = {}
    for neck, precision in [(n, p) for n in args.necks
                            for p in args.precisions]:
        row = bench_neck(cfg, neck, args, precision)
        rows.setdefault(neck, row)
        print(f'{neck} {precision}')
        print(f"{'':20s} backbone+FPN {row['B'] * 1e3:7.1f} ms/frame | "
              f"neck per-frame {row['P'] * 1e3:6.1f} ms | neck fuse "
              f"{row['F'] * 1e3:6.1f} ms/window | head "
              f"{row['H'] * 1e3:6.1f} ms/key frame")
        print(f"{'':20s} ideal {row['ideal']:.2f}x | naive "
              f"{row['naive']:.2f} s, cached {row['cached']:.2f} s -> "
              f"measured {row['measured']:.2f}x = "
              f"{row['measured'] / row['ideal']:.2f} x ideal (median of "
              f"{args.series_repeat}: {row['median'] / row['ideal']:.2f})")
        t = args.num_frames
        print(f"{'':20s} naive per key frame: measured "
              f"{row['naive_per_key'] * 1e3:.1f} ms | T*(B+P)+F+H "
              f"{(t * (row['B'] + row['P']) + row['F'] + row['H']) * 1e3:.1f}"
              f" ms | batched window features + head "
              f"{(row['E'] + row['H']) * 1e3:.1f} ms; cached per key frame "
              f"{row['cached_per_key'] * 1e3:.1f} ms | B+P+F+H "
              f"{(row['B'] + row['P'] + row['F'] + row['H']) * 1e3:.1f} ms")
        print(f"{'':20s} ideal with the naive's features timed as it "
              f"computes them (T frames per call) "
              f"{row['ideal_batched']:.2f}x -> measured = "
              f"{row['measured'] / row['ideal_batched']:.2f} x that ideal "
              f"(median {row['median'] / row['ideal_batched']:.2f})")
        if 'plain' in row:
            before = row['plain'] * 1e3
            after = (row['P'] + row['F']) * 1e3
            print(f"{'':20s} neck per window: plain bidirectional "
                  f'{before:.1f} ms -> cached input gates '
                  f'{after:.1f} ms ({before / after:.1f}x; outputs agree '
                  f"to {float(row['plain_max_diff']):.1e})")
    if args.memory_frames:
        unit = 'CUDA peak' if args.device.startswith('cuda') else \
            'params + grads + saved activations'
        print(f'peak training memory, BiConvGRU neck, batch 1 ({unit}):')
        for t in args.memory_frames:
            plain = training_memory(cfg, t, None, args)
            saving = training_memory(cfg, t, 'context_no_grad', args)
            print(f'  T = {t}: {plain / 2**20:8.1f} MiB | context_no_grad '
                  f'{saving / 2**20:8.1f} MiB')
    print(f'load average at the end {os.getloadavg()[0]:.2f}')
    if 'TemporalConvolution' in rows:
        print(f"speedup: {rows['TemporalConvolution']['measured']:.2f}")


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
