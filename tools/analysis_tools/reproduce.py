"""Reproduction study on synthetic DSA (short, CPU-feasible schedules).

    python tools/analysis_tools/reproduce.py [--out outputs/reproduce]
        [--quick] [--seed 0] [--only detection|classification]

Detection: single-frame RetinaNet vs RetinaNet + each temporal neck (TCM,
TAM, BiLSTM, BiGRU) at T = 5, each evaluated without and with the series
optimiser (SO: the same checkpoint, the optimiser is evaluation-only).
Classification: a PA model, a LAT model, and the PA+LAT pair (mean of the two
models' probabilities per pair).

Writes OUT/reproduce.md and OUT/reproduce.json: the measured table side by
side with the papers' numbers (../shared/papers.md) and whether the papers'
orderings hold (temporal > single frame, SO raises AUPRC / sensitivity at 95 %
specificity, pair > single view). The numbers are whatever was measured.
"""
import argparse
import copy
import os.path as osp
import sys
import time

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from mmengine.config import Config  # noqa: E402

from mmdsa.apis.experiment import (dump_config, log,  # noqa: E402
                                   set_synthetic_data, set_window_frames,
                                   train_and_test)
from mmdsa.evaluation.metrics.prediction_files import (  # noqa: E402
    load_prediction_file, write_json_atomic)
from mmdsa.utils.fileio import atomic_write  # noqa: E402

DET_BASE = 'configs/perforation/' \
    'retinanet_r18-tiny_fpn_tcm-t5_dr-iou_so_8e_synthetic-perforation.py'
CLS_BASE = 'configs/thrombus/' \
    'cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py'

# Su et al. Table 1 (papers.md B): AUC, AUPRC, mSens95
PAPER_DET = {
    'RN': dict(auc=0.862, auprc=0.50, sens95=0.59),
    'RN+TCM': dict(auc=0.900, auprc=0.52, sens95=0.63),
    'RN+TAM': dict(auc=0.904, auprc=0.51, sens95=0.63),
    'RN+BiLSTM': dict(auc=0.901, auprc=0.59, sens95=0.62),
    'RN+BiGRU': dict(auc=0.900, auprc=0.52, sens95=0.64),
    'RN+TCM+SO': dict(auc=0.906, auprc=0.63, sens95=0.67),
    'RN+TAM+SO': dict(auc=0.911, auprc=0.63, sens95=0.69),
    'RN+BiLSTM+SO': dict(auc=0.909, auprc=0.67, sens95=0.67),
    'RN+BiGRU+SO': dict(auc=0.905, auprc=0.63, sens95=0.66),
}
# Mittmann et al. Table 2, ResNet18+GRU row (papers.md A): MCC / AUC
PAPER_CLS = {
    'PA': dict(mcc=0.58, auc=0.90),
    'LAT': dict(mcc=0.54, auc=0.88),
    'PA+LAT': dict(mcc=0.58, auc=0.92),
}
NECKS = {
    'RN+TCM': dict(type='TemporalConvolution', residual=True),
    'RN+TAM': dict(type='TemporalAttention'),
    'RN+BiLSTM': dict(type='BiConvLSTM'),
    'RN+BiGRU': dict(type='BiConvGRU'),
}
SCALE = dict(  # (full, quick)
    det_series=((96, 32, 32), (4, 3, 3)),
    cls_pairs=((64, 30, 30), (4, 3, 3)),
    det_epochs=(8, 1),
    cls_epochs=(12, 1),
    image_size=(128, 64),
    key_frame_interval=(1, 3),
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='outputs/reproduce')
    parser.add_argument('--quick', action='store_true')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--only', choices=['detection', 'classification'])
    return parser.parse_args(argv)


def _sizes(triple):
    return dict(zip(('train', 'val', 'test'), triple))


def detection_variants(args, s, out):
    """Train every detector variant once; evaluate with and without SO."""
    base = Config.fromfile(osp.join(ROOT, DET_BASE))
    set_synthetic_data(base, osp.join(out, 'data', 'perforation'),
                       _sizes(s['det_series']), args.seed, s['image_size'])
    base.train_dataloader.dataset.key_frame_interval = \
        s['key_frame_interval']
    base.train_cfg.max_epochs = s['det_epochs']
    base.train_cfg.val_interval = s['det_epochs']
    base.param_scheduler = [
        dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
             end=50),
        dict(type='CosineAnnealingLR', eta_min=1e-5, begin=0,
             end=s['det_epochs'], T_max=s['det_epochs'], by_epoch=True,
             convert_to_iter_based=True)
    ]
    base.randomness = dict(seed=args.seed)
    channels = base.model.detector.neck.out_channels
    levels = base.model.detector.neck.num_outs
    rows = {}
    for name in ['RN'] + list(NECKS):
        cfg = copy.deepcopy(base)
        if name == 'RN':
            cfg.model.temporal_neck = None
            set_window_frames(cfg, 1)
        else:
            cfg.model.temporal_neck = dict(
                NECKS[name], in_channels=channels, num_levels=levels)
            set_window_frames(cfg, 5)
        work = osp.join(out, 'work', name.replace('+', '_'))
        cfg.test_evaluator = [
            dict(type='SeriesDetectionMetric', prefix='plain'),
            dict(type='SeriesDetectionMetric', prefix='so',
                 post_processor=dict(type='TrajectoryOptimizer'))
        ]
        path = dump_config(cfg, osp.join(out, 'configs', f'{name}.py'))
        log(f'detection variant {name}')
        metrics = train_and_test(path, work)['metrics']
        rows[name] = {k: metrics.get(f'plain/{k}') for k in
                      ('auc', 'auprc', 'sens95', 'ap_cin', 'ar_cin')}
        if name != 'RN':
            rows[f'{name}+SO'] = {k: metrics.get(f'so/{k}') for k in
                                  ('auc', 'auprc', 'sens95', 'ap_cin',
                                   'ar_cin')}
    return rows


def classification_variants(args, s, out):
    """A PA model and a LAT model; the pair is the mean of the two."""
    from mmdsa.evaluation.functional import binary_roc_auc, matthews_corrcoef
    preds = {}
    rows = {}
    for view in ('PA', 'LAT'):
        cfg = Config.fromfile(osp.join(ROOT, CLS_BASE))
        set_synthetic_data(cfg, osp.join(out, 'data', 'thrombus'),
                           _sizes(s['cls_pairs']), args.seed,
                           s['image_size'])
        for split in ('train', 'val', 'test'):
            cfg[f'{split}_dataloader'].dataset.view = view
            # 'medium' is solved perfectly by both views (demo: AUC 1.0),
            # which leaves nothing to compare; 'hard' adds distal clots.
            cfg[f'{split}_dataloader'].dataset.synthetic['difficulty'] = \
                'hard'
        cfg.train_cfg.max_epochs = s['cls_epochs']
        pred_file = osp.join(out, 'work', f'thrombus_{view}',
                             'predictions.json')
        cfg.test_evaluator = dict(type='SeriesClassificationMetric',
                                  prediction_file=pred_file)
        cfg.randomness = dict(seed=args.seed)
        path = dump_config(cfg, osp.join(out, 'configs',
                                         f'thrombus_{view}.py'))
        log(f'classification variant {view}')
        metrics = train_and_test(path, osp.join(out, 'work',
                                                f'thrombus_{view}'))['metrics']
        rows[view] = dict(auc=metrics.get('auc'), mcc=metrics.get('mcc'))
        preds[view] = {p['pair_id']: p for p in
                       load_prediction_file(pred_file)['predictions']}
    common = sorted(set(preds['PA']) & set(preds['LAT']))
    labels = np.array([max(preds['PA'][k]['label'], preds['LAT'][k]['label'])
                       for k in common])
    scores = np.array([(preds['PA'][k]['score'] + preds['LAT'][k]['score'])
                       / 2 for k in common])
    if len(set(labels.tolist())) == 2:
        rows['PA+LAT'] = dict(
            auc=float(binary_roc_auc(labels, scores)),
            mcc=float(matthews_corrcoef(labels, (scores >= 0.5).astype(int))))
    else:
        rows['PA+LAT'] = dict(auc=None, mcc=None)
    return rows


def _gt(a, b):
    if a is None or b is None or np.isnan(a) or np.isnan(b):
        return None
    return bool(a > b)


def orderings(det, cls):
    """The papers' orderings, checked on the measured numbers."""
    checks = {}
    if det:
        for name in NECKS:
            checks[f'{name} AUC > RN AUC'] = _gt(det[name]['auc'],
                                                 det['RN']['auc'])
            for key in ('auprc', 'sens95'):
                checks[f'{name}+SO {key} > {name} {key}'] = _gt(
                    det[f'{name}+SO'][key], det[name][key])
    if cls:
        for view in ('PA', 'LAT'):
            checks[f'PA+LAT AUC > {view} AUC'] = _gt(cls['PA+LAT']['auc'],
                                                     cls[view]['auc'])
    return checks


def _f(v):
    return '-' if v is None or (isinstance(v, float) and np.isnan(v)) \
        else f'{v:.3f}'


def write_outputs(out, args, s, det, cls, elapsed):
    checks = orderings(det, cls)
    write_json_atomic(osp.join(out, 'reproduce.json'), dict(
        quick=args.quick, scale=s, elapsed_s=round(elapsed, 1),
        detection=det, classification=cls, paper_detection=PAPER_DET,
        paper_classification=PAPER_CLS, orderings=checks))
    lines = ['# Reproduction study on synthetic DSA', '',
             f'Short CPU schedules ({"quick" if args.quick else "full"} '
             f'scale: {s}), {elapsed / 60:.1f} minutes. Measured on '
             'synthetic data, so absolute numbers are not comparable with '
             "the papers'; the orderings are what is checked.", '']
    if det:
        lines += ['## Perforation detection (series level)', '',
                  '| method | AUC | AUPRC | sens@95spec | AP_cin | AR_cin '
                  '| paper AUC | paper AUPRC | paper mSens95 |',
                  '|---|---|---|---|---|---|---|---|---|']
        for name, row in det.items():
            paper = PAPER_DET.get(name, {})
            lines.append('| ' + ' | '.join(
                [name] + [_f(row.get(k)) for k in
                          ('auc', 'auprc', 'sens95', 'ap_cin', 'ar_cin')] +
                [_f(paper.get(k)) for k in ('auc', 'auprc', 'sens95')]) +
                ' |')
        lines.append('')
    if cls:
        lines += ['## Thrombus classification (tiny ResNet18 + BiGRU)', '',
                  '| view | AUC | MCC | paper AUC (ResNet18+GRU) | paper MCC |',
                  '|---|---|---|---|---|']
        for view, row in cls.items():
            paper = PAPER_CLS[view]
            lines.append(f"| {view} | {_f(row['auc'])} | {_f(row['mcc'])} "
                         f"| {paper['auc']:.2f} | {paper['mcc']:.2f} |")
        lines.append('')
    lines += ['## Do the papers\' orderings hold here?', '',
              '| ordering | holds |', '|---|---|']
    for k, v in checks.items():
        lines.append(f"| {k} | {'n/a' if v is None else ('yes' if v else 'no')} |")
    path = osp.join(out, 'reproduce.md')
    return atomic_write(path, '\n'.join(lines) + '\n')


def main(argv=None):
    args = parse_args(argv)
    i = 1 if args.quick else 0
    s = {k: v[i] for k, v in SCALE.items()}
    out = osp.abspath(args.out)
    t0 = time.time()
    det = detection_variants(args, s, out) \
        if args.only != 'classification' else {}
    cls = classification_variants(args, s, out) \
        if args.only != 'detection' else {}
    path = write_outputs(out, args, s, det, cls, time.time() - t0)
    log(f'wrote {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
