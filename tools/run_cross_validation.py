"""Train and test every cross-validation fold of a classification config.

    python tools/run_cross_validation.py CONFIG --work-dir DIR \
        [--split-file data/dsa/thrombus_split.json] [--folds 5] \
        [--only-folds 0 2] [--amp] [--cfg-options k=v ...] [--dry-run]

Mittmann et al.: the chronologically first 20 % of the patients are the test
set, the rest is split into 5 folds (``tools/misc/make_splits.py --method
chronological_kfold``); one model per fold and view. For fold k this tool

1. trains with ``tools/train.py`` (``train`` / ``val`` datasets set to
   ``fold=k``; work dir ``DIR/fold_k``), keeping the best-MCC checkpoint
   (``save_best`` of the config; the last checkpoint if there is none);
2. tests that checkpoint with ``tools/test.py`` on the test split, writing
   the series predictions to ``DIR/predictions/fold_k_test.json`` (the
   prediction-file format of ``docs/contracts.md``).

Each step runs in its own process (a clean MMEngine state per fold). At the
end ``DIR/cv_summary.json`` lists every fold's checkpoint, prediction file,
test AUC and MCC (threshold 0.5) and the paper's figures: the fold ensemble
(mean probability of the fold models) per view and, when the test
predictions hold both views, per PA+LAT pair
(``tools/analysis_tools/fold_ensemble.py``, written to
``DIR/fold_ensemble/``; run that tool on the prediction files of a PA and
a LAT cross-validation to get the pairs of one-view configs). ``--dry-run``
prints the commands only.
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile

from mmengine.config import Config, DictAction

TOOLS = osp.dirname(osp.abspath(__file__))
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', help='classification config with split_file')
    p.add_argument('--work-dir', required=True, help='output folder')
    p.add_argument('--split-file', help='override the split file')
    p.add_argument('--folds', type=int, default=5, help='number of folds')
    p.add_argument('--only-folds', type=int, nargs='+',
                   help='run only these fold indices')
    p.add_argument('--amp', action='store_true', help='mixed precision')
    p.add_argument('--threshold', type=float, default=0.5,
                   help='MCC threshold in the summary')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   default={}, help='overrides passed to train and test')
    p.add_argument('--dry-run', action='store_true',
                   help='print the commands, run nothing')
    args = p.parse_args(argv)
    if args.folds < 1:
        p.error(f'--folds: expected >= 1, got {args.folds}')
    folds = args.only_folds if args.only_folds else range(args.folds)
    bad = [k for k in folds if not 0 <= k < args.folds]
    if bad:
        p.error(f'--only-folds: expected indices in [0, {args.folds}), '
                f'got {bad}')
    args.fold_list = list(folds)
    return args


def check_config(path, split_file):
    """Check that the config's datasets can select folds.

    Raises:
        ValueError: a dataloader's dataset has no ``split_file`` (and none
            is given), naming the config and the dataloader.
    """
    cfg = Config.fromfile(path)
    for loader in LOADERS:
        dataset = cfg.get(loader, {}).get('dataset', {})
        if not split_file and not dataset.get('split_file'):
            raise ValueError(
                f'{path}: {loader}.dataset: expected a split_file (patient '
                'folds, tools/misc/make_splits.py), got none; pass '
                '--split-file')
    return cfg


def _options(overrides):
    return [f'{k}={v}' for k, v in overrides.items()]


def fold_overrides(fold, split_file, extra):
    """``--cfg-options`` selecting fold ``fold`` (train/val) + test split."""
    opts = dict(extra)
    for loader in ('train_dataloader', 'val_dataloader'):
        opts[f'{loader}.dataset.fold'] = fold
    if split_file:
        for loader in LOADERS:
            opts[f'{loader}.dataset.split_file'] = osp.abspath(split_file)
    return opts


def fold_commands(args, fold, checkpoint=None):
    """The train command and (given a checkpoint) the test command."""
    fold_dir = osp.join(args.work_dir, f'fold_{fold}')
    pred_file = osp.abspath(
        osp.join(args.work_dir, 'predictions', f'fold_{fold}_test.json'))
    opts = fold_overrides(fold, args.split_file, args.cfg_options)
    train = [sys.executable, osp.join(TOOLS, 'train.py'), args.config,
             '--work-dir', fold_dir]
    if args.amp:
        train.append('--amp')
    train += ['--cfg-options'] + _options(opts)
    name = osp.splitext(osp.basename(args.config))[0]
    test_opts = dict(opts)
    test_opts['test_evaluator.prediction_file'] = pred_file
    test_opts['test_evaluator.model_name'] = f'{name}_fold{fold}'
    test = [sys.executable, osp.join(TOOLS, 'test.py'), args.config,
            checkpoint or osp.join(fold_dir, '<best checkpoint>.pth'),
            '--work-dir', osp.join(fold_dir, 'test'), '--cfg-options'
            ] + _options(test_opts)
    return train, test, pred_file


def best_checkpoint(fold_dir):
    """The best checkpoint (``best_*.pth``) of a run, else the last one."""
    best = sorted(glob.glob(osp.join(fold_dir, 'best_*.pth')),
                  key=osp.getmtime)
    if best:
        return best[-1]
    last = osp.join(fold_dir, 'last_checkpoint')
    if osp.isfile(last):
        with open(last, encoding='utf-8') as f:
            path = f.read().strip()
        if osp.isfile(path):
            return path
    raise FileNotFoundError(f'{fold_dir}: expected best_*.pth or '
                            'last_checkpoint after training, found neither')


def fold_metrics(pred_file, threshold):
    """Test AUC and MCC of one fold's prediction file."""
    import numpy as np

    from mmdsa.evaluation.functional import (binary_roc_auc,
                                             matthews_corrcoef)
    with open(pred_file, encoding='utf-8') as f:
        preds = json.load(f)['predictions']
    labels = np.array([p['label'] for p in preds])
    scores = np.array([p['score'] for p in preds])
    auc = binary_roc_auc(labels, scores) if len(set(labels)) == 2 \
        else float('nan')
    return dict(num_series=len(preds), auc=float(auc),
                mcc=float(matthews_corrcoef(labels, scores >= threshold)))


def _run(cmd):
    print('+ ' + ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def write_json(path, payload):
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix='.tmp')
    with os.fdopen(fd, 'w') as f:
        json.dump(payload, f, indent=2, allow_nan=True)
    os.replace(tmp, path)


def main(argv=None):
    args = parse_args(argv)
    check_config(args.config, args.split_file)
    folds = []
    for i, fold in enumerate(args.fold_list):
        print(f'=== fold {fold} ({i + 1}/{len(args.fold_list)}) ===',
              flush=True)
        train, test, pred_file = fold_commands(args, fold)
        if args.dry_run:
            print(' '.join(train))
            print(' '.join(test))
            continue
        _run(train)
        ckpt = best_checkpoint(osp.join(args.work_dir, f'fold_{fold}'))
        _, test, pred_file = fold_commands(args, fold, ckpt)
        _run(test)
        folds.append(dict(fold=fold, checkpoint=ckpt,
                          prediction_file=pred_file,
                          **fold_metrics(pred_file, args.threshold)))
        print(f"fold {fold}: test AUC {folds[-1]['auc']:.4f}, MCC "
              f"{folds[-1]['mcc']:.4f} ({folds[-1]['num_series']} series)",
              flush=True)
    if args.dry_run:
        return None
    ensemble = [sys.executable,
                osp.join(TOOLS, 'analysis_tools', 'ensemble_predictions.py')
                ] + [f['prediction_file'] for f in folds] + [
                    '--method', 'mean', '--out',
                    osp.abspath(osp.join(args.work_dir,
                                         'fold_ensemble_test.json'))]
    summary = dict(config=args.config, threshold=args.threshold,
                   folds=folds, ensemble_command=' '.join(ensemble))
    # the paper's figures: fold ensembles per view and per PA+LAT pair
    sys.path.insert(0, osp.join(TOOLS, 'analysis_tools'))
    from fold_ensemble import format_report, write_fold_ensemble
    summary['fold_ensemble'] = write_fold_ensemble(
        [f['prediction_file'] for f in folds],
        osp.join(args.work_dir, 'fold_ensemble'), args.threshold)
    write_json(osp.join(args.work_dir, 'cv_summary.json'), summary)
    for line in format_report(summary['fold_ensemble']):
        print(line, flush=True)
    return summary


if __name__ == '__main__':
    main()
