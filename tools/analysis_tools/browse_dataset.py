"""Show what a config's pipeline feeds the model, one picture per sample
(in the spirit of mmdet's tools/analysis_tools/browse_dataset.py).

    python tools/analysis_tools/browse_dataset.py CONFIG
        [--output-dir DIR] [--phase train|val|test] [--num-samples 8]
        [--indices 0 5 9] [--cfg-options k=v ...]

Detection: the T-frame window after the shared augmentation, the key frame
framed, its boxes in green (ignored boxes dashed). Classification: the
3-frame groups (one row per group), label in the title. The pipeline does
not move annotated thrombus points with the augmentation, so they are not
drawn here (tools/infer.py --cine draws them on the original frames).
Pictures go to DIR/<index>_<series>[_f<frame>].png.

``--num-samples N`` picks samples across series: N series evenly spread
over the data set, the middle sample (key frame) of each; when N exceeds
the number of series, further samples of each series in turn.
"""
import argparse
import os.path as osp
import sys

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--output-dir', default='browse_dataset')
    parser.add_argument('--phase', default='train',
                        choices=['train', 'val', 'test'])
    parser.add_argument('--num-samples', type=int, default=8)
    parser.add_argument('--indices', type=int, nargs='+',
                        help='sample indices (default: --num-samples '
                        'spread across series)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(parser)
    return parser.parse_args(argv)


def spread_indices(series_ids, num):
    """``num`` sample indices spread across series.

    Args:
        series_ids (Sequence[str]): The series of each sample, in data set
            order.
        num (int): How many indices.

    Returns:
        list[int]: Round 0 takes the middle sample of ``min(num, S)`` series
        evenly spaced over the S series; later rounds take further samples
        of each series (spread over it) until ``num`` or the data set runs
        out.
    """
    groups = {}
    for index, sid in enumerate(series_ids):
        groups.setdefault(sid, []).append(index)
    members = list(groups.values())
    if num <= 0 or not members:
        return []
    picked = sorted(set(np.linspace(0, len(members) - 1,
                                    min(num, len(members))).round()
                        .astype(int)))
    members = [members[i] for i in picked] + \
        [m for i, m in enumerate(members) if i not in set(picked)]

    def order(items):  # middle first, then the rest spread out
        mid = (len(items) - 1) // 2
        rest = sorted(range(len(items)), key=lambda k: (abs(k - mid), k))
        return [items[k] for k in rest]

    # num < S: round 0 fills ``num`` from the picked series and returns
    queues = [order(m) for m in members]
    out = []
    for round_ in range(max(len(q) for q in queues)):
        for q in queues:
            if round_ < len(q):
                out.append(q[round_])
                if len(out) == num:
                    return out
    return out


def _title(sample, index):
    meta = sample.metainfo
    parts = [f'#{index}', str(meta.get('series_id', ''))]
    if 'frame_id' in meta:
        parts.append(f'key frame {meta["frame_id"]}')
    label = meta.get('series_label')
    if 'gt_label' in sample:
        label = int(sample.gt_label.reshape(-1)[0])
    if label is not None:
        parts.append(f'label {label}')
    if meta.get('view'):
        parts.append(str(meta['view']))
    if meta.get('flip'):
        parts.append(f'flipped {meta.get("flip_direction")}')
    return '  '.join(p for p in parts if p)


def main(argv=None):
    args = parse_args(argv)
    from mmdsa.registry import DATASETS
    from mmdsa.utils import register_all_modules
    from mmdsa.visualization.sample_figure import draw_packed_sample
    register_all_modules(init_default_scope=True)
    try:
        from mmdsa.utils.cli import load_config
        cfg = load_config(args.config, args.cfg_options)
        loader = cfg.get(f'{args.phase}_dataloader')
        if not loader:
            raise ValueError(f'{args.config}: field "{args.phase}_dataloader"'
                             ': expected a dataloader, got none')
        dataset = DATASETS.build(loader.dataset)
        indices = args.indices if args.indices is not None else \
            spread_indices([dataset.get_data_info(i).get('series_id', i)
                            for i in range(len(dataset))], args.num_samples)
        bad = [i for i in indices if not 0 <= i < len(dataset)]
        if bad:
            raise ValueError(f'--indices: expected values in [0, '
                             f'{len(dataset)}), got {bad}')
    except (ValueError, OSError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    from mmdsa.utils.paths import confined_path
    written = []
    for i in indices:
        data = dataset[i]
        inputs, samples = data['inputs'], data['data_samples']
        if not isinstance(inputs, (list, tuple)):  # pair mode: two views
            inputs, samples = [inputs], [samples]
        for x, sample in zip(inputs, samples):
            meta = sample.metainfo
            # ids come from the annotation file: confined to --output-dir
            name = f'{i:04d}_{meta.get("series_id", "sample")}'
            suffix = f'_f{int(meta["frame_id"])}' if 'frame_id' in meta \
                else ''
            written.append(draw_packed_sample(
                x, sample, confined_path(args.output_dir, name,
                                         f'{suffix}.png', 'series_id'),
                title=_title(sample, i)))
    print(f'wrote {len(written)} pictures to {args.output_dir}')
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
