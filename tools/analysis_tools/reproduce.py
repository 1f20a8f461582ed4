"""Reproduction study of the perforation paper on synthetic DSA, part by part.

    python tools/analysis_tools/reproduce.py --part NAME [--seeds 0 1 2]
        [--workers 2] [--work-dir outputs/reproduce] [--quick]
    python tools/analysis_tools/reproduce.py --report [--out-dir docs]
    python tools/analysis_tools/reproduce.py --estimate

Su et al., Medical Image Analysis 2022 (doi:10.1016/j.media.2022.102377).
Every claim of the paper is a row of the claims ledger
(``mmdsa.evaluation.claims.perforation``); each part trains only the models
its claims need, and ``--report`` tests the ledger on what the parts left
(``mmdsa.evaluation.claims.evaluate_ledger``) and writes
``OUT/reproduction.md`` / ``.json`` and ``OUT/reproduction_analysis.md``.

Parts (``--part``):

- ``table1``: RN, and RN with the plain TCM (no residual) and TAM at
  T = 5;
- ``table1_rcnn``: Faster R-CNN and Cascade R-CNN (tiny, single frame;
  Table 1's baselines, a part of their own: their two stages cost 2x and
  4x RN's time per iteration);
- ``table1_recurrent``: RN with the plain BiConvLSTM and BiConvGRU at
  T = 5 (Table 1's other rows; a part of its own to fit 80 minutes);
- ``frames``: the four necks at T = 3 (T = 5 is ``table1``'s, T = 1 its
  RN);
- ``ablation``: RN with the DIoU loss (DR-IoU beta = 0);
- ``learning_curve``: RN+TCM on 25 % and 50 % of the training series
  (100 % is ``table1``'s), the same test series;
- ``controlled``: RN and the four necks on the controlled level (the
  temporal check: perforations and mimics visible in the same number of
  frames, differing only in how they evolve), first seed only, at a
  longer schedule for every model (``controlled_epochs``).

Equal budget: within the whole study every model trains the same number of
iterations (``ITERS`` per key frame of the full training set: epochs x
key frames / batch, fixed per seed) at the same key-frame interval, so
every comparison of the ledger is at equal budget (the controlled check,
a comparison of its own on its own level, trains all its models longer);
the learning curve's
smaller sets train the same iterations (more epochs). Every model carries
SO, so one test gives both rows (max score and +SO) on the same
detections. The committed seeds draw their own synthetic sets; the test
split (``SCALE['series']``) is large enough for a series-AUC standard error
of about 0.04 per seed.

A part is resumable: a model whose predictions exist is not trained again;
the part writes ``WORK/parts/NAME.json`` (its models' prediction files per
seed, its run time and budget) when it ends. ``--quick`` runs the same
path at toy scale (numbers meaningless; its JSON says ``quick``).
"""
import argparse
import copy
import hashlib
import json
import math
import os
import os.path as osp
import sys
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from mmengine.config import Config  # noqa: E402

from mmdsa.apis.experiment import (best_or_last_checkpoint,  # noqa: E402
                                   build_datasets, dump_config, log, run_tool,
                                   set_synthetic_data, set_window_frames)
from mmdsa.evaluation.claims.parts import (begin_session,  # noqa: E402
                                          end_session, load_part_record,
                                          load_parts, part_file)
from mmdsa.utils.fileio import atomic_write, write_json_atomic  # noqa: E402

DET_BASE = 'configs/perforation/' \
    'retinanet_r18-tiny_fpn_tcm-t5_dr-iou_so_8e_synthetic-perforation.py'
RCNN_BASE = 'configs/_base_/models/{}_r50_fpn_perforation.py'
# the paper's plain modules (a residual TCM would be a labelled extra)
NECKS = {
    'RN+TCM': dict(type='TemporalConvolution', residual=False),
    'RN+TAM': dict(type='TemporalAttention'),
    # the recurrent necks with a normalised projection: the plain form
    # passes 0.10 (LSTM) / 0.17 (GRU) of the feature scale to the head at
    # initialisation and the plain BiConvLSTM did not learn at this budget
    # (training-series AUC 0.47 on the controlled level; BiConvGRU's
    # norm_cfg docstring)
    # (8 groups: 4 of the tiny FPN's 32 channels each, so that a group of
    # the 1 x 1 top level still holds several values in training)
    'RN+BiLSTM': dict(type='BiConvLSTM', norm_cfg=dict(type='GN',
                                                       num_groups=8)),
    'RN+BiGRU': dict(type='BiConvGRU', norm_cfg=dict(type='GN',
                                                     num_groups=8)),
}
# model -> (detector, neck, T, DR-IoU beta, percent of training series)
MODELS = dict(
    {'Faster R-CNN': ('faster-rcnn', None, 1, 0.25, 100),
     'Cascade R-CNN': ('cascade-rcnn', None, 1, 0.25, 100),
     'RN': ('retinanet', None, 1, 0.25, 100),
     'RN-DIoU': ('retinanet', None, 1, 0.0, 100)},
    **{n: ('retinanet', n, 5, 0.25, 100) for n in NECKS},
    **{f'{n} T=3': ('retinanet', n, 3, 0.25, 100) for n in NECKS},
    **{f'RN+TCM@{p}%': ('retinanet', 'RN+TCM', 5, 0.25, p)
       for p in (25, 50)})
PARTS = {
    'table1': ['RN', 'RN+TCM', 'RN+TAM'],
    'table1_rcnn': ['Faster R-CNN', 'Cascade R-CNN'],
    'table1_recurrent': ['RN+BiLSTM', 'RN+BiGRU'],
    'frames': [f'{n} T=3' for n in NECKS],
    'ablation': ['RN-DIoU'],
    'learning_curve': ['RN+TCM@25%', 'RN+TCM@50%'],
    'controlled': ['RN'] + list(NECKS),
}
SCALE = dict(  # (full, quick)
    series=((96, 4, 200), (6, 2, 6)),
    epochs=(8, 1),
    # the controlled part, a comparison of its own: a longer schedule for
    # every model there (at 8 epochs BiConvLSTM fitted its training series
    # but did not generalise, TCM did not fit them: 0.811)
    controlled_epochs=(16, 1),
    image_size=(128, 64),
    key_frame_interval=(2, 2),
)
BATCH = 2
# Minutes per model on 2 idle cores (two models side by side, one thread
# each) at the full scale, from the last full study (8 epochs, every 2nd
# frame, 96 train / 48 test series): RN 2.4, RN+TCM 4.1, RN+TAM 4.5, the
# recurrent necks 5.5-6.5 at every 2nd frame (11-13 at every frame).
# Training is about 80 % of a model's time; testing scales with the test
# series (48 -> 200, x4.2). The R-CNNs, measured side by side with RN
# (seconds per iteration, 2026-12-03): Faster R-CNN 2x, Cascade R-CNN 4x.
RCNN_COST = {'faster-rcnn': 2.0, 'cascade-rcnn': 4.0}
MINUTES_48 = {'retinanet': {1: 2.4, 3: 3.5, 5: 4.5},
              'rnn': {1: 2.4, 3: 4.5, 5: 6.5}}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument('--part', choices=sorted(PARTS))
    what.add_argument('--report', action='store_true',
                      help='test the ledger on the finished parts')
    what.add_argument('--estimate', action='store_true',
                      help='print each part\'s estimated minutes')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--workers', type=int, default=2,
                   help='models trained at the same time (one thread each)')
    p.add_argument('--work-dir', default='outputs/reproduce')
    p.add_argument('--out-dir', default='docs',
                   help='where --report writes reproduction*.md / .json')
    p.add_argument('--level', default='temporal')
    p.add_argument('--controlled-level', default='temporal-controlled')
    p.add_argument('--quick', action='store_true')
    p.add_argument('--bootstrap', type=int, default=1000,
                   help='paired bootstrap resamples per comparison and seed')
    # a study / work folder of its own: reruns replace (resume) its
    # own earlier results there
    from mmdsa.utils.fileio import allow_overwrite
    allow_overwrite()
    args = p.parse_args(argv)
    if args.workers < 1:
        p.error(f'--workers: expected >= 1, got {args.workers}')
    if len(set(args.seeds)) != len(args.seeds):
        p.error(f'--seeds: expected distinct seeds, got {args.seeds}')
    return args


def scale(quick):
    i = 1 if quick else 0
    return {k: v[i] for k, v in SCALE.items()}


def tiny_rcnn(kind):
    """The tiny R-CNN (``'faster-rcnn'`` / ``'cascade-rcnn'``) of the
    CPU-scale study: the perforation R-CNN base (one class, DR-IoU, one
    box per image) with the tiny RetinaNet's ResNet-18 layout (16 base
    channels) and a 32-channel FPN, anchors from 16 px at stride 4."""
    model = Config.fromfile(osp.join(ROOT, RCNN_BASE.format(kind))).model
    det = model.detector
    det.backbone.update(depth=18, base_channels=16, out_indices=(0, 1, 2, 3),
                        norm_cfg=dict(type='BN', requires_grad=True),
                        norm_eval=False, init_cfg=None)
    det.neck.update(in_channels=[16, 32, 64, 128], out_channels=32)
    det.rpn_head.update(in_channels=32, feat_channels=32)
    det.rpn_head.anchor_generator.scales = [4]
    det.roi_head.bbox_roi_extractor.out_channels = 32
    heads = det.roi_head.bbox_head
    for head in heads if isinstance(heads, list) else [heads]:
        head.update(in_channels=32, fc_out_channels=128)
    det.test_cfg.rpn.update(nms_pre=200, max_per_img=100)
    return model


def model_config(name, data_root, level, seed, s, iters=None,
                 test_root=None):
    """The derived config of one model (train and test splits only).

    Args:
        name (str): a key of :data:`MODELS`.
        data_root (str): folder of the seed's synthetic sets.
        level (str): the generator's difficulty level.
        seed (int): the seed (data and training).
        s (dict): :func:`scale`.
        iters (int | None): training iterations (equal for every model of
            a seed); None: ``s['epochs']`` epochs.
        test_root (str | None): the test split's folder when the training
            set is a subset elsewhere (learning curve).
    """
    kind, neck, frames, beta, percent = MODELS[name]
    cfg = Config.fromfile(osp.join(ROOT, DET_BASE))
    train, _, test = s['series']
    set_synthetic_data(cfg, data_root,
                       dict(train=max(2, train * percent // 100), val=2,
                            test=test), seed, s['image_size'])
    if test_root is not None:
        cfg.test_dataloader.dataset.data_root = test_root
    for split in ('train', 'test'):
        cfg[f'{split}_dataloader'].dataset.synthetic['difficulty'] = level
    cfg.train_dataloader.dataset.key_frame_interval = s['key_frame_interval']
    cfg.val_dataloader = cfg.val_evaluator = cfg.val_cfg = None
    if iters is None:
        cfg.train_cfg = dict(type='EpochBasedTrainLoop',
                             max_epochs=s['epochs'],
                             val_interval=s['epochs'] + 1)
        end = dict(end=s['epochs'], T_max=s['epochs'], by_epoch=True,
                   convert_to_iter_based=True)
        ckpt = dict(interval=s['epochs'])
    else:
        cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters,
                             val_interval=iters + 1)
        end = dict(end=iters, T_max=iters, by_epoch=False)
        ckpt = dict(interval=iters, by_epoch=False)
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
             end=50),
        dict(type='CosineAnnealingLR', eta_min=1e-5, begin=0, **end)
    ]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook',
                                        max_keep_ckpts=1, **ckpt)
    cfg.randomness = dict(seed=seed)
    if kind != 'retinanet':
        cfg.model = tiny_rcnn(kind)
    fpn = cfg.model.detector.neck
    cfg.model.temporal_neck = None if neck is None else dict(
        NECKS[neck], in_channels=fpn.out_channels, num_levels=fpn.num_outs)
    set_window_frames(cfg, frames)
    if kind == 'retinanet':
        cfg.model.detector.bbox_head.loss_bbox.beta = beta
    cfg.model.series_post_processor = dict(type='TrajectoryOptimizer')
    cfg.test_evaluator = dict(type='SeriesDetectionMetric',
                              model_name=f'{name} seed {seed} {level}')
    return cfg


def part_epochs(part, s):
    """Passes over the full training set's key frames of a part's models
    (the same for every model of the part)."""
    return s['controlled_epochs' if part == 'controlled' else 'epochs']


def seed_iterations(args, s, seed, level, epochs):
    """The seed's training iterations: ``epochs`` passes over the full
    training set's key frames (generating the sets on first use)."""
    work = osp.abspath(osp.join(args.work_dir, f'seed_{seed}'))
    cfg = model_config('RN', osp.join(work, 'data', level), level, seed, s)
    path = dump_config(cfg, osp.join(work, level, 'sizes', 'config.py'))
    n = build_datasets(path, ('train', 'test'))
    log(f'seed {seed}: synthetic level {level!r}: {n}')
    return epochs * math.ceil(n['train'] / BATCH)


def jobs_of_part(args, part, s, seed, iters):
    """(name, config, work dir, ...) of every model of a part and seed."""
    level = args.controlled_level if part == 'controlled' else args.level
    work = osp.abspath(osp.join(args.work_dir, f'seed_{seed}'))
    data_root = osp.join(work, 'data', level)
    jobs = []
    for name in PARTS[part]:
        percent = MODELS[name][4]
        root, test_root = data_root, None
        if percent != 100:
            root = osp.join(work, 'data', f'{level}-train{percent}')
            test_root = osp.join(data_root, 'test') + '/'
        wdir = osp.join(work, level, name.replace('+', '_').replace(
            ' ', '_').replace('=', '').replace('@', '_').replace('%', 'pc'))
        cfg = model_config(name, root, level, seed, s, iters, test_root)
        pred = osp.join(wdir, 'predictions.json')
        cfg.test_evaluator.prediction_file = pred
        job = dict(seed=seed, level=level, name=name,
                   config=dump_config(cfg, osp.join(wdir, 'config.py')),
                   work_dir=wdir, frames=MODELS[name][2], predictions=pred)
        if part == 'controlled':
            job.update(train_split_check(cfg, wdir))
        jobs.append(job)
    return jobs


def train_split_check(cfg, wdir):
    """The config that tests a model on its own training series (the
    training set, test pipeline, every frame a key frame): a controlled
    model below its target either fits its training series and does not
    generalise, or does not fit them at this budget."""
    check = Config(copy.deepcopy(cfg.to_dict()))
    train = check.train_dataloader.dataset
    test = check.test_dataloader.dataset
    test.data_root = train.data_root
    test.synthetic = copy.deepcopy(train.synthetic)
    pred = osp.join(wdir, 'train_split', 'predictions.json')
    check.test_evaluator.prediction_file = pred
    check.test_evaluator.model_name += ' (training series)'
    return dict(train_config=dump_config(
        check, osp.join(wdir, 'train_split', 'config.py')),
        train_predictions=pred)


def run_job(job):
    """Train and test one model unless its predictions exist (and, on the
    controlled level, test it on its training series); its minutes (None
    when done before)."""
    stamp = osp.join(job['work_dir'], 'done.json')
    with open(job['config']) as f:
        sha = hashlib.sha256(f.read().encode()).hexdigest()
    if osp.isfile(job['predictions']):
        old = json.load(open(stamp)) if osp.isfile(stamp) else None
        if old is None or old.get('config_sha256') == sha:
            # (no stamp: a run of before the stamps, taken as done)
            log(f"seed {job['seed']} {job['name']}: done before")
            write_json_atomic(stamp, dict(config_sha256=sha))
            test_on_training_series(job)
            return None
        log(f"seed {job['seed']} {job['name']}: its config changed since "
            'it was trained; training it again')
        for path in (job['predictions'], job.get('train_predictions')):
            if path and osp.isfile(path):
                with open(path, 'rb') as f:
                    atomic_write(path + '.stale', f.read())
                os.remove(path)
    t0 = time.time()
    run_tool(['train.py', job['config'], '--work-dir', job['work_dir'],
              '--overwrite'])
    ckpt = best_or_last_checkpoint(job['work_dir'])
    run_tool(['test.py', job['config'], ckpt, '--work-dir',
              osp.join(job['work_dir'], 'test'), '--overwrite'])
    test_on_training_series(job)
    write_json_atomic(stamp, dict(config_sha256=sha))
    minutes = round((time.time() - t0) / 60, 1)
    log(f"seed {job['seed']} {job['name']}: {minutes} min")
    return minutes


def test_on_training_series(job):
    """The controlled models' test on their training series (once)."""
    if 'train_config' not in job or osp.isfile(job['train_predictions']):
        return
    ckpt = best_or_last_checkpoint(job['work_dir'])
    run_tool(['test.py', job['train_config'], ckpt, '--work-dir',
              osp.join(job['work_dir'], 'train_split', 'test'),
              '--overwrite'])


def run_part(args):
    s = scale(args.quick)
    seeds = args.seeds[:1] if args.part == 'controlled' else args.seeds
    level = args.controlled_level if args.part == 'controlled' \
        else args.level
    epochs = part_epochs(args.part, s)
    path = part_file(args.work_dir, args.part)
    old = load_part_record(path, args.quick, level=level)
    old_epochs = old.get('budget', {}).get('epochs_full_set', epochs)
    if old_epochs != epochs:
        from mmdsa.utils.cli import ToolError
        raise ToolError(f'{path}: this part was run with budget.'
                        f'epochs_full_set={old_epochs}, now {epochs}: use '
                        'another work folder for this run')
    t0, interrupted = begin_session(path)
    if interrupted:
        log(f'{osp.basename(path)}: an earlier session ended without its '
            f'record; counting its {interrupted[0]} minutes')
    jobs, iters = [], {}
    for seed in seeds:
        iters[seed] = seed_iterations(args, s, seed, level, epochs)
        jobs += jobs_of_part(args, args.part, s, seed, iters[seed])
    # generate every set once before the models train side by side
    for job in jobs:
        if MODELS[job['name']][4] != 100:
            build_datasets(job['config'], ('train', 'test'))
    gen_min = round((time.time() - t0) / 60, 1)
    log(f'part {args.part}: {len(jobs)} models, {args.workers} at a time')
    jobs.sort(key=lambda j: -j['frames'])  # longest first
    with ThreadPoolExecutor(args.workers) as pool:
        minutes = list(pool.map(run_job, jobs))
    per_model = dict(old.get('minutes_per_model', {}))
    # a resumed part adds this session's minutes to the earlier ones
    sessions = old.get('sessions', []) + interrupted + [
        round((time.time() - t0) / 60, 1)]
    for job, m in zip(jobs, minutes):
        if m is not None:
            per_model[f"seed {job['seed']} {job['name']}"] = m
    payload = dict(
        part=args.part, quick=args.quick, seeds=seeds, level=level,
        budget=dict(iterations_per_seed=iters, key_frame_interval=s[
            'key_frame_interval'], batch_size=BATCH, image_size=s[
                'image_size'], series=s['series'], epochs_full_set=epochs),
        run_min=round(sum(sessions), 1), sessions=sessions,
        generation_min=gen_min,
        minutes_per_model=per_model, workers=args.workers,
        predictions=old.get('predictions', {}))
    # a run with other seeds adds them to the part (one seed at a time
    # fits a shorter window)
    for j in jobs:
        payload['predictions'].setdefault(str(j['seed']), {})[j['name']] = \
            osp.relpath(j['predictions'], osp.dirname(osp.abspath(path)))
        if 'train_predictions' in j:
            payload.setdefault('train_split_predictions', {}).setdefault(
                str(j['seed']), {})[j['name']] = osp.relpath(
                    j['train_predictions'], osp.dirname(osp.abspath(path)))
    payload['seeds'] = sorted(int(k) for k in payload['predictions'])
    payload['budget']['iterations_per_seed'] = dict(
        old.get('budget', {}).get('iterations_per_seed', {}),
        **{str(k): v for k, v in iters.items()})
    write_json_atomic(path, payload)
    end_session(path)
    log(f"part {args.part}: {payload['run_min']} min; wrote {path}")
    return 0


# ----------------------------------------------------------------- report
def seed_tables(parts, seed):
    """Model name -> unit table of one seed, from every finished part
    (not the controlled level), with the median ensemble."""
    from mmdsa.evaluation.claims import detection_tables, mean_table
    from mmdsa.evaluation.metrics import load_prediction_file
    tables = {}
    for part, data in parts.items():
        if part == 'controlled':
            continue
        for name, rel in data['predictions'].get(str(seed), {}).items():
            pred = load_prediction_file(osp.join(data['_dir'], rel))
            tables.update(detection_tables(pred, name,
                                           with_so=MODELS[name][0] ==
                                           'retinanet'))
    members = [f'{n}+SO' for n in NECKS]
    if all(m in tables for m in members):
        tables['median ensemble'] = mean_table(
            [tables[m] for m in members], 'median ensemble',
            method='median')
    return tables


def controlled_result(parts):
    """The controlled check's result per model
    (:func:`mmdsa.evaluation.claims.controlled.controlled_entry`), with
    each neck's measurements at initialisation."""
    from mmdsa.evaluation.claims import (controlled_entry, detection_tables,
                                         unit_metric)
    from mmdsa.evaluation.functional import binary_roc_auc, bootstrap_ci
    from mmdsa.evaluation.metrics import load_prediction_file
    from mmdsa.models.necks.diagnostics import (is_order_invariant,
                                                temporal_neck_diagnostics)
    data = parts.get('controlled')
    if not data:
        return {}

    def rows_of(rel, name):
        if rel is None or not osp.isfile(osp.join(data['_dir'], rel)):
            return None
        pred = load_prediction_file(osp.join(data['_dir'], rel))
        return list(detection_tables(pred, name, with_so=False)[name]
                    .values())

    def auc_of(rel, name):
        rows = rows_of(rel, name)
        return None if rows is None else unit_metric(rows, 'auc')

    out = {}
    train = data.get('train_split_predictions', {})
    for seed, files in data['predictions'].items():
        for name, rel in files.items():
            diag = None
            if name in NECKS:
                diag = temporal_neck_diagnostics(
                    NECKS[name], num_frames=MODELS[name][2])
                diag['order_invariant'] = is_order_invariant(diag)
            rows = rows_of(rel, name)
            out[name] = controlled_entry(
                name, unit_metric(rows, 'auc'), seed,
                auc_of(train.get(seed, {}).get(name), name), diag,
                ci=bootstrap_ci(binary_roc_auc,
                                [r['label'] for r in rows],
                                [r['score'] for r in rows]))
    return out


def controlled_budget(parts):
    """A sentence on the controlled part's training budget."""
    budget = parts['controlled']['budget']
    iters = sorted(set(budget['iterations_per_seed'].values()))
    return (f"Every model trains {', '.join(map(str, iters))} iterations "
            f"({budget['epochs_full_set']} passes over the training key "
            f"frames; a key frame every {budget['key_frame_interval']} "
            'frames).')


def report(args):
    from mmdsa.evaluation.claims import (CONTROLLED_TARGETS,
                                         PERFORATION_CLAIMS,
                                         controlled_section, evaluate_ledger,
                                         verdict_counts)
    from mmdsa.evaluation.claims.perforation import PAPER
    from mmdsa.evaluation.claims.report import (explain_failures,
                                                render_ledger)
    parts = load_parts(args.work_dir, PARTS)
    if not parts:
        from mmdsa.utils.cli import ToolError
        raise ToolError(f'--report: no finished part under '
                        f'{args.work_dir}/parts (run --part NAME first)')
    seeds = sorted({int(s) for p in parts.values() for s in p['predictions']
                    if p['part'] != 'controlled'})
    # only the controlled part run: every ledger claim is 'not run'
    per_seed = [seed_tables(parts, s) for s in seeds] or [{}]
    ledger = explain_failures(evaluate_ledger(PERFORATION_CLAIMS, per_seed,
                                              args.bootstrap))
    controlled = controlled_result(parts)
    counts = verdict_counts(ledger)
    figures = write_roc_figures(args.out_dir, per_seed, seeds)
    payload = dict(
        format='claims-ledger', paper=PAPER, seeds=seeds,
        quick=any(p['quick'] for p in parts.values()),
        parts={k: {x: v[x] for x in ('seeds', 'run_min', 'budget', 'quick',
                                     'minutes_per_model')}
               for k, v in parts.items()},
        counts=counts, claims=ledger['claims'], controlled=controlled,
        controlled_targets=CONTROLLED_TARGETS, figures=figures)
    write_json_atomic(osp.join(args.out_dir, 'reproduction.json'), payload)
    md, analysis = render_ledger(
        ledger, parts, counts,
        'Reproduction study on synthetic DSA (perforation detection)',
        'tools/analysis_tools/reproduce.py --report',
        'reproduction_analysis.md',
        [controlled_section(controlled, controlled_budget(parts))]
        if controlled else [])
    if figures:
        md += '\n## ROC curves\n\nSeries ROC of RN and the four necks ' \
            "(max-score rule) on each seed's test split:\n\n" + \
            '\n'.join(f'![{f}]({f})' for f in figures) + '\n'
    atomic_write(osp.join(args.out_dir, 'reproduction.md'), md)
    atomic_write(osp.join(args.out_dir, 'reproduction_analysis.md'),
                 analysis)
    log(f'wrote {args.out_dir}/reproduction.md: {counts}')
    return 0


def write_roc_figures(out_dir, per_seed, seeds):
    """One ROC picture per seed (``reproduction_roc_seed_S.png``): RN and
    the four necks under the max-score rule; the file names."""
    from mmdsa.visualization import plot_roc_curves
    os.makedirs(out_dir, exist_ok=True)
    names = []
    for seed, tables in zip(seeds, per_seed):
        curves = {n: ([r['label'] for r in tables[n].values()],
                      [r['score'] for r in tables[n].values()])
                  for n in ['RN'] + list(NECKS) if n in tables}
        if not curves:
            continue
        name = f'reproduction_roc_seed_{seed}.png'
        plot_roc_curves(curves, osp.join(out_dir, name),
                        title=f'series ROC, max-score rule, seed {seed}')
        names.append(name)
    return names


def estimate_minutes(part, seeds=3, workers=2):
    """Estimated wall minutes of a part on 2 idle cores (see
    :data:`MINUTES_48`): per model, 80 % training + 20 % testing x the
    test split's growth, then the models spread over ``workers``."""
    s = scale(False)
    grow = s['series'][2] / 48
    longer = part_epochs(part, s) / s['epochs']
    total = 0.0
    for name in PARTS[part]:
        kind, neck, frames, _, _ = MODELS[name]
        table = MINUTES_48['rnn' if neck in ('RN+BiLSTM', 'RN+BiGRU')
                           else 'retinanet']
        m = table[frames] * (0.8 * longer + 0.2 * grow)
        total += m * RCNN_COST.get(kind, 1.0)
    n = 1 if part == 'controlled' else seeds
    return round(total * n / workers + 4.0, 1)  # + generating the sets


def main(argv=None):
    args = parse_args(argv)
    if args.estimate:
        for part in PARTS:
            est = estimate_minutes(part, len(args.seeds), args.workers)
            print(f'{part}: about {est} min')
        return 0
    if args.report:
        return report(args)
    return run_part(args)


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool as run_entry
    sys.exit(run_entry(main))
