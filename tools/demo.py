"""The mmdsa demo: synthetic DSA benchmark -> train -> test -> report.

    python tools/demo.py [--out demo_output] [--scale full|quick|tiny]
        [--quick] [--seed 0]

1. generates a seeded synthetic DSA benchmark (PA+LAT pairs with thrombus
   labels; series with perforation boxes on the ``temporal`` level, whose
   mimics look like extravasation in one frame) as multi-frame XA DICOM;
2. trains a CPU-scale spatio-temporal perforation detector (RetinaNet + a
   temporal neck, T = 5, series optimiser) and a CPU-scale thrombus
   recognizer (one model for PA and LAT) with tools/train.py;
3. tests both with tools/test.py and chooses each model's operating point
   on the validation split (tools/analysis_tools/calibrate_threshold.py);
4. writes OUT/report/: report.md, report.html, report.json (the detector
   under the max-score rule and under SO on the same detections, with 95 %
   bootstrap intervals), ROC curve PNGs,
   a picture of a positive series with the detected boxes and the kept
   trajectory, cine loops (GIF) of a positive and a negative series of each
   task and the Grad-CAM saliency of a thrombus case.

``--quick`` (= ``--scale quick``) runs the same path at toy scale (used by
the test suite); ``--scale tiny`` is smaller still (the determinism test
runs it twice). On one machine the demo is deterministic: the same seed
gives the same report figures (tests/test_tools/test_demo_determinism.py).
"""
import argparse
import os.path as osp
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from mmengine.config import Config  # noqa: E402

from mmdsa.apis.experiment import (build_datasets, calibrate,  # noqa: E402
                                   dump_config, log, set_synthetic_data,
                                   train_and_test)
from demo_report import write_report  # noqa: E402

DET_CONFIG = 'configs/perforation/' \
    'retinanet_r18-tiny_fpn_tcm-t5_dr-iou_so_8e_synthetic-perforation.py'
CLS_CONFIG = 'configs/thrombus/' \
    'cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py'

# name: (full scale, quick scale, tiny scale)
# The detector runs on the synthetic level that needs time to be solved
# (``temporal``: mimics that look like extravasation in one frame, faint
# growing leaks, dense trees; docs/data_formats.md) at the scale of the
# reproduction study (tools/analysis_tools/reproduce.py).
SCALE = dict(
    det_level=('temporal', 'temporal', 'temporal'),
    det_train_series=(96, 6, 4),
    det_eval_series=(48, 4, 4),
    cls_train_pairs=(100, 4, 2),
    cls_eval_pairs=(40, 3, 2),
    det_epochs=(8, 1, 1),
    cls_epochs=(16, 1, 1),
    image_size=(128, 64, 48),
    key_frame_interval=(2, 2, 4),
    bootstrap_resamples=(1000, 200, 50),
)
SCALES = ('full', 'quick', 'tiny')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='demo_output')
    parser.add_argument('--quick', action='store_true',
                        help='toy scale: same path, minutes -> seconds '
                        '(= --scale quick)')
    parser.add_argument('--scale', choices=SCALES, default=None,
                        help='full (default), quick or tiny')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--det-config', default=DET_CONFIG)
    parser.add_argument('--cls-config', default=CLS_CONFIG)
    # a study / work folder of its own: reruns replace (resume) its
    # own earlier results there
    from mmdsa.utils.fileio import allow_overwrite
    allow_overwrite()
    return parser.parse_args(argv)


def _scale(args):
    name = args.scale or ('quick' if args.quick else 'full')
    i = SCALES.index(name)
    return {k: v[i] for k, v in SCALE.items()}


def write_configs(args, s, out):
    """Derived configs: the repository configs + the demo's data, scale and
    evaluators, dumped as standalone files under OUT/configs."""
    data, work = osp.join(out, 'data'), osp.join(out, 'work')
    det = Config.fromfile(osp.join(ROOT, args.det_config))
    set_synthetic_data(
        det, osp.join(data, 'perforation'),
        dict(train=s['det_train_series'], val=s['det_eval_series'],
             test=s['det_eval_series']), args.seed, s['image_size'])
    for split in ('train', 'val', 'test'):
        det[f'{split}_dataloader'].dataset.synthetic['difficulty'] = \
            s['det_level']
    det.train_dataloader.dataset.key_frame_interval = s['key_frame_interval']
    det.train_cfg.max_epochs = s['det_epochs']
    det.train_cfg.val_interval = s['det_epochs']
    det.param_scheduler = _cosine_schedule(s['det_epochs'])
    # series metrics with the optimiser (SO) and without it (max score)
    det.test_evaluator = [
        dict(type='SeriesDetectionMetric', prefix='so',
             compare_max_score=False,
             prediction_file=osp.join(work, 'perforation',
                                      'predictions_so.json')),
        dict(type='SeriesDetectionMetric', prefix='max', post_processor=None,
             prediction_file=osp.join(work, 'perforation',
                                      'predictions_max.json')),
    ]
    det.randomness = dict(seed=args.seed)
    cls = Config.fromfile(osp.join(ROOT, args.cls_config))
    set_synthetic_data(
        cls, osp.join(data, 'thrombus'),
        dict(train=s['cls_train_pairs'], val=s['cls_eval_pairs'],
             test=s['cls_eval_pairs']), args.seed, s['image_size'])
    cls.train_cfg.max_epochs = s['cls_epochs']
    cls.test_evaluator = dict(
        type='SeriesClassificationMetric',
        prediction_file=osp.join(work, 'thrombus', 'predictions.json'))
    cls.randomness = dict(seed=args.seed)
    return (dump_config(det, osp.join(out, 'configs',
                                      'demo_perforation.py')),
            dump_config(cls, osp.join(out, 'configs', 'demo_thrombus.py')))


def _cosine_schedule(epochs):
    return [
        dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
             end=50),
        dict(type='CosineAnnealingLR', eta_min=1e-5, begin=0, end=epochs,
             T_max=epochs, by_epoch=True, convert_to_iter_based=True)
    ]


def main(argv=None):
    args = parse_args(argv)
    s = _scale(args)
    out = osp.abspath(args.out)
    t0 = time.time()
    det_cfg, cls_cfg = write_configs(args, s, out)
    log(f'step 1/4: synthetic DSA benchmark under {osp.join(out, "data")}')
    det_sizes = build_datasets(det_cfg)
    cls_sizes = build_datasets(cls_cfg)
    log(f'perforation key-frame samples {det_sizes}; thrombus series '
        f'{cls_sizes}')
    log('step 2/4: perforation detector (RetinaNet + temporal neck, T=5)')
    det = train_and_test(det_cfg, osp.join(out, 'work', 'perforation'))
    calibrate(det_cfg, det['checkpoint'])
    log('step 3/4: thrombus recognizer (CNN + BiGRU, PA and LAT)')
    cls = train_and_test(cls_cfg, osp.join(out, 'work', 'thrombus'))
    calibrate(cls_cfg, cls['checkpoint'])
    log('step 4/4: report')
    report = write_report(
        out=out,
        quick=args.quick or args.scale in ('quick', 'tiny'),
        scale=s,
        det=dict(config=det_cfg, **det),
        cls=dict(config=cls_cfg, **cls),
        elapsed_s=time.time() - t0)
    log(f'report: {report}')
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
