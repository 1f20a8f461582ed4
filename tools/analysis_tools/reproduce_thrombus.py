"""Thrombus study on synthetic DSA: fold ensembles and PA+LAT pairs.

    OMP_NUM_THREADS=1 python tools/analysis_tools/reproduce_thrombus.py \\
        [--work outputs/reproduce_thrombus]
        [--report docs/reproduction_thrombus]
        [--seeds 0 1 2] [--difficulty medium] [--quick]

Mittmann et al.'s protocol at CPU scale (papers.md A): per seed, one
synthetic data set of PA+LAT pairs, the chronologically first patients as
the test set and 5 chronological folds on the rest
(``chronological_kfold``); one tiny ResNet18 + BiGRU model
(``configs/thrombus/cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py``)
per view and fold, the best-validation-MCC checkpoint tested on the test
set. Per seed, ``mmdsa.evaluation.ensembles.fold_ensemble_report`` gives
every fold model's test metrics, the fold ensemble (mean probability of the
5 fold models) per view, and the PA+LAT pair ensemble (mean of the two
views' ensembles).

Across seeds the report gives mean +- std of: the mean single fold model,
the fold ensemble per view, and the pair ensemble (AUC and MCC); DeLong's
test per seed and on the test series of all seeds pooled (each seed's
models scoring their own, independent test patients) for fold ensemble vs
the median single fold model, and pair vs each view (also combined over
seeds by Stouffer's method); and the pair
ensemble's sensitivity per occlusion level.

Writes REPORT.md and REPORT.json (atomically). Training runs in this
process (one MMEngine Runner per model, no subprocess start-up). This
fold-ensemble comparison is kept as a labelled extra; the paper's claims
are tested part by part through the claims ledger
(``mmdsa.evaluation.claims.thrombus``, ``docs/claims_ledger.md``):

    python tools/analysis_tools/reproduce_thrombus.py --part gru|lstm
    python tools/analysis_tools/reproduce_thrombus.py --ledger-report

Each part trains one network (tiny ResNet18 with a bidirectional GRU or
LSTM) for both views and every fold on every seed (750 pairs per seed, the
chronologically first 20 % of the patients as the test set), is resumable
and writes ``WORK/parts/NAME.json`` with its run time and budget.
"""
import argparse
import math
import os.path as osp
import sys
import time

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from mmdsa.structures import (OCCLUSION_LEVELS, PAIR_VIEW,  # noqa: E402
                              PAIR_VIEWS)

CLS_BASE = ('configs/thrombus/'
            'cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py')
VIEWS = PAIR_VIEWS
TRAINED = []  # models trained by this run (the others are reused)
# (full, quick)
SCALE = dict(
    num_pairs=(60, 10),
    image_size=(96, 32),
    num_frames=((6, 10), (4, 6)),
    epochs=(8, 1),
    folds=(5, 2),
    test_fraction=(0.3, 0.4),
)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--work', default='outputs/reproduce_thrombus',
                   help='data, checkpoints and predictions')
    p.add_argument('--report', default='docs/reproduction_thrombus',
                   help='report path without extension (.md and .json)')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--difficulty', default='medium',
                   help='synthetic difficulty preset (mmdsa.synth)')
    p.add_argument('--quick', action='store_true',
                   help='tiny smoke-test scale')
    p.add_argument('--part', choices=sorted(LEDGER_PARTS),
                   help='train one network of the claims ledger (both '
                   'views, every fold, every seed); resumable')
    p.add_argument('--ledger-report', action='store_true',
                   help='test the claims ledger on the finished parts and '
                   'write REPORT.md / .json')
    p.add_argument('--bootstrap', type=int, default=1000,
                   help='paired bootstrap resamples per comparison and seed')
    args = p.parse_args(argv)
    if args.part and args.ledger_report:
        p.error('--part and --ledger-report: expected one of them')
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


def run_seed(args, s, seed):
    from mmdsa.evaluation.ensembles import fold_ensemble_report
    from mmdsa.evaluation.metrics import load_prediction_file
    work = osp.abspath(args.work)
    data_root, split_file = make_data(work, seed, s, args.difficulty)
    files = {}
    for view in VIEWS:
        for fold in range(s['folds']):
            name = f'{view}_fold{fold}'
            wd = osp.join(work, f'seed_{seed}', name)
            pred = osp.join(wd, 'test_predictions.json')
            if not osp.isfile(pred):
                TRAINED.append(f'{seed}/{name}')
                log(f'seed {seed}: train {name}')
                train_and_predict(fold_config(s, data_root, split_file, view,
                                              fold, seed, wd, pred))
            files[name] = load_prediction_file(pred)
    report = fold_ensemble_report(files)
    report['fold_records'] = {
        view: {name: [p for p in data['predictions']
                      if p.get('view') == view]
               for name, data in files.items() if name.startswith(view)}
        for view in VIEWS}
    return report


def _median_fold(view_rep):
    """Name of the fold model with the median test AUC."""
    folds = sorted(view_rep['folds'].items(),
                   key=lambda kv: (kv[1]['auc'], kv[0]))
    return folds[(len(folds) - 1) // 2][0]


def _ms(values):
    vals = [v for v in values if v is not None and not math.isnan(v)]
    if not vals:
        return dict(mean=None, std=None, n=0)
    return dict(mean=float(np.mean(vals)),
                std=float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0,
                n=len(vals))


def _pooled_delong(a_recs, b_recs):
    """DeLong on the union of the seeds' test series (ids made unique)."""
    from mmdsa.evaluation.functional import delong_test
    labels, a, b = [], [], []
    for ra, rb in zip(a_recs, b_recs):
        by = {r['series_id']: r for r in rb}
        for r in ra:
            if r['series_id'] in by:
                labels.append(r['label'])
                a.append(r['score'])
                b.append(by[r['series_id']]['score'])
    if len(set(labels)) < 2:
        return None
    res = delong_test(np.array(labels), np.array(a), np.array(b))
    return dict(auc_a=res.auc_a, auc_b=res.auc_b, z=res.z,
                p_value=res.p_value, num=len(labels))


def _as_pair(view_records, pair_records):
    by_pair = {r.get('pair_id'): r for r in view_records}
    return [dict(by_pair[p['pair_id']], series_id=p['pair_id'],
                 label=p['label']) for p in pair_records
            if p['pair_id'] in by_pair]


def summarise_seeds(reports):
    """Across-seed statistics of the per-seed fold-ensemble reports.

    Args:
        reports (dict[int, dict]): seed -> ``fold_ensemble_report`` output.

    Returns:
        dict: ``per_seed`` rows, ``summary`` (mean / std / n per quantity),
        ``checks`` (how many seeds satisfy each ordering), ``pooled_delong``
        and ``levels`` (pooled pair-ensemble sensitivity per occlusion
        level).
    """
    from mmdsa.evaluation.metrics import level_sensitivities
    rows = {}
    for seed, rep in sorted(reports.items()):
        row = {}
        for view in VIEWS:
            v = rep['views'][view]
            med = _median_fold(v)
            row[view] = dict(
                fold_auc_mean=v['fold_mean']['auc']['mean'],
                fold_mcc_mean=v['fold_mean']['mcc']['mean'],
                ensemble_auc=v['ensemble']['auc'],
                ensemble_mcc=v['ensemble']['mcc'],
                median_fold=med,
                delong_ensemble_vs_median_fold=v['delong_vs_folds'][med])
        pair = rep['pair'] or {}
        row['PA+LAT'] = dict(
            ensemble_auc=(pair.get('ensemble') or {}).get('auc'),
            ensemble_mcc=(pair.get('ensemble') or {}).get('mcc'),
            delong_vs_views=pair.get('delong_vs_views'))
        rows[seed] = row
    summary = {}
    for view in VIEWS:
        for key in ('fold_auc_mean', 'fold_mcc_mean', 'ensemble_auc',
                    'ensemble_mcc'):
            summary[f'{view}/{key}'] = _ms([r[view][key]
                                            for r in rows.values()])
    for key in ('ensemble_auc', 'ensemble_mcc'):
        summary[f'PA+LAT/{key}'] = _ms([r['PA+LAT'][key]
                                        for r in rows.values()])

    def count(pred):
        ok = [pred(r) for r in rows.values()]
        return dict(holds=sum(1 for o in ok if o), of=len(ok))

    checks = {}
    for view in VIEWS:
        checks[f'{view}: fold ensemble AUC >= mean single fold AUC'] = \
            count(lambda r, v=view: r[v]['ensemble_auc'] >=
                  r[v]['fold_auc_mean'])
        checks[f'PA+LAT AUC > {view} fold-ensemble AUC'] = count(
            lambda r, v=view: (r['PA+LAT']['ensemble_auc'] or 0) >
            r[v]['ensemble_auc'])
    pooled = {}
    for view in VIEWS:
        ens = [rep['records'][view] for rep in reports.values()]
        med = [rep['fold_records'][view][rows[s][view]['median_fold']]
               for s, rep in reports.items()]
        pooled[f'{view}: fold ensemble vs median fold model'] = \
            _pooled_delong(_unique(ens, reports), _unique(med, reports))
        if all(rep['records'].get('PA+LAT') for rep in reports.values()):
            pairs = [rep['records']['PA+LAT'] for rep in reports.values()]
            views = [_as_pair(rep['records'][view], rep['records']['PA+LAT'])
                     for rep in reports.values()]
            pooled[f'PA+LAT vs {view} (fold ensembles)'] = _pooled_delong(
                _unique(pairs, reports), _unique(views, reports))
    combined = {}
    for view in VIEWS:
        combined[f'{view}: fold ensemble vs median fold model'] = _stouffer(
            [r[view]['delong_ensemble_vs_median_fold'] for r in rows.values()])
        combined[f'PA+LAT vs {view} (fold ensembles)'] = _stouffer(
            [(r['PA+LAT']['delong_vs_views'] or {}).get(view)
             for r in rows.values()])
    levels = {}
    if all(rep['records'].get('PA+LAT') for rep in reports.values()):
        pooled_pairs = [r for rep in reports.values()
                        for r in rep['records']['PA+LAT']]
        levels['PA+LAT'] = level_sensitivities(pooled_pairs, 0.5)
    for view in VIEWS:
        levels[view] = level_sensitivities(
            [r for rep in reports.values() for r in rep['records'][view]],
            0.5)
    return dict(per_seed=rows, summary=summary, checks=checks,
                combined_delong=combined, pooled_delong=pooled,
                levels=levels)


def _stouffer(tests):
    """Combine the seeds' DeLong z (independent test sets) by Stouffer's
    method (``evaluation.functional.stouffer``), in this report's keys."""
    from mmdsa.evaluation.functional import stouffer
    res = stouffer([t['z'] for t in tests if t and math.isfinite(t['z'])])
    return None if res is None else dict(z=res['z'], p_value=res['p'],
                                         seeds=res['k'])


def _unique(record_lists, reports):
    """Prefix series ids with the seed so pooled sets do not collide."""
    out = []
    for seed, recs in zip(reports, record_lists):
        out.append([dict(r, series_id=f's{seed}:{r["series_id"]}')
                    for r in recs])
    return out


def _f(v, digits=3):
    return '-' if v is None or (isinstance(v, float) and math.isnan(v)) \
        else f'{v:.{digits}f}'


def _pm(stat):
    return '-' if stat['mean'] is None else \
        f"{stat['mean']:.3f} ± {stat['std']:.3f}"


def write_report(path, args, s, result, elapsed):
    """REPORT.json and REPORT.md (atomically)."""
    from mmdsa.evaluation.metrics import write_json_atomic
    payload = dict(difficulty=args.difficulty, seeds=args.seeds, scale=s,
                   quick=args.quick, elapsed_min=round(elapsed / 60, 1),
                   trained_this_run=len(TRAINED),
                   **result)
    write_json_atomic(path + '.json', payload)
    sm = result['summary']
    lines = [
        '<!-- Output of `OMP_NUM_THREADS=1 python tools/analysis_tools/'
        f'reproduce_thrombus.py --difficulty {args.difficulty} --seeds '
        f'{" ".join(map(str, args.seeds))}` (2 shared CPU cores). -->',
        '# Thrombus classification: fold ensembles and PA+LAT pairs',
        '',
        f"Synthetic '{args.difficulty}' data, {len(args.seeds)} seeds "
        f"(each its own data set: {s['num_pairs']} PA+LAT pairs, "
        f"{s['image_size']} px, {s['num_frames'][0]}-{s['num_frames'][1]} "
        f"frames; chronologically first {int(s['test_fraction'] * 100)} % "
        f"of the patients = test set, {s['folds']} chronological folds on "
        f"the rest). One tiny ResNet18 + BiGRU per view and fold, "
        f"{s['epochs']} epochs, best validation MCC checkpoint. "
        f"{elapsed / 60:.1f} minutes, {len(TRAINED)} models trained in "
        "this run (the others' test predictions reused from `--work`).",
        '',
        '## Test AUC / MCC, mean ± std over seeds',
        '',
        '| | mean single fold model | fold ensemble (mean of '
        f"{s['folds']}) |",
        '|---|---|---|']
    for view in VIEWS:
        lines.append(
            f"| {view} AUC | {_pm(sm[f'{view}/fold_auc_mean'])} | "
            f"{_pm(sm[f'{view}/ensemble_auc'])} |")
        lines.append(
            f"| {view} MCC | {_pm(sm[f'{view}/fold_mcc_mean'])} | "
            f"{_pm(sm[f'{view}/ensemble_mcc'])} |")
    lines += [f"| PA+LAT AUC | - | {_pm(sm['PA+LAT/ensemble_auc'])} |",
              f"| PA+LAT MCC | - | {_pm(sm['PA+LAT/ensemble_mcc'])} |", '',
              '## Per seed', '',
              '| seed | PA folds AUC | PA ens. AUC | LAT folds AUC | '
              'LAT ens. AUC | PA+LAT AUC | DeLong p ens. vs median fold '
              '(PA / LAT) | DeLong p pair vs PA / LAT |',
              '|---|---|---|---|---|---|---|---|']
    for seed, r in result['per_seed'].items():
        dv = r['PA+LAT'].get('delong_vs_views') or {}
        p_e = ' / '.join(_f((r[v]['delong_ensemble_vs_median_fold'] or {})
                            .get('p_value')) for v in VIEWS)
        p_p = ' / '.join(_f((dv.get(v) or {}).get('p_value'))
                         for v in VIEWS)
        lines.append(
            f"| {seed} | {_f(r['PA']['fold_auc_mean'])} | "
            f"{_f(r['PA']['ensemble_auc'])} | "
            f"{_f(r['LAT']['fold_auc_mean'])} | "
            f"{_f(r['LAT']['ensemble_auc'])} | "
            f"{_f(r['PA+LAT']['ensemble_auc'])} | {p_e} | {p_p} |")
    lines += ['', '## Orderings (seeds where they hold)', '',
              '| ordering | holds |', '|---|---|']
    for k, v in result['checks'].items():
        lines.append(f"| {k} | {v['holds']} of {v['of']} |")
    lines += ['', "## DeLong over seeds (Stouffer's combination of the "
              "per-seed z)", '',
              'Each seed has its own test patients and models, so the '
              "per-seed DeLong z are independent; Stouffer's z = "
              'sum(z) / sqrt(seeds).', '',
              '| comparison | z | p | seeds |', '|---|---|---|---|']
    for k, d in result['combined_delong'].items():
        if d:
            lines.append(f"| {k} | {_f(d['z'], 2)} | "
                         f"{_f(d['p_value'], 4)} | {d['seeds']} |")
    lines += ['', '## DeLong on the pooled test series of all seeds', '',
              "Pooling mixes the seeds' differently calibrated models in "
              'one ranking, which lowers the pooled AUCs below the per-seed '
              'ones; the combination above is the fairer test.', '',
              '| comparison | AUC a | AUC b | z | p | series |',
              '|---|---|---|---|---|---|']
    for k, d in result['pooled_delong'].items():
        if d:
            lines.append(f"| {k} | {_f(d['auc_a'])} | {_f(d['auc_b'])} | "
                         f"{_f(d['z'], 2)} | {_f(d['p_value'], 4)} | "
                         f"{d['num']} |")
    lines += ['', '## Sensitivity per occlusion level (threshold 0.5, '
              'pooled over seeds)', '',
              '| | ' + ' | '.join(OCCLUSION_LEVELS) + ' |',
              '|---|---|---|---|---|---|']
    for key, lv in result['levels'].items():
        cells = []
        for level in OCCLUSION_LEVELS:
            n = lv.get(f'level/{level}/num_pos')
            cells.append('-' if not n else
                         f"{lv[f'level/{level}/sens']:.2f} (n={n})")
        lines.append(f'| {key} | ' + ' | '.join(cells) + ' |')
    lines.append('')
    from mmdsa.utils.fileio import atomic_write
    return atomic_write(path + '.md', '\n'.join(lines))


# ------------------------------------------------------ the claims ledger
# network -> rnn type (tiny ResNet18 backbone for both, random init)
LEDGER_PARTS = {'gru': ('ResNet18+GRU', 'gru'),
                'lstm': ('ResNet18+LSTM', 'lstm')}
# Power: the chronologically first 20 % of the patients are the test set
# (Mittmann et al.), about 150 test pairs per seed (series-AUC standard
# error <= 0.04 at this prevalence); the rest is 5-fold chronological
# cross-validation. (full, quick)
LEDGER_SCALE = dict(
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


def _ledger_scale(quick):
    i = 1 if quick else 0
    return {k: v[i] for k, v in LEDGER_SCALE.items()}


def run_ledger_part(args):
    """Train one network (both views, every fold) per seed; resumable."""
    import json
    from mmdsa.utils.fileio import write_json_atomic
    s = _ledger_scale(args.quick)
    network, rnn = LEDGER_PARTS[args.part]
    work = osp.abspath(args.work)
    from mmdsa.evaluation.claims.parts import load_part_record, part_file
    path = part_file(work, args.part)
    old = load_part_record(path, args.quick)
    t0 = time.time()
    # a run with other seeds adds them to the part
    files = {k: v for k, v in old.get('predictions', {}).items()
             if int(k) not in args.seeds}
    best = dict(old.get('best_val_mcc', {}))
    for seed in args.seeds:
        # the ledger's larger set lives beside the fold-ensemble study's
        data_root, split_file = make_data(work, seed, s, args.difficulty,
                                          'ledger_data')
        for view in VIEWS:
            for fold in range(s['folds']):
                name = f'{args.part}_{view}_fold{fold}'
                wd = osp.join(work, f'seed_{seed}', name)
                pred = osp.join(wd, 'test_predictions.json')
                key = f'{seed}/{view}/{fold}'
                if not osp.isfile(pred):
                    log(f'seed {seed}: train {network} {view} fold {fold}')
                    info = {}
                    train_and_predict(fold_config(
                        s, data_root, split_file, view, fold, seed, wd, pred,
                        rnn), info)
                    best[key] = info.get('best_val_mcc')
                files.setdefault(str(seed), {}).setdefault(view, []).append(
                    osp.relpath(pred, osp.dirname(path)))
    sessions = old.get('sessions', []) + [round((time.time() - t0) / 60, 1)]
    write_json_atomic(path, dict(
        part=args.part, network=network, quick=args.quick,
        seeds=sorted(int(k) for k in files),
        difficulty=args.difficulty, scale=s, budget=dict(
            epochs=s['epochs'], folds=s['folds'],
            checkpoint='best validation MCC'),
        run_min=round(sum(sessions), 1), sessions=sessions,
        best_val_mcc=best, predictions=files))
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


def ledger_report(args):
    import json
    from mmdsa.evaluation.claims import (THROMBUS_CLAIMS, evaluate_ledger,
                                         verdict_counts)
    from mmdsa.utils.fileio import atomic_write, write_json_atomic
    work = osp.abspath(args.work)
    parts = {}
    for part in LEDGER_PARTS:
        path = osp.join(work, 'parts', f'{part}.json')
        if osp.isfile(path):
            with open(path) as f:
                parts[part] = dict(json.load(f), _dir=osp.dirname(path))
    if not parts:
        from mmdsa.utils.cli import ToolError
        raise ToolError(f'--ledger-report: no finished part under '
                        f'{work}/parts (run --part NAME first)')
    seeds = sorted({int(s) for p in parts.values() for s in p['predictions']})
    per_seed = [ledger_seed_tables(parts, s) for s in seeds]
    rep = _perforation_renderer()
    ledger = rep.explain_failures(evaluate_ledger(THROMBUS_CLAIMS, per_seed,
                                                  args.bootstrap))
    counts = verdict_counts(ledger)
    md, analysis = rep.render(
        ledger, {k: dict(v, budget=dict(
            iterations_per_seed={}, key_frame_interval='-',
            batch_size=1, image_size=v['scale']['image_size']))
            for k, v in parts.items()}, {}, counts,
        'Reproduction study on synthetic DSA (thrombus classification)',
        'tools/analysis_tools/reproduce_thrombus.py --ledger-report')
    levels = level_check(parts, per_seed, seeds)
    md += levels['text']
    write_json_atomic(args.report + '.json', dict(
        format='claims-ledger', paper='Mittmann et al., IJCARS 2022, '
        'doi:10.1007/s11548-022-02654-0', seeds=seeds,
        quick=any(p['quick'] for p in parts.values()),
        parts={k: {x: v[x] for x in ('seeds', 'run_min', 'budget', 'quick',
                                     'network')}
               for k, v in parts.items()},
        counts=counts, claims=ledger['claims'],
        level_check=levels['figures']))
    atomic_write(args.report + '.md', md)
    atomic_write(args.report + '_analysis.md', analysis)
    log(f'wrote {args.report}.md: {counts}')
    return 0


#: a level where a network's test AUC reaches this is saturated (its
#: orderings tie at the ceiling); one at or below CHANCE sits at chance
SATURATED, CHANCE = 0.98, 0.6


def level_check(parts, per_seed, seeds):
    """Whether the synthetic level neither saturates nor sits at chance:
    each network's test AUC per view and seed, and the occlusion sites of
    its positive test pairs (the site claim needs proximal and distal)."""
    from mmdsa.evaluation.claims import unit_metric
    figures, lines = {}, []
    for seed, tables in zip(seeds, per_seed):
        for name, table in sorted(tables.items()):
            rows = list(table.values())
            auc = unit_metric(rows, 'auc')
            sites = sorted({str(r.get('site')) for r in rows
                            if r['label'] == 1})
            state = 'saturated' if auc >= SATURATED else \
                'at chance' if auc <= CHANCE else 'informative'
            figures[f'{seed}/{name}'] = dict(auc=auc, state=state,
                                            sites=sites, n=len(rows))
            lines.append(f'| {seed} | {name} | {len(rows)} | {auc:.3f} | '
                         f"{state} | {', '.join(sites)} |")
    levels = sorted({p.get('difficulty', '?') for p in parts.values()})
    text = ['', '## Level check', '',
            f'Synthetic level(s) {levels}: each network\'s test AUC (a '
            f'level is informative when it lies between {CHANCE} and '
            f'{SATURATED}; at the ceiling every ordering ties) and the '
            'occlusion sites of the positive test pairs.', '',
            '| seed | model | test pairs | AUC | state | sites of the '
            'positives |', '|---|---|---|---|---|---|'] + lines + ['']
    return dict(text='\n'.join(text), figures=figures)


def _perforation_renderer():
    """The perforation tool's renderer (one report format for both)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'reproduce', osp.join(osp.dirname(osp.abspath(__file__)),
                              'reproduce.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
        return run_ledger_part(args)
    if args.ledger_report:
        return ledger_report(args)
    i = 1 if args.quick else 0
    s = {k: v[i] for k, v in SCALE.items()}
    t0 = time.time()
    reports = {}
    for seed in args.seeds:
        rep = run_seed(args, s, seed)
        reports[seed] = rep
    result = summarise_seeds(reports)
    path = write_report(args.report, args, s, result, time.time() - t0)
    log(f'wrote {path} and {args.report}.json')
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
