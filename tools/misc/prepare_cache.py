"""Write the preprocessed cache of a config's series (optional speed-up).

Each series of the config's data sets is written once as memory-mappable
uint8 frames, exactly as the pipeline's loader (``LoadDSAWindow`` /
``LoadDSASeries``) outputs them: intensity-mapped, at the loader's size
(its ``resize``, else the file's size). Entries are keyed by the path, size
and modification time of the series' files and by the loader's settings:
a changed file or setting is written anew, and the loader never reads a
stale entry. Entries already present are kept.

Use the cache by setting ``prepared_cache`` on the loader, e.g.::

    python tools/misc/prepare_cache.py CONFIG --out data/cache
    python tools/train.py CONFIG --cfg-options \\
        train_dataloader.dataset.pipeline.0.prepared_cache=data/cache

A series missing from the cache is decoded as usual (with one warning).
The cache holds only files this tool wrote; delete the folder to drop it.
"""
import argparse
import os.path as osp
import sys
import time

SPLITS = ('train', 'val', 'test')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--out', required=True, help='cache folder')
    parser.add_argument('--splits', nargs='+', default=list(SPLITS),
                        choices=SPLITS, help='data loaders to prepare')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='key=value config overrides')
    # a study / work folder of its own: reruns replace (resume) its
    # own earlier results there
    from mmdsa.utils.fileio import allow_overwrite
    allow_overwrite()
    return parser.parse_args(argv)


def _base_dataset(dataset):
    """The innermost dataset of wrappers such as RepeatDataset."""
    while hasattr(dataset, 'dataset'):
        dataset = dataset.dataset
    return dataset


def _loader(dataset):
    """The series loading transform of ``dataset``'s pipeline."""
    from mmdsa.datasets.transforms.loading import _SeriesLoaderBase
    for transform in dataset.pipeline.transforms:
        if isinstance(transform, _SeriesLoaderBase):
            return transform
    raise ValueError(f'{type(dataset).__name__}: the pipeline has no '
                     'LoadDSAWindow / LoadDSASeries step to prepare for')


def _paths(dataset):
    """Unique series paths of a data set, in order."""
    seen = {}
    for i in range(len(dataset)):
        paths = dataset.get_data_info(i)['img_path']
        for path in paths if isinstance(paths, (list, tuple)) else [paths]:
            seen.setdefault(path, None)
    return list(seen)


def main(argv=None):
    args = parse_args(argv)
    from mmengine.config import Config, DictAction

    from mmdsa.fileio import DSAReadError
    from mmdsa.registry import DATASETS
    from mmdsa.utils import register_all_modules
    if not osp.isfile(args.config):
        print(f'error: config {args.config} not found', file=sys.stderr)
        return 2
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        action = DictAction(option_strings=[], dest='cfg_options')
        options = {}
        action(None, options, args.cfg_options)
        from mmdsa.utils.cli import apply_cfg_options
        apply_cfg_options(cfg, options['cfg_options'])
    register_all_modules()
    written = kept = 0
    start = time.perf_counter()
    done = set()
    for split in args.splits:
        loader_cfg = cfg.get(f'{split}_dataloader')
        if not loader_cfg:
            continue
        try:
            dataset = _base_dataset(DATASETS.build(loader_cfg['dataset']))
            loader = _loader(dataset)
            for path in _paths(dataset):
                settings = (path, repr(loader.output_settings()))
                if settings in done:
                    continue
                done.add(settings)
                _, new = loader.prepare(path, args.out)
                written += new
                kept += not new
        except (DSAReadError, ValueError, FileNotFoundError) as exc:
            print(f'error: {split}: {exc}', file=sys.stderr)
            return 2
        print(f'{split}: {len(dataset)} samples prepared')
    print(f'{args.out}: {written} series written, {kept} already up to date '
          f'({time.perf_counter() - start:.1f} s)')
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
