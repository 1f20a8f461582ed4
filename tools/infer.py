"""Run a trained mmdsa model on a DICOM series (or a PA+LAT pair).

    python tools/infer.py CONFIG CHECKPOINT SERIES [--pair LAT_SERIES]
        [--out DIR] [--threshold T] [--device cpu] [--cine [gif|mp4]]
        [--cine-fps 3] [--dicom-out DIR] [--saliency] [--force]
        [--max-oblique DEG]

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

Before the verdict, the series' scope is checked (docs/scope.md): its
header (modality, number of frames, frame rate, image size, view angles,
subtraction) against the training series, and its backbone features
against the training distribution. A series out of scope gets the verdict
``out_of_scope`` with its reasons; ``--force`` scores it anyway and the
result says ``forced``. ``result.json`` names the input's Study / Series /
SOP Instance UIDs, the mmdsa version and commit, the config and the
checkpoint's SHA-256 (``provenance``), the operating point and the scope
figures.

SERIES may also be a folder holding several series (e.g. a study export)
or a DICOMDIR: every series (files grouped by SeriesInstanceUID) is run,
each into DIR/<series UID>/, and DIR/summary.csv + DIR/summary.json list
each series' verdict, or why it failed; one failed series does not stop
the others.

``--cine`` writes DIR/<series>.gif (or .mp4): the series as a cine loop with
the boxes and kept trajectory (detector) or the probability bar (recognizer)
drawn in. ``--dicom-out DIR`` writes the result as DICOM objects in the
source study (docs/clinical_outputs.md), each DIR/<SOP Instance UID>.dcm: a
TID 1500 Structured Report, a Grayscale Softcopy Presentation State with the
boxes (when there are boxes), a Key Object Selection (positive series) and,
with ``--dicom-sc``, a pixel-aligned Secondary Capture picture. A re-run
with the same checkpoint gives the same UIDs and replaces its own files.
``--saliency`` (recognizer) writes DIR/<series>_saliency.png (Grad-CAM).

Research use only, not a medical device.
"""
import argparse
import json
import os.path as osp
import sys

from mmdsa.utils.cli import ToolError, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('series', help='DICOM file / folder (PA or single), '
                        'a folder of several series, or a DICOMDIR')
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
    precision = parser.add_mutually_exclusive_group()
    precision.add_argument(
        '--precision', choices=['auto', 'fp32', 'bf16', 'fp16'],
        default=None,
        help='numeric precision of the model (default: the config\'s '
        'inference_precision, else auto: bf16 on a CPU with native bf16, '
        'fp16 autocast on CUDA, else fp32; boxes, NMS and scores are always '
        'computed in fp32)')
    precision.add_argument('--fp32', dest='precision', action='store_const',
                           const='fp32', help='same as --precision fp32')
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
    parser.add_argument(
        '--force',
        action='store_true',
        help='give a positive/negative verdict even for a series out of '
        'scope (the result says it was forced)')
    parser.add_argument(
        '--max-oblique',
        type=float,
        default=None,
        help='largest angle (degrees) from a PA or LAT projection that is '
        'still in scope (default 20); beyond it the view is unknown')
    parser.add_argument('--cine', nargs='?', const='gif',
                        choices=['gif', 'mp4'],
                        help='also write a cine loop per series')
    parser.add_argument('--cine-fps', type=float, default=3.0)
    parser.add_argument('--dicom-out', help='write the result as DICOM '
                        'objects (SR, GSPS, KOS) into this folder')
    parser.add_argument('--dicom-sc', nargs='?', const='jpeg',
                        choices=['jpeg', 'lossless'],
                        help='with --dicom-out: also a Secondary Capture '
                        'picture (JPEG baseline, or JPEG-LS lossless)')
    parser.add_argument('--saliency', action='store_true',
                        help='Grad-CAM picture per series (recognizer)')
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(parser)
    args = parser.parse_args(argv)
    if not 0 < args.cine_fps <= 1000:
        parser.error(f'--cine-fps: expected a number in (0, 1000], got '
                     f'{args.cine_fps}')
    return args


def _summarise(result, detector, name, out_dir, path):
    from mmdsa.apis.provenance import series_uids
    from mmdsa.visualization import draw_series_detections
    scope = result['scope']
    entry = dict(
        series=name,
        input=path,
        uids=series_uids(path),
        view=result['meta'].get('view', 'unknown'),
        num_frames=int(len(result['frames'])),
        timings_s={k: round(float(v), 4)
                   for k, v in result['timings_s'].items()})
    picture = osp.join(out_dir, f'{name}.png')
    flag = '' if scope['in_scope'] else (
        ' [OUT OF SCOPE, forced]' if scope['forced'] else ' [OUT OF SCOPE]')
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
            title=f'{name}: series score {result["series_score"]:.3f}'
            f'{flag}')
    else:
        entry['score'] = result['probability']
        draw_series_detections(
            result['frames'], picture,
            title=f'{name}: P(thrombus) = {result["probability"]:.3f}{flag}')
    entry['picture'] = picture
    entry['decision'] = {k: result['decision'][k]
                         for k in ('verdict', 'threshold')}
    entry['scope'] = scope
    return entry


def _extra_pictures(args, model, result, detector, name, path, entry,
                    out_dir, provenance):
    """The optional cine loop, DICOM and saliency of one series."""
    from mmdsa.apis import result_pictures
    if args.cine:
        entry['cine'] = result_pictures.write_result_cine(
            result, detector, osp.join(out_dir, f'{name}.{args.cine}'),
            fps=args.cine_fps)
    if args.dicom_out:
        from mmdsa.results import (build_result_datasets,
                                   read_source_datasets,
                                   write_result_datasets)
        datasets = build_result_datasets(
            result, read_source_datasets(path), provenance,
            task='perforation' if detector else 'thrombus',
            model_name=osp.splitext(osp.basename(args.config))[0],
            include_sc=bool(args.dicom_sc),
            sc_compression=args.dicom_sc or 'jpeg')
        entry['dicom'] = write_result_datasets(datasets, args.dicom_out)
    if args.saliency:
        from mmdsa.apis.saliency import recognizer_saliency
        from mmdsa.visualization.saliency_figure import draw_saliency
        sal = recognizer_saliency(model, path)
        entry['saliency'] = draw_saliency(
            sal['groups'], sal['saliency'],
            osp.join(out_dir, f'{name}_saliency.png'),
            title=f'{name}: P(thrombus) = {sal["probability"]:.3f}',
            num_frames=sal['num_frames'])


def infer_one(args, model, provenance, paths, out_dir, names=None):
    """Score one series (or a PA+LAT pair) and write out_dir/result.json.

    Returns:
        dict: What result.json holds.
    """
    from mmdsa.apis import inference_series, is_detector
    from mmdsa.apis.operating_point import model_decision
    from mmdsa.apis.series_inference import apply_scope, merge_scopes
    from mmdsa.results import RESEARCH_USE_STATEMENT
    from mmdsa.structures.views import PAIR_VIEWS
    from mmdsa.utils.fileio import write_json_atomic
    detector = is_detector(model)
    entries, scopes = [], {}
    for k, path in enumerate(paths):
        name = names[k] if names else \
            osp.splitext(osp.basename(osp.normpath(path)))[0]
        result = inference_series(
            model, path, threshold=args.threshold, force=args.force,
            max_oblique_deg=args.max_oblique,
            modalities='any' if args.any_modality else None,
            precision=args.precision)
        entry = _summarise(result, detector, name, out_dir, path)
        _extra_pictures(args, model, result, detector, name, path, entry,
                        out_dir, provenance)
        entries.append(entry)
        scopes[PAIR_VIEWS[k] if len(paths) == 2 else name] = \
            result['scope']
    if len(entries) == 2:  # the one pairing rule (mmdsa.structures)
        from mmdsa.structures.pairing import check_pair_views, pair_score
        try:
            check_pair_views(entries[0]['view'], entries[1]['view'],
                             paths[0], paths[1])
        except ValueError as exc:
            raise ToolError(str(exc)) from exc
        score = pair_score(entries[0]['score'], entries[1]['score'])
        scope = merge_scopes(scopes, args.force)
    else:
        score = entries[0]['score']
        scope = entries[0]['scope']
    decision = apply_scope(
        model_decision(model, score, args.threshold,
                       'pair' if len(entries) == 2 else 'series'), scope)
    out = dict(
        config=args.config,
        checkpoint=args.checkpoint,
        task='perforation' if detector else 'thrombus',
        precision=result['precision'],
        threshold=decision['threshold'],
        score=score,
        verdict=decision['verdict'],
        forced=decision['forced'],
        scored_as=('mean of the PA and LAT scores'
                   if len(entries) == 2 else 'single series'),
        decision=decision,
        scope=dict(in_scope=scope['in_scope'], reasons=scope['reasons'],
                   forced=scope['forced']),
        provenance=provenance,
        series=entries,
        notice=RESEARCH_USE_STATEMENT)
    out['result'] = write_json_atomic(osp.join(out_dir, 'result.json'), out,
                                      indent=2)
    return out


def _check_out(path, what):
    if osp.exists(path) and not osp.isdir(path):
        raise ToolError(f'{path}: {what} must be a folder, but it is an '
                        'existing file')


def main(argv=None):
    """The CLI; expected errors give ``error: ...`` and exit status 2."""
    from mmdsa.apis.batch_inference import BatchError
    from mmdsa.apis.scope import ScopeError
    from mmdsa.results import ResultExportError
    return run_tool(_main, sys.argv[1:] if argv is None else argv,
                    extra_errors=(BatchError, ResultExportError, ScopeError))


def _main(argv):
    args = parse_args(argv)
    from mmdsa.apis import batch_inference, init_model, is_detector
    from mmdsa.apis.provenance import provenance
    _check_out(args.out, '--out')
    if args.dicom_sc and not args.dicom_out:
        raise ToolError('--dicom-sc: expected --dicom-out DIR too (the '
                        'folder the DICOM objects go to)')
    if not osp.isfile(args.checkpoint):
        raise ToolError(f'{args.checkpoint}: checkpoint not found (no such '
                        'file)')
    from mmdsa.utils.cli import check_device
    from mmdsa.utils.fileio import check_new_output
    from mmdsa.utils.paths import check_out_dir, safe_name, unique_names
    check_device(args.device)
    check_out_dir(args.out, [args.series, args.pair])
    batch = None
    if osp.isdir(args.series) or batch_inference.is_dicomdir(args.series):
        found = batch_inference.discover_series(args.series)
        if found['items'] and not batch_inference.is_one_series_folder(
                args.series, found):
            batch = found
    if batch is not None and args.pair:
        raise ToolError(f'{args.series}: --pair: expected one series, got '
                        f'a folder of {len(batch["items"])} series')
    model = init_model(args.config, args.checkpoint, device=args.device,
                       strict=not args.allow_partial_checkpoint)
    from mmdsa.apis.series_inference import model_precision
    try:
        model_precision(model, args.precision)
    except ValueError as exc:  # e.g. fp16 on a CPU
        raise ToolError(f'--precision: {exc}') from exc
    if args.saliency and is_detector(model):
        raise ToolError('--saliency: expected a thrombus recognizer config, '
                        f'got a detector ({args.config})')
    prov = provenance(args.config, args.checkpoint)
    if batch is not None:
        return _main_batch(args, model, prov, batch)
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
    out = infer_one(args, model, prov, paths, args.out, names=names)
    print(json.dumps(dict(
        {k: out[k] for k in ('task', 'score', 'verdict', 'threshold',
                             'forced')},
        operating_point=out['decision']['operating_point']['source'],
        reasons=out['scope']['reasons'])))
    print(f'wrote {out["result"]}')
    return 0


def _main_batch(args, model, prov, found):
    """Every series of a folder / DICOMDIR; one failure does not stop the
    others."""
    from mmdsa.apis.batch_inference import run_batch

    def process(path, out_dir, item):
        return infer_one(args, model, prov, [path], out_dir,
                         names=[item['name']])

    summary = run_batch(found, args.out, process)
    print(json.dumps(summary['counts']))
    for row in summary['rows']:
        if row['status'] == 'failed':
            print(f'failed: {row["name"]}: {row["reasons"][0]}',
                  file=sys.stderr)
    print(f'wrote {summary["summary_csv"]} and {summary["summary_json"]}')
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
