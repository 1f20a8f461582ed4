"""Thrombus claims ledger on synthetic DSA, part by part.

    OMP_NUM_THREADS=1 python tools/analysis_tools/reproduce_thrombus.py \\
        --part gru|lstm [--seeds 0] [--workers 2] [--difficulty mixed]
        [--work outputs/reproduce_thrombus] [--quick]
    python tools/analysis_tools/reproduce_thrombus.py --ledger-report \\
        [--work outputs/reproduce_thrombus]
        [--report docs/reproduction_thrombus]

Mittmann et al., IJCARS 2022 (``mmdsa.evaluation.claims.thrombus.PAPER``).
Every claim of the paper is a row of the claims ledger
(``mmdsa.evaluation.claims.thrombus``, ``docs/claims_ledger.md``), tested
with the perforation study's statistics and written in its format
(``mmdsa.evaluation.claims.report``).

Each part trains one network (tiny ResNet18 with a bidirectional GRU or
LSTM, ``configs/thrombus/cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus
.py``) for both views and every fold on every seed: per seed one
synthetic set of PA+LAT pairs, the chronologically first 20 % of the
patients as the test set and 5 chronological folds on the rest
(``chronological_kfold``), at the 'mixed' level by default (occlusions at
every site, ICA-T to M4+: 'medium' saturates at this scale and has no
distal sites); each fold model's best-validation-MCC
checkpoint is tested on the test set, and a view's fold ensemble is the
mean probability of its fold models. A part is resumable (a model whose
predictions exist is not trained again) and writes ``WORK/parts/NAME.json``
with its run time and budget. Training runs in this process (one MMEngine
Runner per model).

``--ledger-report`` tests the ledger on the finished parts and writes
REPORT.md / .json and REPORT_analysis.md (atomically), with a level check
(whether the synthetic level saturates or sits at chance) and, as a
labelled extra that the paper does not claim, each view's fold ensemble
against its mean single fold model.
"""
import argparse
import json
import os.path as osp
import sys
import time

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from mmdsa.structures import PAIR_VIEW, PAIR_VIEWS  # noqa: E402

CLS_BASE = ('configs/thrombus/'
            'cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py')
VIEWS = PAIR_VIEWS
# network -> rnn type (tiny ResNet18 backbone for both, random init)
PARTS = {'gru': ('ResNet18+GRU', 'gru'), 'lstm': ('ResNet18+LSTM', 'lstm')}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument('--part', choices=sorted(PARTS),
                      help='train one network of the claims ledger (both '
                      'views, every fold, every seed); resumable')
    mode.add_argument('--ledger-report', action='store_true',
                      help='test the claims ledger on the finished parts '
                      'and write REPORT.md / .json')
    p.add_argument('--work', default='outputs/reproduce_thrombus',
                   help='data, checkpoints and predictions')
    p.add_argument('--report', default='docs/reproduction_thrombus',
                   help='report path without extension (.md and .json)')
    p.add_argument('--seeds', type=int, nargs='+', default=[0],
                   help='seeds (one per run fits 80 minutes; a run with '
                   'other seeds adds them to the part)')
    p.add_argument('--workers', type=int, default=2,
                   help='fold models trained at the same time (one '
                   'process and one thread each)')
    p.add_argument('--difficulty', default='mixed',
                   help='synthetic difficulty preset (mmdsa.synth)')
    p.add_argument('--quick', action='store_true',
                   help='tiny smoke-test scale')
    p.add_argument('--bootstrap', type=int, default=1000,
                   help='paired bootstrap resamples per comparison and seed')
    args = p.parse_args(argv)
    # a study / work folder of its own: reruns replace (resume) its
    # own earlier results there
    from mmdsa.utils.fileio import allow_overwrite
    allow_overwrite()
    return args


def log(msg):
    print(f'[reproduce_thrombus {time.strftime("%H:%M:%S")}] {msg}',
          flush=True)


def make_data(work, seed, s, difficulty, folder='data'):
    """Generate one seed's data set and its chronological split (under
    ``WORK/seed_S/folder``)."""
    from mmdsa.datasets import chronological_kfold, series_records
    from mmdsa.datasets.splits import write_split
    from mmdsa.synth import ensure_synthetic_dataset
    root = osp.join(work, f'seed_{seed}', folder)
    ann = ensure_synthetic_dataset(
        root, task='thrombus', num_pairs=s['num_pairs'], seed=1000 + seed,
        image_size=s['image_size'], num_frames=tuple(s['num_frames']),
        difficulty=difficulty, progress=False)
    split = chronological_kfold(series_records(ann),
                                test_fraction=s['test_fraction'],
                                folds=s['folds'])
    split_file = write_split(split, osp.join(root, 'split.json'))
    return root, split_file


def fold_config(s, data_root, split_file, view, fold, seed, work_dir,
                pred_file, rnn_type='gru'):
    """The demo config pointed at one view and fold of a seed's data."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, CLS_BASE))
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        ds = loader.dataset
        ds.pop('synthetic', None)
        ds.update(data_root=data_root + '/', ann_file='thrombus.json',
                  split_file=split_file, view=view,
                  split=split, fold=None if split == 'test' else fold)
        for step in ds.pipeline:
            if step.get('type') == 'LoadDSASeries':
                step['resize'] = s['image_size']
    cfg.model.encoder.rnn_type = rnn_type
    cfg.train_cfg.max_epochs = s['epochs']
    cfg.train_cfg.val_interval = 1
    cfg.param_scheduler[0]['patience'] = max(1, s['epochs'] // 3)
    cfg.randomness = dict(seed=seed * 1000 + fold * 10 + VIEWS.index(view))
    cfg.default_hooks.logger.interval = 1000
    cfg.work_dir = work_dir
    cfg.experiment_name = f'thrombus_s{seed}_{view}_f{fold}'
    cfg.test_evaluator = dict(type='SeriesClassificationMetric',
                              prediction_file=pred_file,
                              model_name=cfg.experiment_name)
    return cfg


def train_and_predict(cfg, info=None):
    """Train in this process, test the best-MCC checkpoint; ``info``
    (a dict) receives the best validation score."""
    from mmengine.runner import Runner

    from mmdsa.utils.compat import use_checkpoint_loader
    runner = use_checkpoint_loader(Runner.from_cfg(cfg))
    runner.train()
    if info is not None:
        best_score = runner.message_hub.get_info('best_score')
        info['best_val_mcc'] = None if best_score is None \
            else float(best_score)
    from mmdsa.utils.checkpoint import best_checkpoint
    best = best_checkpoint(cfg.work_dir)
    if best is not None:
        runner.load_checkpoint(best, strict=True)
    return runner.test()


# Power: the chronologically first 20 % of the patients are the test set
# (Mittmann et al.), about 150 test pairs per seed (series-AUC standard
# error <= 0.04 at this prevalence); the rest is 5-fold chronological
# cross-validation. (full, quick)
SCALE = dict(
    num_pairs=(750, 20),
    image_size=(96, 32),
    num_frames=((6, 10), (4, 6)),
    epochs=(8, 1),
    folds=(5, 2),
    test_fraction=(0.2, 0.4),
)
# MCC at the checkpoint-selection threshold: the validation MCC that picks
# the checkpoint is computed at the metric's threshold, 0.5
MCC_THRESHOLD = 0.5


def scale(quick):
    i = 1 if quick else 0
    return {k: v[i] for k, v in SCALE.items()}


def train_fold(job):
    """Train and test one fold model (in this process or a worker's) and
    keep its best validation MCC beside its predictions."""
    import torch

    from mmdsa.utils import register_all_modules
    from mmdsa.utils.fileio import allow_overwrite, write_json_atomic
    torch.set_num_threads(1)
    register_all_modules()
    allow_overwrite()
    log(f"seed {job['seed']}: train {job['network']} {job['view']} fold "
        f"{job['fold']}")
    info = {}
    train_and_predict(fold_config(*job['config']), info)
    write_json_atomic(job['best_file'], info)
    return job['key']


def run_part(args):
    """Train one network (both views, every fold) per seed; resumable."""
    from mmengine.config import Config

    from mmdsa.evaluation.claims.parts import (begin_session, end_session,
                                               load_part_record, part_file)
    from mmdsa.utils.fileio import write_json_atomic
    s = scale(args.quick)
    network, rnn = PARTS[args.part]
    work = osp.abspath(args.work)
    # one level per work folder: every part's data and models share it
    for other in PARTS:
        load_part_record(part_file(work, other), args.quick,
                         difficulty=args.difficulty)
    path = part_file(work, args.part)
    old = load_part_record(path, args.quick, difficulty=args.difficulty)
    t0, interrupted = begin_session(path)
    if interrupted:
        log(f'{osp.basename(path)}: an earlier session ended without its '
            f'record; counting its {interrupted[0]} minutes')
    # a run with other seeds adds them to the part
    files = {k: v for k, v in old.get('predictions', {}).items()
             if int(k) not in args.seeds}
    jobs = []
    for seed in args.seeds:
        data_root, split_file = make_data(work, seed, s, args.difficulty,
                                          'ledger_data')
        for view in VIEWS:
            for fold in range(s['folds']):
                wd = osp.join(work, f'seed_{seed}',
                              f'{args.part}_{view}_fold{fold}')
                pred = osp.join(wd, 'test_predictions.json')
                jobs.append(dict(
                    seed=seed, view=view, fold=fold, network=network,
                    key=f'{seed}/{view}/{fold}', predictions=pred,
                    best_file=osp.join(wd, 'best_val_mcc.json'),
                    config=(s, data_root, split_file, view, fold, seed, wd,
                            pred, rnn)))
                files.setdefault(str(seed), {}).setdefault(view, []).append(
                    osp.relpath(pred, osp.dirname(path)))
    todo = [j for j in jobs if not osp.isfile(j['predictions'])]
    log(f'part {args.part}: {len(todo)} of {len(jobs)} models to train, '
        f'{args.workers} at a time')
    if args.workers > 1 and len(todo) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.
                                 get_context('spawn')) as pool:
            list(pool.map(train_fold, todo))
    else:
        for job in todo:
            train_fold(job)
    best = dict(old.get('best_val_mcc', {}))
    for job in jobs:
        if osp.isfile(job['best_file']):
            with open(job['best_file']) as f:
                best[job['key']] = json.load(f).get('best_val_mcc')
    sessions = old.get('sessions', []) + interrupted + [
        round((time.time() - t0) / 60, 1)]
    write_json_atomic(path, dict(
        part=args.part, network=network, quick=args.quick,
        seeds=sorted(int(k) for k in files),
        difficulty=args.difficulty, scale=s, budget=dict(
            epochs=s['epochs'], folds=s['folds'],
            image_size=s['image_size'], batch_size=Config.fromfile(
                osp.join(ROOT, CLS_BASE)).train_dataloader.batch_size,
            checkpoint='best validation MCC'),
        run_min=round(sum(sessions), 1), sessions=sessions,
        workers=args.workers, best_val_mcc=best, predictions=files))
    end_session(path)
    log(f'part {args.part}: {sessions[-1]} min; wrote {path}')
    return 0


def _fold_mean(paths, base, view):
    """The view's fold ensemble (mean probability of its fold models)."""
    from mmdsa.evaluation.metrics import load_prediction_file
    runs = [load_prediction_file(osp.join(base, p))['predictions']
            for p in paths]
    by = {}
    for recs in runs:
        for r in recs:
            by.setdefault(r['series_id'], []).append(r)
    return [dict(rs[0], view=view,
                 score=float(np.mean([r['score'] for r in rs])))
            for rs in by.values() if len(rs) == len(runs)]


def ledger_seed_tables(parts, seed):
    """Model name -> pair table of one seed (thrombus ledger names)."""
    from mmdsa.evaluation.claims import mean_table, pair_table
    from mmdsa.evaluation.claims.thrombus import BEST_PAIR, ENSEMBLE
    tables, views, val = {}, {}, {}
    for part, data in parts.items():
        files = data['predictions'].get(str(seed))
        if not files:
            continue
        net = data['network']
        pa = _fold_mean(files['PA'], data['_dir'], 'PA')
        lat = _fold_mean(files['LAT'], data['_dir'], 'LAT')
        for v in VIEWS + (PAIR_VIEW, ):
            tables[f'{net} {v}'] = pair_table(
                pa, lat, f'{part} seed {seed}', v, MCC_THRESHOLD)
        views[net] = (tables[f'{net} PA'], tables[f'{net} LAT'])
        scores = [v for k, v in data['best_val_mcc'].items()
                  if k.startswith(f'{seed}/') and v is not None]
        val[net] = float(np.mean(scores)) if scores else -1.0
    if len(views) >= 2:
        # chosen on validation (mean best validation MCC of the folds):
        # the two best networks per view, and the best single network
        ranked = sorted(views, key=lambda n: (-val[n], n))
        members = [views[n][0] for n in ranked[:2]] + \
            [views[n][1] for n in ranked[:2]]
        tables[ENSEMBLE] = mean_table(members, ENSEMBLE, MCC_THRESHOLD)
        tables[BEST_PAIR] = tables[f'{ranked[0]} PA+LAT']
    return tables




def fold_ensemble_extra(parts, seeds):
    """A labelled extra the paper does not claim: each view's fold
    ensemble against its mean single fold model (test AUC per seed)."""
    from mmdsa.evaluation.claims import unit_metric
    from mmdsa.evaluation.claims.report import markdown_table
    from mmdsa.evaluation.metrics import load_prediction_file
    rows, figures = [], {}
    for part, data in parts.items():
        for seed in seeds:
            for view, paths in data['predictions'].get(str(seed),
                                                       {}).items():
                folds = [unit_metric(load_prediction_file(osp.join(
                    data['_dir'], p))['predictions'], 'auc') for p in paths]
                ens = unit_metric(_fold_mean(paths, data['_dir'], view),
                                  'auc')
                key = f"{seed}/{data['network']} {view}"
                figures[key] = dict(ensemble_auc=ens,
                                    fold_auc_mean=float(np.mean(folds)),
                                    fold_auc_min=float(np.min(folds)),
                                    fold_auc_max=float(np.max(folds)))
                rows.append((seed, f"{data['network']} {view}", ens,
                             float(np.mean(folds)),
                             f'{min(folds):.3f}-{max(folds):.3f}'))
    text = ('## Extra: fold ensemble against the single fold models\n\n'
            'Not a claim of the paper (its "single" means a single view): '
            "each view's fold ensemble (mean probability of its fold "
            'models) against its fold models, test AUC.\n\n' +
            markdown_table(('seed', 'model', 'fold ensemble AUC',
                            'mean fold model AUC', 'fold model range'),
                           rows) + '\n')
    return dict(text=text, figures=figures)


def ledger_report(args):
    from mmdsa.evaluation.claims import (THROMBUS_CLAIMS, evaluate_ledger,
                                         verdict_counts)
    from mmdsa.evaluation.claims.report import (explain_failures,
                                                level_check, render_ledger)
    from mmdsa.evaluation.claims.thrombus import PAPER
    from mmdsa.utils.fileio import atomic_write, write_json_atomic
    work = osp.abspath(args.work)
    from mmdsa.evaluation.claims.parts import load_parts
    parts = load_parts(work, PARTS)
    if not parts:
        from mmdsa.utils.cli import ToolError
        raise ToolError(f'--ledger-report: no finished part under '
                        f'{work}/parts (run --part NAME first)')
    seeds = sorted({int(s) for p in parts.values() for s in p['predictions']})
    per_seed = [ledger_seed_tables(parts, s) for s in seeds]
    ledger = explain_failures(evaluate_ledger(THROMBUS_CLAIMS, per_seed,
                                              args.bootstrap))
    counts = verdict_counts(ledger)
    levels = level_check(per_seed, seeds,
                         {p.get('difficulty', '?') for p in parts.values()})
    extra = fold_ensemble_extra(parts, seeds)
    name = osp.basename(args.report)
    md, analysis = render_ledger(
        ledger, parts, counts,
        'Reproduction study on synthetic DSA (thrombus classification)',
        'tools/analysis_tools/reproduce_thrombus.py --ledger-report',
        f'{name}_analysis.md', [levels['text'], extra['text']])
    write_json_atomic(args.report + '.json', dict(
        format='claims-ledger', paper=PAPER, seeds=seeds,
        quick=any(p['quick'] for p in parts.values()),
        parts={k: {x: v.get(x) for x in ('seeds', 'run_min', 'sessions',
                                         'budget', 'quick', 'network',
                                         'difficulty')}
               for k, v in parts.items()},
        counts=counts, claims=ledger['claims'],
        level_check=levels['figures'], fold_ensemble=extra['figures']))
    atomic_write(args.report + '.md', md)
    atomic_write(args.report + '_analysis.md', analysis)
    log(f'wrote {args.report}.md: {counts}')
    return 0


def main(argv=None):
    args = parse_args(argv)
    from mmdsa.synth.pathology import check_difficulty
    from mmdsa.utils import register_all_modules
    try:
        check_difficulty(args.difficulty)
    except ValueError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    register_all_modules()
    if args.part:
        return run_part(args)
    return ledger_report(args)


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
