"""Run a trained mmdsa model on a DICOM series (or a PA+LAT pair).

    python tools/infer.py CONFIG CHECKPOINT SERIES [--pair LAT_SERIES]
        [--out DIR] [--threshold T] [--device cpu] [--cine [gif|mp4]]
        [--cine-fps 3] [--dicom-out DIR] [--saliency]

SERIES is a DICOM file, a folder of single-frame DICOM files, a PNG/NPY
frame folder or a .npy file ((T, H, W) or one (H, W) frame). DICOM files of
a modality other than XA / RF (or a secondary-capture DSA export) are
refused unless --any-modality is given. Writes DIR/result.json (series
probability or score, verdict, per-frame boxes of the kept trajectory for a
detector, timings) and a picture DIR/<series>.png, atomically. A file that
cannot be read gives the reader's error and exit status 2.

The verdict is taken at the checkpoint's calibrated operating point
(``<checkpoint stem>.operating_point.json``, written by
tools/analysis_tools/calibrate_threshold.py on validation series);
``--threshold`` overrides it; without either the config's test_evaluator
threshold or 0.5 is used and the JSON says it is uncalibrated. ``decision``
in the JSON says which threshold, which method and which data chose it.

``--cine`` writes DIR/<series>.gif (or .mp4): the series as a cine loop with
the boxes and kept trajectory (detector) or the probability bar (recognizer)
drawn in. ``--dicom-out DIR`` writes DIR/<series>_mmdsa.dcm, a multi-frame
Secondary Capture in the source study, labelled NOT FOR DIAGNOSTIC USE.
``--saliency`` (recognizer) writes DIR/<series>_saliency.png (Grad-CAM).
"""
import argparse
import json
import os.path as osp
import sys


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
        help='verdict threshold (default: the calibrated operating point '
        'next to the checkpoint, else the config test_evaluator threshold, '
        'else 0.5)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--allow-partial-checkpoint',
        action='store_true',
        help='load a checkpoint whose weights do not fit the model exactly '
        '(default: refuse it)')
    parser.add_argument(
        '--any-modality',
        action='store_true',
        help='read DICOM files of any Modality (default: XA, RF and '
        'secondary-capture DSA exports only)')
    parser.add_argument('--cine', nargs='?', const='gif',
                        choices=['gif', 'mp4'],
                        help='also write a cine loop per series')
    parser.add_argument('--cine-fps', type=float, default=3.0)
    parser.add_argument('--dicom-out', help='write the result as DICOM '
                        'Secondary Capture into this folder')
    parser.add_argument('--saliency', action='store_true',
                        help='Grad-CAM picture per series (recognizer)')
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(parser)
    args = parser.parse_args(argv)
    if not 0 < args.cine_fps <= 1000:
        parser.error(f'--cine-fps: expected a number in (0, 1000], got '
                     f'{args.cine_fps}')
    return args


def _refuse(message):
    """A refusal: one line on stderr, exit status 2."""
    print(f'error: {message}', file=sys.stderr)
    return 2


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
    entry['decision'] = {k: result['decision'][k]
                         for k in ('verdict', 'threshold')}
    return entry


def _extra_pictures(args, model, result, detector, name, path, entry):
    """The optional cine loop, DICOM and saliency of one series."""
    from mmdsa.apis import result_pictures
    if args.cine:
        entry['cine'] = result_pictures.write_result_cine(
            result, detector, osp.join(args.out, f'{name}.{args.cine}'),
            fps=args.cine_fps)
    if args.dicom_out:
        entry['dicom'] = result_pictures.write_result_dicom(
            result, detector, path, args.dicom_out, name, fps=args.cine_fps)
    if args.saliency:
        from mmdsa.apis.saliency import recognizer_saliency
        from mmdsa.visualization.saliency_figure import draw_saliency
        sal = recognizer_saliency(model, path)
        entry['saliency'] = draw_saliency(
            sal['groups'], sal['saliency'],
            osp.join(args.out, f'{name}_saliency.png'),
            title=f'{name}: P(thrombus) = {sal["probability"]:.3f}',
            num_frames=sal['num_frames'])


def main(argv=None):
    args = parse_args(argv)
    from mmdsa.apis import inference_series, init_model, is_detector
    from mmdsa.fileio import DSAReadError
    from mmdsa.utils.checkpoint import REFUSED_CHECKPOINT_ERRORS
    from mmdsa.utils.fileio import write_json_atomic
    if osp.exists(args.out) and not osp.isdir(args.out):
        return _refuse(f'{args.out}: --out must be a folder, but it is an '
                       'existing file')
    if not osp.isfile(args.checkpoint):
        return _refuse(f'{args.checkpoint}: checkpoint not found (no such '
                       'file)')
    from mmdsa.utils.cli import check_device
    from mmdsa.utils.fileio import check_new_output
    from mmdsa.utils.paths import check_out_dir, safe_name, unique_names
    check_device(args.device)
    check_out_dir(args.out, [args.series, args.pair])
    paths = [args.series] + ([args.pair] if args.pair else [])
    # one safe, distinct output name per input (same-named files of two
    # folders, ids with separators); existing files are refused up front
    names = unique_names([safe_name(
        osp.splitext(osp.basename(osp.normpath(p)))[0], 'series') for p in
        paths])
    for name in names:
        for tail in ['.png'] + ([f'.{args.cine}'] if args.cine else []) + (
                ['_saliency.png'] if args.saliency else []):
            check_new_output(osp.join(args.out, name + tail))
    check_new_output(osp.join(args.out, 'result.json'))
    try:
        model = init_model(args.config, args.checkpoint, device=args.device,
                           strict=not args.allow_partial_checkpoint)
    except REFUSED_CHECKPOINT_ERRORS as exc:
        return _refuse(exc)
    from mmdsa.apis.dicom_export import DicomExportError
    from mmdsa.apis.operating_point import OperatingPointError, model_decision
    detector = is_detector(model)
    if args.saliency and detector:
        print('error: --saliency: expected a thrombus recognizer config, '
              f'got a detector ({args.config})', file=sys.stderr)
        return 2
    entries = []
    for path, name in zip(paths, names):
        try:
            result = inference_series(
                model, path, threshold=args.threshold,
                modalities='any' if args.any_modality else None)
            entry = _summarise(result, detector, name, args.out)
            _extra_pictures(args, model, result, detector, name, path, entry)
        except (DSAReadError, OperatingPointError, DicomExportError) as exc:
            return _refuse(exc)
        entries.append(entry)
    if len(entries) == 2:  # the one pairing rule (mmdsa.structures)
        from mmdsa.structures.pairing import check_pair_views, pair_score
        try:
            check_pair_views(entries[0]['view'], entries[1]['view'],
                             args.series, args.pair)
        except ValueError as exc:
            return _refuse(exc)
        score = pair_score(entries[0]['score'], entries[1]['score'])
    else:
        score = entries[0]['score']
    decision = model_decision(model, score, args.threshold,
                              'pair' if len(entries) == 2 else 'series')
    out = dict(
        config=args.config,
        checkpoint=args.checkpoint,
        task='perforation' if detector else 'thrombus',
        threshold=decision['threshold'],
        score=score,
        verdict=decision['verdict'],
        scored_as=('mean of the PA and LAT scores'
                   if len(entries) == 2 else 'single series'),
        decision=decision,
        series=entries)
    write_json_atomic(osp.join(args.out, 'result.json'), out, indent=2)
    print(json.dumps(dict(
        {k: out[k] for k in ('task', 'score', 'verdict', 'threshold')},
        operating_point=decision['operating_point']['source'])))
    print(f'wrote {osp.join(args.out, "result.json")}')
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
