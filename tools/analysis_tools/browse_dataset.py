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
"""
import argparse
import os.path as osp
import sys

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
                        help='sample indices (default: the first '
                        '--num-samples)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(parser)
    return parser.parse_args(argv)


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
            list(range(min(args.num_samples, len(dataset))))
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
