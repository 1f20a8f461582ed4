"""Benchmark batched vs one-series-at-a-time inference of CNNRNNRecognizer.

    python tools/analysis_tools/benchmark_recognizer_batching.py \
        [--config CONFIG] [--img-size 128] [--num-series 8] \
        [--min-groups 5] [--max-groups 13] [--repeats 3] [--device cpu] \
        [--amp] [--train] [--out result.json]

Series of random lengths (``--min-groups`` .. ``--max-groups`` frame groups of
``--img-size`` px) are classified (a) one at a time (the published batch-size-1
loop) and (b) as one padded batch through ``DSAClassificationDataPreprocessor``
+ ``CNNRNNRecognizer``. Prints sequences per second for both, the speed-up, and
the share of the batched forward spent in the backbone, the recurrent encoder
and the head (timed with module hooks in a separate pass). Without ``--config``
the model is ResNet18 (timm, random weights) + BiGRU 3 x 512, grid 7 x 7.
``--train`` times forward + backward of the loss instead of inference.
"""
import argparse
import sys
import time

import torch

from mmdsa.utils.fileio import write_json_atomic


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--config', help='recognizer config (pretrained is off)')
    p.add_argument('--img-size', type=int, default=128)
    p.add_argument('--num-series', type=int, default=8)
    p.add_argument('--min-groups', type=int, default=5)
    p.add_argument('--max-groups', type=int, default=13)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--device', default='cpu')
    p.add_argument('--amp', action='store_true', help='autocast (CUDA)')
    p.add_argument('--train', action='store_true',
                   help='time forward + backward of the loss')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', help='write the figures to this JSON file')
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(p)
    args = p.parse_args(argv)
    if not 1 <= args.min_groups <= args.max_groups:
        p.error('expected 1 <= --min-groups <= --max-groups, got '
                f'{args.min_groups}, {args.max_groups}')
    if args.num_series < 1 or args.repeats < 1 or args.img_size < 16:
        p.error('expected --num-series >= 1, --repeats >= 1, --img-size >= '
                f'16, got {args.num_series}, {args.repeats}, {args.img_size}')
    return args


DEFAULT_MODEL = dict(
    type='CNNRNNRecognizer',
    data_preprocessor=dict(type='DSAClassificationDataPreprocessor',
                           per_series_norm=True),
    backbone=dict(type='mmpretrain.TIMMBackbone', model_name='resnet18',
                  pretrained=False),
    grid_size=7,
    encoder=dict(type='RecurrentSequenceEncoder', rnn_type='gru',
                 hidden_size=512, num_layers=3, dropout=0.5),
    head=dict(type='BinarySequenceClsHead', readout='last'))


def _no_pretrained(cfg):
    """Turn off pretrained weights anywhere in a model config (in place)."""
    if isinstance(cfg, dict):
        if 'pretrained' in cfg:
            cfg['pretrained'] = False
        if cfg.get('init_cfg') is not None:
            cfg['init_cfg'] = None
        for value in cfg.values():
            _no_pretrained(value)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            _no_pretrained(value)
    return cfg


def build_model(config, device):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmdsa.registry import MODELS
    init_default_scope('mmdsa')
    if config:
        model_cfg = Config.fromfile(config).model.to_dict()
    else:
        model_cfg = dict(DEFAULT_MODEL)
    model = MODELS.build(_no_pretrained(model_cfg))
    return model.to(device)


def _sync(device):
    if torch.device(device).type == 'cuda':
        torch.cuda.synchronize()


def _run(model, series, samples, args):
    data = model.data_preprocessor(
        dict(inputs=series, data_samples=samples), args.train)
    with torch.autocast(torch.device(args.device).type,
                        enabled=args.amp):
        if args.train:
            loss = model(**data, mode='loss')['loss_cls']
        else:
            return model(**data)
    loss.backward()
    return loss


def time_runs(model, series, samples, args, batched):
    """Best-of-``repeats`` seconds to classify all series."""
    best = float('inf')
    for _ in range(args.repeats):
        _sync(args.device)
        start = time.perf_counter()
        with torch.set_grad_enabled(args.train):
            if batched:
                _run(model, series, samples, args)
            else:
                for x, s in zip(series, samples):
                    _run(model, [x], [s], args)
        _sync(args.device)
        best = min(best, time.perf_counter() - start)
    return best


def stage_shares(model, series, samples, args):
    """Seconds spent in backbone / rnn / head during one batched pass."""
    spent = dict(backbone=0.0, rnn=0.0, head=0.0)
    starts = {}
    handles = []
    for name, module in (('backbone', model.backbone),
                         ('rnn', model.encoder), ('head', model.head)):

        def pre(mod, inputs, name=name):
            _sync(args.device)
            starts[name] = time.perf_counter()

        def post(mod, inputs, output, name=name):
            _sync(args.device)
            spent[name] += time.perf_counter() - starts[name]

        handles += [module.register_forward_pre_hook(pre),
                    module.register_forward_hook(post)]
    _sync(args.device)
    start = time.perf_counter()
    with torch.set_grad_enabled(args.train):
        _run(model, series, samples, args)
    _sync(args.device)
    total = time.perf_counter() - start
    for h in handles:
        h.remove()
    spent['other'] = max(total - sum(spent.values()), 0.0)
    return {k: v / total for k, v in spent.items()}, total


def main(argv=None):
    args = parse_args(argv)
    import mmdsa  # noqa: F401
    from mmpretrain.structures import DataSample
    if args.amp and torch.device(args.device).type != 'cuda':
        raise SystemExit('--amp needs a CUDA device')
    torch.manual_seed(args.seed)
    model = build_model(args.config, args.device)
    model.train(args.train)
    gen = torch.Generator().manual_seed(args.seed)
    lengths = torch.randint(args.min_groups, args.max_groups + 1,
                            (args.num_series, ), generator=gen).tolist()
    series = [
        torch.randint(0, 256, (g, 3, args.img_size, args.img_size),
                      generator=gen, dtype=torch.uint8).to(args.device)
        for g in lengths
    ]
    samples = [DataSample().set_gt_label(i % 2) for i in range(len(lengths))]
    # warm-up (allocator, cuDNN / oneDNN algorithm choice)
    time_runs(model, series[:2], samples[:2], argparse.Namespace(
        **dict(vars(args), repeats=1)), batched=True)
    loop_s = time_runs(model, series, samples, args, batched=False)
    batch_s = time_runs(model, series, samples, args, batched=True)
    shares, _ = stage_shares(model, series, samples, args)
    result = dict(
        device=str(torch.cuda.get_device_name(args.device)
                   if torch.device(args.device).type == 'cuda' else 'cpu'),
        threads=torch.get_num_threads(),
        config=args.config or 'default ResNet18 + BiGRU 3x512, grid 7',
        mode='train' if args.train else 'inference', amp=args.amp,
        img_size=args.img_size, groups=lengths,
        batch1_loop_seq_per_s=len(series) / loop_s,
        batched_seq_per_s=len(series) / batch_s,
        speedup=loop_s / batch_s,
        share=shares)
    print(f"device {result['device']} ({result['threads']} threads), "
          f"{result['mode']}, amp={args.amp}, {args.img_size} px, "
          f'series of {lengths} groups')
    print(f"batch-1 loop : {result['batch1_loop_seq_per_s']:8.2f} seq/s")
    print(f"batch {len(series):<7d}: {result['batched_seq_per_s']:8.2f} "
          f"seq/s  (x{result['speedup']:.2f})")
    print('time share of the batched pass: ' + ', '.join(
        f'{k} {100 * v:.1f} %' for k, v in shares.items()))
    if args.out:
        write_json_atomic(args.out, result, indent=2)
    return result


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
