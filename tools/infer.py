"""Run a trained mmdsa model on a DICOM series (or a PA+LAT pair).

    python tools/infer.py CONFIG CHECKPOINT SERIES [--pair LAT_SERIES]
        [--out DIR] [--threshold T] [--device cpu]

SERIES is a DICOM file, a folder of single-frame DICOM files, a PNG/NPY
frame folder or a .npy file ((T, H, W) or one (H, W) frame). DICOM files of
a modality other than XA / RF (or a secondary-capture DSA export) are
refused unless --any-modality is given. Writes DIR/result.json (series
probability or score, verdict at the threshold, per-frame boxes of the kept
trajectory for a detector, timings) and a picture DIR/<series>.png,
atomically. A file that cannot be read gives the reader's error and exit
status 2.
"""
import argparse
import json
import os
import os.path as osp
import sys
import tempfile


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('series', help='DICOM file / folder (PA or single)')
    parser.add_argument('--pair', help='the LAT view of a PA+LAT pair')
    parser.add_argument('--out', default='outputs/infer', help='output dir')
    parser.add_argument(
        '--threshold',
        type=float,
        default=None,
        help='verdict threshold (default: the config test_evaluator '
        'threshold, else 0.5)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--any-modality',
        action='store_true',
        help='read DICOM files of any Modality (default: XA, RF and '
        'secondary-capture DSA exports only)')
    return parser.parse_args(argv)


def _write_json_atomic(obj, path):
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix='.json', dir=folder)
    with os.fdopen(fd, 'w') as f:
        json.dump(obj, f, indent=2)
    os.replace(tmp, path)


def _threshold(cfg, given):
    if given is not None:
        return given
    evaluator = cfg.get('test_evaluator', {})
    for metric in evaluator if isinstance(evaluator, list) else [evaluator]:
        if isinstance(metric, dict) and 'threshold' in metric:
            return float(metric['threshold'])
    return 0.5


def _summarise(result, detector, name, out_dir):
    from mmdsa.visualization import draw_series_detections
    entry = dict(
        series=name,
        view=result['meta'].get('view', 'unknown'),
        num_frames=int(len(result['frames'])),
        timings_s={k: round(float(v), 4)
                   for k, v in result['timings_s'].items()})
    picture = osp.join(out_dir, f'{name}.png')
    if detector:
        entry['score'] = result['series_score']
        entry['series_optimiser'] = result['optimiser']
        entry['trajectory'] = [
            dict(frame=int(f), bbox_x1y1x2y2=[round(v, 2) for v in box])
            for f, box in sorted(result['trajectory'].items())
        ]
        draw_series_detections(
            result['frames'], picture, detections=result['detections'],
            trajectory=result['trajectory'],
            title=f'{name}: series score {result["series_score"]:.3f}')
    else:
        entry['score'] = result['probability']
        draw_series_detections(
            result['frames'], picture,
            title=f'{name}: P(thrombus) = {result["probability"]:.3f}')
    entry['picture'] = picture
    return entry


def main(argv=None):
    args = parse_args(argv)
    from mmdsa.apis import inference_series, init_model, is_detector
    from mmdsa.fileio import DSAReadError
    model = init_model(args.config, args.checkpoint, device=args.device)
    detector = is_detector(model)
    threshold = _threshold(model.cfg, args.threshold)
    paths = [args.series] + ([args.pair] if args.pair else [])
    entries = []
    for path in paths:
        name = osp.splitext(osp.basename(osp.normpath(path)))[0]
        try:
            result = inference_series(
                model, path,
                modalities='any' if args.any_modality else None)
        except DSAReadError as exc:
            print(f'error: {exc}', file=sys.stderr)
            return 2
        entries.append(_summarise(result, detector, name, args.out))
    score = sum(e['score'] for e in entries) / len(entries)
    out = dict(
        config=args.config,
        checkpoint=args.checkpoint,
        task='perforation' if detector else 'thrombus',
        threshold=threshold,
        score=score,
        verdict=('positive' if score >= threshold else 'negative'),
        scored_as=('mean of the PA and LAT scores'
                   if len(entries) == 2 else 'single series'),
        series=entries)
    _write_json_atomic(out, osp.join(args.out, 'result.json'))
    print(json.dumps({k: out[k] for k in ('task', 'score', 'verdict')}))
    print(f'wrote {osp.join(args.out, "result.json")}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
