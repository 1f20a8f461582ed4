"""Train and test every cross-validation fold of a config, for both tasks.

    python tools/run_cross_validation.py CONFIG --work-dir DIR \
        [--split-file SPLIT.json] [--folds K] [--seeds 0 1 2] \
        [--only-folds 0 2] [--reference RN_DIR] [--amp] \
        [--cfg-options k=v ...] [--dry-run]

The task follows the config's model (``SpatioTemporalDetector`` =
perforation detection, else thrombus classification).

Perforation (Su et al., papers.md B): stratified, patient-grouped k-fold
cross-validation (the paper: 10 folds, 5 runs). Per seed ``s`` the split is
``stratified_group_kfold(folds=K, seed=s)`` of the train dataset's series
(``DIR/seed_s/split.json``; ``--split-file`` fixes one split for all
seeds). For fold k a derived config (``DIR/seed_s/fold_k/config.py``,
training seed ``s``) trains on the other folds and tests its last
checkpoint (fixed schedule, no selection on the held-out data) on fold k
itself, writing ``DIR/seed_s/predictions/fold_k.json``. The out-of-fold
predictions are pooled (``DIR/seed_s/pooled_predictions.json``) and every
metric is computed on the pooled set (with and without the model's series
optimiser, on the same detections). ``--reference DIR_RN`` adds DeLong
tests of the pooled series scores against another run of this tool (e.g.
single-frame RetinaNet), seed by seed.

Thrombus (Mittmann et al., papers.md A): the split file's chronological
test set and its folds (``tools/misc/make_splits.py --method
chronological_kfold``); fold k trains on ``train`` / ``val`` of fold k,
keeps the best-MCC checkpoint and tests it on the test split
(``DIR/seed_s/predictions/fold_k_test.json``) and on its own validation
series (``fold_k_val.json``, for ``search_ensembles.py``). The paper's
figures are the fold ensemble (mean probability of the fold models) per
view and, when the test predictions hold both views, per PA+LAT pair
(``tools/analysis_tools/fold_ensemble.py``, written to
``DIR/seed_s/fold_ensemble/``; run that tool on the prediction files of a PA
and a LAT cross-validation to get the pairs of one-view configs); they are
the seed's metrics.

Each step runs in its own process. ``DIR/cv_summary.json`` holds every
seed's metrics, their mean +- std over seeds and the DeLong results;
``--dry-run`` prints the commands only.
"""

import argparse
import copy
import os
import os.path as osp
import subprocess
import sys

from mmengine.config import Config, DictAction

TOOLS = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(TOOLS)
sys.path.insert(0, ROOT)
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
DETECTORS = ('SpatioTemporalDetector', 'mmdsa.SpatioTemporalDetector')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', help='a thrombus or perforation config')
    p.add_argument('--work-dir', required=True, help='output folder')
    p.add_argument('--split-file', help='override the split file')
    p.add_argument('--folds', type=int, default=None,
                   help='number of folds (default: 10 for perforation, as '
                   'the paper, 5 for thrombus)')
    p.add_argument('--seeds', type=int, nargs='+', default=[0],
                   help='repeat the whole cross-validation per seed '
                   '(training seed; perforation: also the fold assignment)')
    p.add_argument('--only-folds', type=int, nargs='+',
                   help='run only these fold indices')
    p.add_argument('--reference', help='perforation: work dir of another '
                   'run of this tool (e.g. RetinaNet) for DeLong tests')
    p.add_argument('--amp', action='store_true', help='mixed precision')
    p.add_argument('--threshold', type=float, default=0.5,
                   help='series decision threshold for MCC')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   default={}, help='overrides passed to train and test')
    p.add_argument('--dry-run', action='store_true',
                   help='print the commands, run nothing')
    # a study / work folder of its own: reruns replace (resume) its
    # own earlier results there
    from mmdsa.utils.fileio import allow_overwrite
    allow_overwrite()
    args = p.parse_args(argv)
    args.task = task_of(Config.fromfile(args.config))
    if args.folds is None:
        args.folds = 10 if args.task == 'perforation' else 5
    if args.folds < 2 and args.task == 'perforation':
        p.error(f'--folds: expected >= 2, got {args.folds}')
    if args.folds < 1:
        p.error(f'--folds: expected >= 1, got {args.folds}')
    folds = args.only_folds if args.only_folds else range(args.folds)
    bad = [k for k in folds if not 0 <= k < args.folds]
    if bad:
        p.error(f'--only-folds: expected indices in [0, {args.folds}), '
                f'got {bad}')
    if len(set(args.seeds)) != len(args.seeds):
        p.error(f'--seeds: expected distinct seeds, got {args.seeds}')
    args.fold_list = list(folds)
    return args


def task_of(cfg) -> str:
    """'perforation' for a ``SpatioTemporalDetector`` config, else
    'thrombus'."""
    return 'perforation' if cfg.model.get('type') in DETECTORS \
        else 'thrombus'


def check_config(path, split_file):
    """Check that a thrombus config's datasets can select folds.

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


def seed_dir(args, seed):
    return osp.join(args.work_dir, f'seed_{seed}')


def _options(overrides):
    return [f'{k}={v}' for k, v in overrides.items()]


def fold_overrides(fold, split_file, extra, seed=None):
    """Thrombus ``--cfg-options`` selecting fold ``fold`` (train/val) + the
    test split (+ the training seed)."""
    opts = dict(extra)
    for loader in ('train_dataloader', 'val_dataloader'):
        opts[f'{loader}.dataset.fold'] = fold
    if split_file:
        for loader in LOADERS:
            opts[f'{loader}.dataset.split_file'] = osp.abspath(split_file)
    if seed is not None:
        opts['randomness.seed'] = seed
    return opts


def fold_commands(args, fold, checkpoint=None, seed=0):
    """Thrombus: the train command and (given a checkpoint) the test
    command of one fold and seed, and the test prediction file."""
    run = seed_dir(args, seed)
    fold_dir = osp.join(run, f'fold_{fold}')
    pred_file = osp.abspath(
        osp.join(run, 'predictions', f'fold_{fold}_test.json'))
    opts = fold_overrides(fold, args.split_file, args.cfg_options, seed)
    # the study's own fold folders: a rerun replaces its earlier files
    train = [sys.executable, osp.join(TOOLS, 'train.py'), args.config,
             '--work-dir', fold_dir, '--overwrite']
    if args.amp:
        train.append('--amp')
    train += ['--cfg-options'] + _options(opts)
    name = osp.splitext(osp.basename(args.config))[0]
    test_opts = dict(opts)
    test_opts['test_evaluator.prediction_file'] = pred_file
    test_opts['test_evaluator.model_name'] = f'{name}_seed{seed}_fold{fold}'
    test = [sys.executable, osp.join(TOOLS, 'test.py'), args.config,
            checkpoint or osp.join(fold_dir, '<best checkpoint>.pth'),
            '--work-dir', osp.join(fold_dir, 'test'), '--overwrite',
            '--cfg-options'
            ] + _options(test_opts)
    return train, test, pred_file


def val_command(args, fold, checkpoint, seed=0):
    """Thrombus: test a fold's checkpoint on its own validation series
    (``fold_k_val.json``: the out-of-fold validation predictions that
    ``tools/analysis_tools/search_ensembles.py`` chooses ensembles on)."""
    run = seed_dir(args, seed)
    fold_dir = osp.join(run, f'fold_{fold}')
    val_file = osp.abspath(
        osp.join(run, 'predictions', f'fold_{fold}_val.json'))
    opts = fold_overrides(fold, args.split_file, args.cfg_options, seed)
    name = osp.splitext(osp.basename(args.config))[0]
    opts.update({'test_dataloader.dataset.split': 'val',
                 'test_dataloader.dataset.fold': fold,
                 'test_evaluator.prediction_file': val_file,
                 'test_evaluator.model_name':
                 f'{name}_seed{seed}_fold{fold}_val'})
    cmd = [sys.executable, osp.join(TOOLS, 'test.py'), args.config,
           checkpoint, '--work-dir', osp.join(fold_dir, 'test_val'),
           '--overwrite', '--cfg-options'] + _options(opts)
    return cmd, val_file


def last_checkpoint(fold_dir):
    """The checkpoint ``last_checkpoint`` names (it must exist;
    :func:`mmdsa.utils.checkpoint.last_checkpoint`)."""
    from mmdsa.utils.checkpoint import last_checkpoint as pick
    return pick(fold_dir)


def best_checkpoint(fold_dir):
    """The best checkpoint (``best_*.pth``) of a run, else the last one
    (:func:`mmdsa.utils.checkpoint.best_or_last_checkpoint`)."""
    from mmdsa.utils.checkpoint import best_or_last_checkpoint
    return best_or_last_checkpoint(fold_dir)


def fold_metrics(pred_file, threshold):
    """Test AUC and MCC of one fold's prediction file."""
    import numpy as np

    from mmdsa.evaluation.functional import (binary_roc_auc,
                                             matthews_corrcoef)
    from mmdsa.evaluation.metrics import load_prediction_file
    preds = load_prediction_file(pred_file)['predictions']
    labels = np.array([p['label'] for p in preds])
    scores = np.array([p['score'] for p in preds])
    auc = binary_roc_auc(labels, scores) if len(set(labels)) == 2 \
        else float('nan')
    return dict(num_series=len(preds), auc=float(auc),
                mcc=float(matthews_corrcoef(labels, scores >= threshold)))


# ------------------------------------------------------------ perforation
def _pool_dataset(cfg):
    """The train dataset config: the pool every fold is drawn from."""
    dataset = copy.deepcopy(cfg.train_dataloader.dataset)
    while 'dataset' in dataset and 'pipeline' not in dataset:
        dataset = dataset.dataset  # wrappers such as RepeatDataset
    return dataset


def pool_records(cfg):
    """``patient_id`` and ``label`` of every series of the pool (the
    synthetic set is generated first when the config asks for one)."""
    from mmdsa.datasets import load_detection_annotations
    from mmdsa.datasets.dataset_utils import prepare_synthetic
    dataset = _pool_dataset(cfg)
    root = dataset.get('data_root', '') or ''
    prepare_synthetic(dataset.get('synthetic'), root, 'perforation',
                      'run_cross_validation')
    ann = osp.join(root, dataset.ann_file)
    videos = load_detection_annotations(ann)['videos']
    return [dict(patient_id=v['patient_id'], label=v['label'])
            for v in videos]


def detection_fold_config(cfg, split_file, fold, seed, pred_file, name):
    """A derived config: train on the other folds, test on fold ``fold``.

    The held-out fold is also the validation set (metrics logged, no
    checkpoint selection: the last checkpoint is tested).
    """
    cfg = copy.deepcopy(cfg)
    pool = _pool_dataset(cfg)
    pool.pop('split', None)
    pool.pop('fold', None)
    train = cfg.train_dataloader.dataset
    while 'dataset' in train and 'pipeline' not in train:
        train = train.dataset
    train.update(split_file=split_file, split='train', fold=fold)
    for loader in ('val_dataloader', 'test_dataloader'):
        held_out = cfg[loader].dataset
        pipeline = held_out.pipeline
        cfg[loader].dataset = dict(pool, pipeline=pipeline, test_mode=True,
                                   split_file=split_file, split='val',
                                   fold=fold, key_frame_interval=1)
    cfg.test_evaluator = dict(type='SeriesDetectionMetric',
                              prediction_file=pred_file,
                              model_name=f'{name}_seed{seed}_fold{fold}')
    cfg.val_evaluator = dict(type='SeriesDetectionMetric')
    default_hooks = cfg.get('default_hooks', {})
    if 'checkpoint' in default_hooks:
        default_hooks.checkpoint.pop('save_best', None)
    cfg.randomness = dict(cfg.get('randomness', {}), seed=seed)
    return cfg


def _run(cmd):
    print('+ ' + ' '.join(cmd), flush=True)
    env = dict(os.environ)
    env['PYTHONPATH'] = ROOT + os.pathsep + env.get('PYTHONPATH', '')
    env.setdefault('OMP_NUM_THREADS', '1')
    subprocess.run(cmd, check=True, env=env)


def run_detection_seed(args, cfg, seed):
    """One seed of the detection cross-validation; returns its record."""
    from mmdsa.datasets.splits import (load_split, stratified_group_kfold,
                                       write_split)
    from mmdsa.evaluation.cross_validation import (pool_predictions,
                                                   prediction_metrics)
    run = seed_dir(args, seed)
    name = osp.splitext(osp.basename(args.config))[0]
    if args.split_file:
        split_file = osp.abspath(args.split_file)
        load_split(split_file)
    else:
        split_file = osp.abspath(osp.join(run, 'split.json'))
        if not args.dry_run:
            write_split(stratified_group_kfold(pool_records(cfg),
                                               args.folds, seed), split_file)
    preds = []
    for fold in args.fold_list:
        fold_dir = osp.join(run, f'fold_{fold}')
        pred = osp.abspath(osp.join(run, 'predictions', f'fold_{fold}.json'))
        fold_cfg = detection_fold_config(cfg, split_file, fold, seed, pred,
                                         name)
        path = osp.join(fold_dir, 'config.py')
        train = [sys.executable, osp.join(TOOLS, 'train.py'), path,
                 '--work-dir', fold_dir, '--overwrite'] + (
                     ['--amp'] if args.amp else [])
        print(f'=== seed {seed} fold {fold} ===', flush=True)
        if args.dry_run:
            print(' '.join(train))
            continue
        os.makedirs(fold_dir, exist_ok=True)
        fold_cfg.dump(path)
        _run(train)
        ckpt = last_checkpoint(fold_dir)
        _run([sys.executable, osp.join(TOOLS, 'test.py'), path, ckpt,
              '--work-dir', osp.join(fold_dir, 'test'), '--overwrite'])
        preds.append(pred)
    if args.dry_run:
        return None
    pooled_file = osp.join(run, 'pooled_predictions.json')
    pooled = pool_predictions(preds, pooled_file, f'{name}_seed{seed}')
    metrics = prediction_metrics(pooled, args.threshold)
    print(f"seed {seed}: pooled series AUC {metrics['auc']:.4f}, AP_cin "
          f"{metrics['ap_cin']:.4f}, AR_cin {metrics['ar_cin']:.4f} "
          f"({len(pooled['predictions'])} series)", flush=True)
    return dict(seed=seed, split_file=split_file, prediction_files=preds,
                pooled_predictions=pooled_file, metrics=metrics)


def reference_delong(args, seeds):
    """DeLong of this run's pooled series scores against ``--reference``'s
    (its stored scores), seed by seed.

    Returns:
        dict: Per rule of this run (``'series'``: its stored scores, i.e.
        the model's series rule; plus ``'max_score'`` when the model has a
        series optimiser), ``per_seed`` results and their ``median_p``.
    """
    from mmdsa.evaluation.cross_validation import (combine_p_values,
                                                   delong_between,
                                                   series_scores)
    from mmdsa.evaluation.metrics import load_prediction_file
    out = {}
    for rule in ('file', 'max_score'):
        rows = []
        for rec in seeds:
            mine = load_prediction_file(rec['pooled_predictions'])
            if rule == 'max_score' and not mine.get('series_post_processor'):
                continue
            ref = osp.join(args.reference, f'seed_{rec["seed"]}',
                           'pooled_predictions.json')
            theirs = series_scores(load_prediction_file(ref))
            rows.append(dict(seed=rec['seed'], reference=ref,
                             **delong_between(series_scores(mine, rule),
                                              theirs, 'run_cross_validation')))
        if rows:
            out['series' if rule == 'file' else rule] = dict(
                per_seed=rows,
                median_p=combine_p_values([r['p'] for r in rows]))
    return out


# ------------------------------------------------------------ thrombus
def run_thrombus_seed(args, seed):
    """One seed of the thrombus cross-validation; returns its record."""
    folds = []
    for i, fold in enumerate(args.fold_list):
        print(f'=== seed {seed} fold {fold} ({i + 1}/'
              f'{len(args.fold_list)}) ===', flush=True)
        train, test, pred_file = fold_commands(args, fold, seed=seed)
        if args.dry_run:
            print(' '.join(train))
            print(' '.join(test))
            continue
        _run(train)
        ckpt = best_checkpoint(osp.join(seed_dir(args, seed), f'fold_{fold}'))
        _, test, pred_file = fold_commands(args, fold, ckpt, seed)
        _run(test)
        val_cmd, val_file = val_command(args, fold, ckpt, seed)
        _run(val_cmd)
        folds.append(dict(fold=fold, checkpoint=ckpt,
                          prediction_file=pred_file,
                          val_prediction_file=val_file,
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
                    osp.abspath(osp.join(seed_dir(args, seed),
                                         'fold_ensemble_test.json'))]
    # the paper's figures: fold ensembles per view and per PA+LAT pair
    sys.path.insert(0, osp.join(TOOLS, 'analysis_tools'))
    from fold_ensemble import format_report, write_fold_ensemble
    report = write_fold_ensemble(
        [f['prediction_file'] for f in folds],
        osp.join(seed_dir(args, seed), 'fold_ensemble'), args.threshold)
    for line in format_report(report):
        print(line, flush=True)
    metrics = {}
    for view, res in report['views'].items():
        for k, v in res['ensemble'].items():
            metrics[f'{view.lower()}/{k}'] = v
    if report.get('pair'):
        metrics.update({f'pair/{k}': v
                        for k, v in report['pair']['ensemble'].items()})
    if len(report['views']) == 1:
        metrics.update(next(iter(report['views'].values()))['ensemble'])
    return dict(seed=seed, folds=folds, metrics=metrics,
                fold_ensemble=report, ensemble_command=' '.join(ensemble))


def main(argv=None):
    from mmdsa.evaluation.cross_validation import mean_std
    from mmdsa.utils.fileio import write_json_atomic
    from mmdsa.utils.cli import ToolError, load_config
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    if args.task == 'thrombus':
        try:
            check_config(args.config, args.split_file)
        except ValueError as exc:   # e.g. no split file: a refusal
            raise ToolError(str(exc)) from exc
    seeds = []
    for seed in args.seeds:
        rec = run_detection_seed(args, cfg, seed) \
            if args.task == 'perforation' else run_thrombus_seed(args, seed)
        if rec is not None:
            seeds.append(rec)
    if args.dry_run:
        return None
    summary = dict(config=args.config, task=args.task, folds=args.folds,
                   threshold=args.threshold, seeds=seeds,
                   mean_std=mean_std([s['metrics'] for s in seeds]))
    if args.reference and args.task == 'perforation':
        summary['delong_vs_reference'] = reference_delong(args, seeds)
    write_json_atomic(osp.join(args.work_dir, 'cv_summary.json'), summary,
                      indent=2, allow_nan=True)
    for key in ('auc', 'ap_cin', 'ar_cin', 'auprc', 'mcc'):
        if key in summary['mean_std']:
            ms = summary['mean_std'][key]
            print(f"{key}: {ms['mean']:.4f} +- {ms['std']:.4f} "
                  f"({ms['n']} seeds)")
    return summary


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
