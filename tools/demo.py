"""The mmdsa demo: synthetic DSA benchmark -> train -> test -> report.

    python tools/demo.py [--out demo_output] [--quick] [--seed 0]

1. generates a seeded synthetic DSA benchmark (PA+LAT pairs with thrombus
   labels; series with perforation boxes) as multi-frame XA DICOM;
2. trains a CPU-scale spatio-temporal perforation detector (RetinaNet + a
   temporal neck, T = 5, series optimiser) and a CPU-scale thrombus
   recognizer (one model for PA and LAT) with tools/train.py;
3. tests both with tools/test.py;
4. writes OUT/report/: report.md, report.json, ROC curve PNGs and a picture
   of a positive series with the detected boxes and the kept trajectory.

``--quick`` runs the same path at toy scale (used by the test suite).
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from mmdsa.apis.report import write_report  # noqa: E402

DET_CONFIG = 'configs/perforation/' \
    'retinanet_r18-tiny_fpn_tcm-t5_dr-iou_so_synthetic-perforation.py'
CLS_CONFIG = 'configs/thrombus/cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py'

# name: (full scale, quick scale)
SCALE = dict(
    det_train_series=(96, 6),
    det_eval_series=(40, 4),
    cls_train_pairs=(64, 4),
    cls_eval_pairs=(30, 3),
    det_epochs=(6, 1),
    cls_epochs=(10, 1),
    image_size=(96, 64),
)


def log(msg):
    print(f'[demo {time.strftime("%H:%M:%S")}] {msg}', flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='demo_output')
    parser.add_argument('--quick', action='store_true',
                        help='toy scale: same path, minutes -> seconds')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--det-config', default=DET_CONFIG)
    parser.add_argument('--cls-config', default=CLS_CONFIG)
    return parser.parse_args(argv)


def _scale(args):
    i = 1 if args.quick else 0
    return {k: v[i] for k, v in SCALE.items()}


def _data_overrides(task, root, s, seed):
    """Config text pointing the three splits at the demo's data folder."""
    if task == 'perforation':
        count, train_n, eval_n = 'num_series', s['det_train_series'], \
            s['det_eval_series']
    else:
        count, train_n, eval_n = 'num_pairs', s['cls_train_pairs'], \
            s['cls_eval_pairs']
    lines = []
    for split, n, k in (('train', train_n, 0), ('val', eval_n, 1),
                        ('test', eval_n, 2)):
        lines.append(
            f"{split}_dataloader = dict(dataset=dict(data_root="
            f"{osp.join(root, split) + '/'!r}, synthetic=dict("
            f"{count}={n}, seed={seed * 10 + k}, "
            f"image_size={s['image_size']})))")
    return '\n'.join(lines)


def write_configs(args, s, out):
    """Derived configs: the repository configs + the demo's data and scale."""
    cfg_dir = osp.join(out, 'configs')
    os.makedirs(cfg_dir, exist_ok=True)
    data = osp.join(out, 'data')
    det = osp.join(cfg_dir, 'demo_perforation.py')
    with open(det, 'w') as f:
        f.write(f"_base_ = [{osp.join(ROOT, args.det_config)!r}]\n"
                f"{_data_overrides('perforation', osp.join(data, 'perforation'), s, args.seed)}\n"  # noqa: E501
                f"train_cfg = dict(max_epochs={s['det_epochs']}, "
                f"val_interval={s['det_epochs']})\n"
                "# series metrics with the optimiser (SO) and without it\n"
                "test_evaluator = [\n"
                "    dict(type='SeriesDetectionMetric', prefix='so',\n"
                f"         prediction_file={osp.join(out, 'work', 'perforation', 'predictions_so.json')!r}),\n"  # noqa: E501
                "    dict(type='SeriesDetectionMetric', prefix='max',\n"
                "         post_processor=None,\n"
                f"         prediction_file={osp.join(out, 'work', 'perforation', 'predictions_max.json')!r}),\n"  # noqa: E501
                "]\n"
                f"randomness = dict(seed={args.seed})\n")
    cls = osp.join(cfg_dir, 'demo_thrombus.py')
    with open(cls, 'w') as f:
        f.write(f"_base_ = [{osp.join(ROOT, args.cls_config)!r}]\n"
                f"{_data_overrides('thrombus', osp.join(data, 'thrombus'), s, args.seed)}\n"  # noqa: E501
                f"train_cfg = dict(max_epochs={s['cls_epochs']}, "
                "val_interval=1)\n"
                "test_evaluator = dict(type='SeriesClassificationMetric',\n"
                f"    prediction_file={osp.join(out, 'work', 'thrombus', 'predictions.json')!r})\n"  # noqa: E501
                f"randomness = dict(seed={args.seed})\n")
    return det, cls


def run(cmd):
    log('$ ' + ' '.join(cmd))
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep +
               os.environ.get('PYTHONPATH', ''))
    proc = subprocess.run([sys.executable] + cmd, cwd=ROOT, env=env)
    if proc.returncode != 0:
        raise SystemExit(f'[demo] step failed ({proc.returncode}): '
                         f'{" ".join(cmd)}')


def generate_data(cfg_path):
    """Build every split's dataset once so the data is generated (with a
    progress bar) before training starts."""
    from mmengine.config import Config

    from mmdsa.registry import DATASETS
    from mmdsa.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(cfg_path)
    sizes = {}
    for split in ('train', 'val', 'test'):
        dataset = DATASETS.build(cfg[f'{split}_dataloader'].dataset)
        sizes[split] = len(dataset)
    return sizes


def _latest_checkpoint(work_dir):
    best = sorted(glob.glob(osp.join(work_dir, 'best_*.pth')))
    if best:
        return best[-1]
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def _test_metrics(work_dir):
    """Metrics of the latest tools/test.py run (MMEngine's JSON dump)."""
    runs = sorted(
        d for d in glob.glob(osp.join(work_dir, '2*'))
        if glob.glob(osp.join(d, '*.json')))
    path = sorted(glob.glob(osp.join(runs[-1], '*.json')))[-1]
    with open(path) as f:
        return json.load(f)


def train_and_test(name, cfg_path, out):
    work = osp.join(out, 'work', name)
    run(['tools/train.py', cfg_path, '--work-dir', work])
    ckpt = _latest_checkpoint(work)
    log(f'{name}: testing {osp.relpath(ckpt, out)}')
    test_dir = osp.join(work, 'test')
    run(['tools/test.py', cfg_path, ckpt, '--work-dir', test_dir])
    return ckpt, _test_metrics(test_dir)


def main(argv=None):
    args = parse_args(argv)
    s = _scale(args)
    out = osp.abspath(args.out)
    t0 = time.time()
    det_cfg, cls_cfg = write_configs(args, s, out)
    log(f'step 1/4: synthetic DSA benchmark under {osp.join(out, "data")}')
    det_sizes = generate_data(det_cfg)
    cls_sizes = generate_data(cls_cfg)
    log(f'perforation key-frame samples {det_sizes}; thrombus series '
        f'{cls_sizes}')
    log('step 2/4: perforation detector (RetinaNet + temporal neck, T=5)')
    det_ckpt, det_metrics = train_and_test('perforation', det_cfg, out)
    log('step 3/4: thrombus recognizer (CNN + BiGRU, PA and LAT)')
    cls_ckpt, cls_metrics = train_and_test('thrombus', cls_cfg, out)
    log('step 4/4: report')
    report = write_report(
        out=out,
        quick=args.quick,
        scale=s,
        det=dict(config=det_cfg, checkpoint=det_ckpt, metrics=det_metrics),
        cls=dict(config=cls_cfg, checkpoint=cls_ckpt, metrics=cls_metrics),
        elapsed_s=time.time() - t0)
    log(f'report: {report}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
