"""Reproduction study of the perforation paper on synthetic DSA (CPU scale).

    python tools/analysis_tools/reproduce.py [--seeds 0 1 2] [--workers 2]
        [--work-dir outputs/reproduce] [--out-dir docs] [--quick]
        [--level temporal] [--controlled-level temporal-controlled]

What it runs (Su et al., papers.md B; the protocol of ``docs/metrics.md``),
per seed, every synthetic set drawn anew from that seed:

- on the benchmark level (``--level``, default ``'temporal'``: mimics that
  look like extravasation in one frame, growing leaks, dense trees):
  single-frame RetinaNet (RN, DR-IoU), RN with DIoU (beta = 0), and RN +
  each temporal neck (TCM, TAM, BiLSTM, BiGRU) at T = 5. Every model has the
  series optimiser, so one test run gives both rows of Table 1 on the same
  detections (one box per frame >= 0.05): the max-score row and "+SO". The
  median ensemble of the four ST+SO models is computed from their series
  scores;
- the controlled check (``--controlled-level``), on the first seed:
  perforations and mimics identical frame by frame, different only in
  how they evolve; RN and the four necks, series AUC from the max frame
  score.

Each model trains once (train split, fixed schedule, last checkpoint) and is
tested on its seed's test split. Results are written as they come
(``WORK/seed_S/<level>/<model>/predictions.json``; a re-run skips finished
models), then summarised: per variant mean +- std over seeds, DeLong p
against RN (the seeds' tests combined by Stouffer's method), the paper's
orderings with whether each holds and its p (DeLong for AUC, paired
bootstrap over series for AR_cin / AUPRC; seeds combined the same way),
into ``OUT/reproduction.md`` and ``OUT/reproduction.json``.

Deviations from the paper, all for the CPU budget (2 cores, <= 90 min): a
fixed train / test split per seed instead of 10-fold cross-validation
(``tools/run_cross_validation.py`` runs the paper's protocol), the tiny
RetinaNet of ``configs/perforation/retinanet_r18-tiny_*`` at 128 px, 8
epochs, every second frame a training key frame, except for the recurrent
necks, which train on every frame (twice the iterations; without it the
randomly initialised BiConvLSTM does not train in this budget). Models train
longest first, two at a time. ``--quick`` runs the same path at toy scale
(minutes; numbers meaningless).
"""
import argparse
import math
import os
import os.path as osp
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from mmengine.config import Config  # noqa: E402

from mmdsa.apis.experiment import (best_or_last_checkpoint,  # noqa: E402
                                   build_datasets, dump_config, log, run_tool,
                                   set_synthetic_data, set_window_frames)
from mmdsa.utils.fileio import atomic_write, write_json_atomic  # noqa: E402

DET_BASE = 'configs/perforation/' \
    'retinanet_r18-tiny_fpn_tcm-t5_dr-iou_so_8e_synthetic-perforation.py'
NECKS = {
    'RN+TCM': dict(type='TemporalConvolution', residual=True),
    'RN+TAM': dict(type='TemporalAttention'),
    'RN+BiLSTM': dict(type='BiConvLSTM'),
    'RN+BiGRU': dict(type='BiConvGRU'),
}
# Training key-frame interval per model where it differs from the scale's:
# the paper's (plain) recurrent necks need every frame as a key frame, twice
# the iterations of the others, to train from random initialisation in this
# budget; at every second frame the BiConvLSTM stays at chance (series AUC
# 0.36). The unequal budget is stated in the output; the single-frame RN at
# the recurrent necks' budget is in docs/reproduction_analysis.md.
KEY_FRAME_INTERVAL = {'RN+BiLSTM': 1, 'RN+BiGRU': 1}
# trained models of the benchmark level: name -> (neck, T, DR-IoU beta)
BENCHMARK = dict({'RN': (None, 1, 0.25), 'RN-DIoU': (None, 1, 0.0)},
                 **{k: (v, 5, 0.25) for k, v in NECKS.items()})
CONTROLLED = ['RN'] + list(NECKS)
CONTROLLED_TARGETS = dict(single_frame_max=0.65, temporal_min=0.85)
KEYS = ('auc', 'sens95', 'youden_sens', 'youden_spec', 'ap50', 'ar50',
        'ap_cin', 'ar_cin', 'auprc')
SCALE = dict(  # (full, quick)
    series=((96, 4, 48), (6, 2, 6)),
    epochs=(8, 1),
    image_size=(128, 64),
    # every 2nd frame a key frame: T = 5 windows of neighbouring key frames
    # overlap in 4 frames, so this halves the iterations (the 90 min budget
    # of 2 cores) while every frame is still seen in every epoch; the
    # exceptions are in KEY_FRAME_INTERVAL
    key_frame_interval=(2, 2),
)
# Su et al. Table 1 / 3 (papers.md B)
PAPER = {
    'RN': dict(auc=0.862, ap_cin=0.88, ar_cin=0.45, auprc=0.50,
               sens95=0.59),
    'RN-DIoU': dict(auc=0.855),
    'RN+SO': dict(auc=0.875),
    'RN+TCM': dict(auc=0.900, ap_cin=0.84, ar_cin=0.60, auprc=0.52,
                   sens95=0.63),
    'RN+TAM': dict(auc=0.904, ap_cin=0.86, ar_cin=0.58, auprc=0.51,
                   sens95=0.63),
    'RN+BiLSTM': dict(auc=0.901, ap_cin=0.83, ar_cin=0.61, auprc=0.59,
                      sens95=0.62),
    'RN+BiGRU': dict(auc=0.900, ap_cin=0.85, ar_cin=0.58, auprc=0.52,
                     sens95=0.64),
    'RN+TCM+SO': dict(auc=0.906, ap_cin=0.82, ar_cin=0.69, auprc=0.63,
                      sens95=0.67),
    'RN+TAM+SO': dict(auc=0.911, ap_cin=0.84, ar_cin=0.69, auprc=0.63,
                      sens95=0.69),
    'RN+BiLSTM+SO': dict(auc=0.909, ap_cin=0.83, ar_cin=0.70, auprc=0.67,
                         sens95=0.67),
    'RN+BiGRU+SO': dict(auc=0.905, ap_cin=0.83, ar_cin=0.66, auprc=0.63,
                        sens95=0.66),
    'median ensemble': dict(auc=0.929, sens95=0.70),
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--workers', type=int, default=2,
                   help='models trained at the same time (one thread each)')
    p.add_argument('--work-dir', default='outputs/reproduce')
    p.add_argument('--out-dir', default='docs',
                   help='where reproduction.md / .json are written')
    p.add_argument('--level', default='temporal')
    p.add_argument('--controlled-level', default='temporal-controlled')
    p.add_argument('--skip-controlled', action='store_true')
    p.add_argument('--only', choices=['benchmark', 'controlled'],
                   help='run one part only')
    p.add_argument('--models', nargs='+',
                   help=f'run only these models (of {sorted(BENCHMARK)})')
    p.add_argument('--quick', action='store_true')
    p.add_argument('--key-frame-interval', type=int,
                   help='every N-th frame a training key frame, for every '
                   'model (default: 2, and 1 for the recurrent necks; 1 '
                   'doubles the iterations)')
    p.add_argument('--bootstrap', type=int, default=1000,
                   help='paired bootstrap resamples per comparison')
    # a study / work folder of its own: reruns replace (resume) its
    # own earlier results there
    from mmdsa.utils.fileio import allow_overwrite
    allow_overwrite()
    args = p.parse_args(argv)
    if args.key_frame_interval is not None and args.key_frame_interval < 1:
        p.error('--key-frame-interval: expected >= 1, got '
                f'{args.key_frame_interval}')
    if args.workers < 1:
        p.error(f'--workers: expected >= 1, got {args.workers}')
    if len(set(args.seeds)) != len(args.seeds):
        p.error(f'--seeds: expected distinct seeds, got {args.seeds}')
    unknown = sorted(set(args.models or []) - set(BENCHMARK))
    if unknown:
        p.error(f'--models: expected names of {sorted(BENCHMARK)}, got '
                f'{unknown}')
    if args.only == 'benchmark':
        args.skip_controlled = True
    return args


def _scale(args):
    """The study's scale; ``key_frame_interval`` is per model."""
    i = 1 if args.quick else 0
    s = {k: v[i] for k, v in SCALE.items()}
    s['key_frame_interval'] = {
        name: args.key_frame_interval or KEY_FRAME_INTERVAL.get(
            name, s['key_frame_interval']) for name in BENCHMARK}
    return s


def model_config(name, neck, frames, beta, data_root, level, seed, s):
    """The derived config of one model (train and test splits only)."""
    cfg = Config.fromfile(osp.join(ROOT, DET_BASE))
    train, _, test = s['series']
    set_synthetic_data(cfg, data_root, dict(train=train, val=2, test=test),
                       seed, s['image_size'])
    for split in ('train', 'test'):
        cfg[f'{split}_dataloader'].dataset.synthetic['difficulty'] = level
    cfg.train_dataloader.dataset.key_frame_interval = \
        s['key_frame_interval'][name]
    # fixed schedule, no validation, the last checkpoint is tested
    cfg.val_dataloader = None
    cfg.val_evaluator = None
    cfg.val_cfg = None
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=s['epochs'],
                         val_interval=s['epochs'] + 1)
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
             end=50),
        dict(type='CosineAnnealingLR', eta_min=1e-5, begin=0,
             end=s['epochs'], T_max=s['epochs'], by_epoch=True,
             convert_to_iter_based=True)
    ]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook',
                                        interval=s['epochs'], max_keep_ckpts=1)
    cfg.randomness = dict(seed=seed)
    fpn = cfg.model.detector.neck
    if neck is None:
        cfg.model.temporal_neck = None
    else:
        cfg.model.temporal_neck = dict(neck, in_channels=fpn.out_channels,
                                       num_levels=fpn.num_outs)
    set_window_frames(cfg, frames)
    cfg.model.detector.bbox_head.loss_bbox.beta = beta
    cfg.model.series_post_processor = dict(type='TrajectoryOptimizer')
    cfg.test_evaluator = dict(type='SeriesDetectionMetric',
                              model_name=f'{name} seed {seed} {level}')
    return cfg


def jobs_of_seed(args, s, seed):
    """(name, level, config path, work dir) of every model of a seed."""
    work = osp.abspath(osp.join(args.work_dir, f'seed_{seed}'))
    plan = [] if args.only == 'controlled' else [
        (args.level, n, *BENCHMARK[n]) for n in BENCHMARK]
    if not args.skip_controlled and seed == args.seeds[0]:
        # the controlled check is a pass / fail check per neck: one seed
        plan += [(args.controlled_level, n, *BENCHMARK[n])
                 for n in CONTROLLED]
    if args.models:
        plan = [p for p in plan if p[1] in args.models]
    jobs = []
    for level, name, neck, frames, beta in plan:
        data_root = osp.join(work, 'data', level)
        wdir = osp.join(work, level, name.replace('+', '_'))
        cfg = model_config(name, neck, frames, beta, data_root, level, seed,
                           s)
        cfg.test_evaluator.prediction_file = osp.join(wdir,
                                                      'predictions.json')
        path = dump_config(cfg, osp.join(wdir, 'config.py'))
        jobs.append(dict(seed=seed, level=level, name=name, config=path,
                         work_dir=wdir, frames=frames,
                         key_frame_interval=s['key_frame_interval'][name],
                         predictions=osp.join(wdir, 'predictions.json')))
    return jobs


def longest_first(jobs):
    """The jobs in the order that ends a pool of workers soonest: the
    most frames per iteration times iterations first (stable within)."""
    return sorted(jobs, key=lambda j: -j['frames'] / j['key_frame_interval'])


def run_job(job):
    """Train and test one model unless its predictions exist."""
    if osp.isfile(job['predictions']):
        log(f"seed {job['seed']} {job['level']} {job['name']}: done before")
        return job
    t0 = time.time()
    # the study's own job folder: a rerun replaces its earlier files
    run_tool(['train.py', job['config'], '--work-dir',
              job['work_dir'], '--overwrite'])
    ckpt = best_or_last_checkpoint(job['work_dir'])
    run_tool(['test.py', job['config'], ckpt, '--work-dir',
              osp.join(job['work_dir'], 'test'), '--overwrite'])
    log(f"seed {job['seed']} {job['level']} {job['name']}: "
        f'{(time.time() - t0) / 60:.1f} min')
    return job


# ---------------------------------------------------------------- analysis
def job_span(job):
    """(start, end) of a finished model in seconds since the epoch: the
    time stamp of its first training run folder (MMEngine names it
    ``YYYYmmdd_HHMMSS``) and the time its predictions were written; None
    when it cannot be read."""
    runs = sorted(d for d in os.listdir(job['work_dir'])
                  if len(d) == 15 and d[8] == '_' and d.replace('_', '')
                  .isdigit()) if osp.isdir(job['work_dir']) else []
    if not runs or not osp.isfile(job['predictions']):
        return None
    start = time.mktime(time.strptime(runs[0], '%Y%m%d_%H%M%S'))
    return start, osp.getmtime(job['predictions'])


def study_timing(jobs, generation=None):
    """Minutes per model, the models' wall time (first model start to
    last model end) and, given the ``(start, end)`` of generating the
    synthetic sets, that time and the study's total (generation start to
    last model end), from the files the runs left; re-runs that only
    re-analyse finished models therefore report the study's own time."""
    spans = {f"seed {j['seed']} {j['level']} {j['name']}": job_span(j)
             for j in jobs}
    known = [v for v in spans.values() if v is not None]
    minutes = {k: round((v[1] - v[0]) / 60, 1)
               for k, v in spans.items() if v is not None}
    last = max((e for _, e in known), default=None)
    return dict(
        minutes_per_model=minutes,
        model_min_total=round(sum(minutes.values()), 1),
        wall_min=round((last - min(s for s, _ in known)) / 60, 1)
        if known else None,
        generation_min=round((generation[1] - generation[0]) / 60, 1)
        if generation else None,
        total_min=round((last - generation[0]) / 60, 1)
        if generation and known else None)


def generation_span(work_dir, start, end):
    """``(start, end)`` of the first generation of the study's synthetic
    sets, kept in ``WORK/generation.json``: a re-run finds the sets cached
    and keeps the first run's times."""
    import json
    path = osp.join(work_dir, 'generation.json')
    if not osp.isfile(path):
        write_json_atomic(path, dict(start=start, end=end))
    with open(path) as f:
        data = json.load(f)
    return data['start'], data['end']


def _load(job):
    from mmdsa.evaluation.metrics import load_prediction_file
    return load_prediction_file(job['predictions'])


def seed_results(jobs, level):
    """Metrics, tables and scores of every row of one seed and level."""
    from mmdsa.evaluation.cross_validation import (prediction_metrics,
                                                   scored_series,
                                                   series_tables)
    rows, tables = {}, {}
    for job in jobs:
        if job['level'] != level:
            continue
        data = _load(job)
        m = prediction_metrics(data)
        name = job['name']
        rows[name] = {k: m['max_score/' + k] for k in KEYS}
        tables[name] = series_tables(scored_series(data, 'max_score'))
        if name != 'RN-DIoU':
            rows[name + '+SO'] = {k: m[k] for k in KEYS}
            tables[name + '+SO'] = series_tables(scored_series(data))
    members = [f'{n}+SO' for n in NECKS if f'{n}+SO' in tables]
    if len(members) == len(NECKS):
        ens = [dict(t, score=float(np.median([tables[m][i]['score']
                                              for m in members])))
               for i, t in enumerate(tables[members[0]])]
        tables['median ensemble'] = ens
        from mmdsa.evaluation.cross_validation import table_metric
        rows['median ensemble'] = {k: table_metric(ens, k)
                                   for k in ('auc', 'sens95')}
    return rows, tables


def _delong(tables, a, b):
    """(z, p) of DeLong's test of rows ``a`` and ``b`` (NaN when
    undefined, e.g. one class)."""
    from mmdsa.evaluation.cross_validation import delong_between
    ta = {str(i): (t['label'], t['score']) for i, t in enumerate(tables[a])}
    tb = {str(i): (t['label'], t['score']) for i, t in enumerate(tables[b])}
    try:
        res = delong_between(ta, tb)
    except ValueError:
        return math.nan, math.nan
    return res['z'], res['p']


def orderings_of_seed(tables, n_boot, seed):
    """Per ordering of the paper, for one seed: ``a`` / ``b`` (the two
    values), the test's signed ``z`` (positive when A > B) and two-sided
    ``p``, and ``ge`` (the ordering is A >= B rather than A > B)."""
    from mmdsa.evaluation.cross_validation import (paired_bootstrap,
                                                   table_metric)
    from mmdsa.evaluation.functional import z_from_two_sided_p
    out = {}

    def auc_order(a, b, ge=False, label=None):
        if a in tables and b in tables:
            z, p = _delong(tables, a, b)
            label = label or f"{a} AUC {'>=' if ge else '>'} {b} AUC"
            out[label] = dict(
                a=table_metric(tables[a], 'auc'),
                b=table_metric(tables[b], 'auc'), z=z, p=p, ge=ge)

    for neck in NECKS:
        auc_order(neck, 'RN')
    for neck in NECKS:
        for key in ('ar_cin', 'auprc'):
            a, b = f'{neck}+SO', neck
            if a in tables and b in tables:
                res = paired_bootstrap(tables[a], tables[b], key, n_boot,
                                       seed)
                out[f'{a} {key} > {b} {key}'] = dict(
                    a=table_metric(tables[a], key),
                    b=table_metric(tables[b], key),
                    z=z_from_two_sided_p(res['p'], res['diff'],
                                         res['n_valid']),
                    p=res['p'], ge=False)
    auc_order('RN', 'RN-DIoU', ge=True)
    if 'median ensemble' in tables:
        best = max((m for m in tables if m.endswith('+SO') and m != 'RN+SO'),
                   key=lambda m: table_metric(tables[m], 'auc'))
        auc_order('median ensemble', best, ge=True,
                  label='median ensemble AUC >= best member AUC')
    return out


def summarise(per_seed_rows):
    """Per row: mean / std / n of every key over seeds."""
    from mmdsa.evaluation.cross_validation import mean_std
    names = sorted({n for rows in per_seed_rows for n in rows},
                   key=_row_order)
    return {n: mean_std([rows[n] for rows in per_seed_rows if n in rows])
            for n in names}


def _row_order(name):
    order = ['RN-DIoU', 'RN', 'RN+SO'] + [
        x for n in NECKS for x in (n, n + '+SO')] + ['median ensemble']
    return order.index(name) if name in order else len(order)


def combine_orderings(per_seed):
    """An ordering holds when it holds on the mean over seeds. Its ``p``
    combines the seeds' independent tests (Stouffer's z over the seeds
    where the test is defined, two-sided); ``p_median`` and ``p_per_seed``
    are kept beside it."""
    from mmdsa.evaluation.functional import stouffer
    out = []
    for key in per_seed[0]:
        vals = [o[key] for o in per_seed if key in o]
        a = float(np.nanmean([v['a'] for v in vals]))
        b = float(np.nanmean([v['b'] for v in vals]))
        ge = vals[0]['ge']
        ps = [v['p'] for v in vals if not math.isnan(v['p'])]
        comb = stouffer([v['z'] for v in vals])
        out.append(dict(ordering=key, holds=bool(a >= b if ge else a > b),
                        a=a, b=b, p=comb['p'] if comb else None,
                        z=comb['z'] if comb else None,
                        p_median=float(np.median(ps)) if ps else None,
                        p_per_seed=[v['p'] for v in vals]))
    return out


def combine_vs_rn(per_row):
    """Row name -> the two-sided p of its seeds' DeLong tests against RN,
    combined by Stouffer's method (NaN when no seed's test is defined)."""
    from mmdsa.evaluation.functional import stouffer
    out = {}
    for name, tests in per_row.items():
        comb = stouffer([z for z, _ in tests])
        out[name] = comb['p'] if comb else math.nan
    return out


def _p(p):
    return '-' if p is None or math.isnan(p) else f'{p:.3g}'


def _fmt(ms, key):
    v = ms.get(key)
    if not v or v['n'] == 0 or math.isnan(v['mean']):
        return '-'
    return f"{v['mean']:.3f} ± {v['std']:.3f}" if v['n'] > 1 \
        else f"{v['mean']:.3f}"


def _intervals(s):
    """'2nd frame (RN, ...), frame (RN+BiGRU, ...)': the key-frame
    interval of each model, grouped."""
    groups = {}
    for name, k in s['key_frame_interval'].items():
        groups.setdefault(k, []).append(name)
    word = {1: 'frame', 2: '2nd frame', 3: '3rd frame'}
    return ', '.join(f"{word.get(k, f'{k}th frame')} ({', '.join(v)})"
                     for k, v in sorted(groups.items(), reverse=True))


def write_roc_figures(out_dir, per_seed_tables, seeds):
    """One ROC picture per seed (``reproduction_roc_seed_S.png``): RN and
    the four necks under the max-score rule; returns the file names."""
    from mmdsa.visualization import plot_roc_curves
    os.makedirs(out_dir, exist_ok=True)
    names = []
    for seed, tables in zip(seeds, per_seed_tables):
        curves = {n: ([t['label'] for t in tables[n]],
                      [t['score'] for t in tables[n]])
                  for n in ['RN'] + list(NECKS) if n in tables}
        if not curves:
            continue
        name = f'reproduction_roc_seed_{seed}.png'
        plot_roc_curves(curves, osp.join(out_dir, name),
                        title=f'series ROC, max-score rule, seed {seed}')
        names.append(name)
    return names


def write_outputs(args, s, summary, delong_rn, orderings, controlled,
                  timing, n_seeds, figures=()):
    os.makedirs(args.out_dir, exist_ok=True)
    payload = dict(
        level=args.level, controlled_level=args.controlled_level,
        seeds=args.seeds, scale=s, quick=args.quick,
        study_total_min=timing['total_min'],
        generation_min=timing['generation_min'],
        study_wall_min=timing['wall_min'],
        model_min_total=timing['model_min_total'],
        minutes_per_model=timing['minutes_per_model'], variants=summary,
        delong_vs_rn=delong_rn, orderings=orderings,
        controlled={k: v['auc']['mean'] for k, v in controlled.items()},
        controlled_detail=controlled, controlled_targets=CONTROLLED_TARGETS,
        paper=PAPER)
    write_json_atomic(osp.join(args.out_dir, 'reproduction.json'), payload)
    lines = [
        '<!-- Written by `python tools/analysis_tools/reproduce.py` '
        f'({time.strftime("%Y-%m-%d")}; the study took '
        f"{timing['total_min']} min on this machine, from generating the "
        "synthetic sets to the last model's end). -->",
        '# Reproduction study on synthetic DSA (perforation detection)', '',
        f"Level `{args.level}` (controlled check: "
        f"`{args.controlled_level}`), seeds {args.seeds}, every synthetic "
        f"set drawn anew per seed; {s['series'][0]} training and "
        f"{s['series'][2]} test series per seed, {s['image_size']} px, "
        f"{s['epochs']} epochs, tiny RetinaNet (CPU scale), training key "
        f'frames every {_intervals(s)}. Metrics as in '
        '`docs/metrics.md`: series level, AP / AR at the series Youden '
        'point, step-wise AUPRC; each model tested once with the max-score '
        'rule and once with SO on the same detections. Mean ± std over '
        f'{n_seeds} seeds; p = DeLong against RN, the seeds\' tests '
        "combined by Stouffer's method (two-sided). "
        'Synthetic data: absolute numbers are not comparable with the '
        "paper's; the orderings are what is checked.", '',
        '## Table 1 on synthetic data', '',
        '| method | AUC | p vs RN | sens95 | AP_cin | AR_cin | AUPRC | '
        'AP50 | AR50 | paper AUC | paper AP_cin | paper AR_cin | '
        'paper AUPRC |', '|' + '---|' * 13]
    for name, ms in summary.items():
        paper = PAPER.get(name, {})
        lines.append('| ' + ' | '.join(
            [name, _fmt(ms, 'auc'), _p(delong_rn.get(name))] +
            [_fmt(ms, k) for k in ('sens95', 'ap_cin', 'ar_cin', 'auprc',
                                   'ap50', 'ar50')] +
            [f'{paper[k]:.3f}' if k in paper else '-'
             for k in ('auc', 'ap_cin', 'ar_cin', 'auprc')]) + ' |')
    lines += ['', '## The paper\'s orderings', '',
              '| ordering | mean A | mean B | holds | p (seeds combined) | '
              'p per seed |', '|---|---|---|---|---|---|']
    for o in orderings:
        per_seed = ' / '.join(_p(v) for v in o['p_per_seed'])
        lines.append(f"| {o['ordering']} | {o['a']:.3f} | {o['b']:.3f} | "
                     f"{'yes' if o['holds'] else 'no'} | {_p(o['p'])} | "
                     f'{per_seed} |')
    lines += ['', 'p: per seed, DeLong (AUC orderings) or a paired '
              f'bootstrap over series ({args.bootstrap} resamples; AR_cin / '
              'AUPRC), two sided; the seeds\' test sets are independent, so '
              "their signed z are combined by Stouffer's method (a bootstrap "
              'p of 0 is taken as 1 / (resamples + 1)). An ordering holds '
              'when it holds on the seed means.', '']
    if controlled:
        lines += ['## Controlled temporal check', '',
                  f"Level `{args.controlled_level}`: perforations and mimics "
                  'identical frame by frame; only their evolution differs. '
                  f"Targets: single-frame RN AUC <= "
                  f"{CONTROLLED_TARGETS['single_frame_max']}, every temporal "
                  f"neck >= {CONTROLLED_TARGETS['temporal_min']}.", '',
                  '| model | series AUC (max score) | target met |',
                  '|---|---|---|']
        for name, ms in controlled.items():
            mean = ms['auc']['mean']
            ok = mean <= CONTROLLED_TARGETS['single_frame_max'] \
                if name == 'RN' else mean >= CONTROLLED_TARGETS['temporal_min']
            lines.append(f"| {name} | {_fmt(ms, 'auc')} | "
                         f"{'yes' if ok else 'no'} |")
        lines.append('')
    if timing['minutes_per_model']:
        lines += ['## Run time', '',
                  f"{timing['total_min']} min in all: "
                  f"{timing['generation_min']} min generating the synthetic "
                  f"sets, then {timing['wall_min']} min from the first "
                  f"model's start to the last model's end, {args.workers} "
                  'models training '
                  'side by side (one thread each); the models took '
                  f"{timing['model_min_total']} min together. Minutes per "
                  'model (training + test; they depend on what else ran on '
                  'the machine):', '',
                  '| model | minutes |', '|---|---|']
        lines += [f'| {k} | {v} |'
                  for k, v in timing['minutes_per_model'].items()]
        lines.append('')
    if figures:
        lines += ['## ROC curves', '',
                  'Series ROC of RN and the four necks (max-score rule) on '
                  "each seed's test split:", '']
        lines += [f'![{name}]({name})' for name in figures]
        lines.append('')
    analysis = osp.join(args.out_dir, 'reproduction_analysis.md')
    if osp.isfile(analysis):
        lines += ['## What the results mean', '',
                  'Why orderings that do not hold fail, and the controlled '
                  'checks behind that: '
                  '[`reproduction_analysis.md`](reproduction_analysis.md).',
                  '']
    thrombus = osp.join(args.out_dir, 'reproduction_thrombus.md')
    if osp.isfile(thrombus):
        lines += ['## Thrombus classification', '',
                  'See `docs/reproduction_thrombus.md` '
                  '(`tools/analysis_tools/reproduce_thrombus.py`).', '']
    path = osp.join(args.out_dir, 'reproduction.md')
    atomic_write(path, '\n'.join(lines) + '\n')
    return path


def main(argv=None):
    args = parse_args(argv)
    s = _scale(args)
    t0 = time.time()
    jobs = []
    gen_start = time.time()
    for seed in args.seeds:
        seed_jobs = jobs_of_seed(args, s, seed)
        # generate each synthetic set once, before models train in parallel
        for level in {j['level'] for j in seed_jobs}:
            first = next(j for j in seed_jobs if j['level'] == level)
            log(f'seed {seed}: synthetic level {level!r}: '
                f"{build_datasets(first['config'], ('train', 'test'))}")
        jobs += seed_jobs
    generation = generation_span(args.work_dir, gen_start, time.time())
    log(f'{len(jobs)} models to train and test, {args.workers} at a time')
    with ThreadPoolExecutor(args.workers) as pool:
        list(pool.map(run_job, longest_first(jobs)))
    per_seed_rows, per_seed_orders, delong = [], [], {}
    ctrl_rows, per_seed_tables = [], []
    for seed in args.seeds:
        mine = [j for j in jobs if j['seed'] == seed]
        rows, tables = seed_results(mine, args.level)
        per_seed_rows.append(rows)
        per_seed_tables.append(tables)
        per_seed_orders.append(orderings_of_seed(tables, args.bootstrap,
                                                 seed))
        for name in tables:
            if name != 'RN':
                delong.setdefault(name, []).append(_delong(tables, name,
                                                           'RN'))
        if any(j['level'] == args.controlled_level for j in mine):
            crow, _ = seed_results(mine, args.controlled_level)
            ctrl_rows.append({k: v for k, v in crow.items()
                              if k in CONTROLLED})
    summary = summarise(per_seed_rows)
    delong_rn = combine_vs_rn(delong)
    controlled = summarise(ctrl_rows) if ctrl_rows else {}
    path = write_outputs(args, s, summary, delong_rn,
                         combine_orderings(per_seed_orders), controlled,
                         study_timing(jobs, generation),
                         len(args.seeds),
                         write_roc_figures(args.out_dir, per_seed_tables,
                                           args.seeds))
    log(f'wrote {path} ({(time.time() - t0) / 60:.1f} min)')
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
