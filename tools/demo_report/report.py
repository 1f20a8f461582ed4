"""The demo's report: metrics tables, ROC curves, operating points, a
detection picture, cine loops and saliency, as report.md and report.html."""
import os
import os.path as osp
from typing import Dict, Optional

import numpy as np

from mmdsa.evaluation.metrics.prediction_files import (load_prediction_file,
                                                       write_json_atomic)
from mmdsa.structures.classes import OCCLUSION_LEVELS
from mmdsa.structures.views import PAIR_VIEWS
from mmdsa.visualization.output import write_text
from .report_media import operating_point_summary

DET_KEYS = [('auc', 'series AUC'), ('youden_sens', 'Youden sensitivity'),
            ('youden_spec', 'Youden specificity'),
            ('sens95', 'sensitivity at 95 % specificity'), ('ap50', 'AP50'),
            ('ar50', 'AR50'), ('ap_cin', 'AP centre-in'),
            ('ar_cin', 'AR centre-in'), ('auprc', 'AUPRC (centre-in)'),
            ('loc_thr', 'AP / AR operating point (series Youden)')]
CLS_KEYS = [('auc', 'AUC'), ('mcc', 'MCC'),
            ('youden_sens', 'Youden sensitivity'),
            ('youden_spec', 'Youden specificity'),
            ('sens95', 'sensitivity at 95 % specificity')]
AUC_TARGET = 0.85


def _fmt(value) -> str:
    if value is None:
        return '-'
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    return 'nan' if np.isnan(value) else f'{value:.3f}'


def _table(header, rows):
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(r) + ' |' for r in rows]
    return '\n'.join(lines)


def _roc_from_predictions(path: str, out_png: str, title: str,
                          by_view: bool) -> Optional[str]:
    from mmdsa.structures.pairing import pair_records
    from mmdsa.visualization import plot_roc_curves
    if not osp.isfile(path):
        return None
    preds = load_prediction_file(path)['predictions']
    curves = {}
    groups = {'all series': preds}
    if by_view:
        for view in PAIR_VIEWS:
            groups[view] = [p for p in preds if p.get('view') == view]
        groups['PA+LAT pair (mean)'] = pair_records(preds, path, 'skip')
    for name, items in groups.items():
        labels = [int(p['label']) for p in items]
        if len(set(labels)) == 2:
            curves[name] = (labels, [float(p['score']) for p in items])
    if not curves:
        return None
    return plot_roc_curves(curves, out_png, title=title)


def _positive_series_picture(det: Dict, out_png: str) -> Optional[Dict]:
    """Run the trained detector on the first positive test series."""
    from mmengine.config import Config

    from mmdsa.apis import inference_detector_series, init_model
    from mmdsa.datasets import load_detection_annotations
    from mmdsa.visualization import draw_series_detections
    cfg = Config.fromfile(det['config'])
    dataset = cfg.test_dataloader.dataset
    ann_file = osp.join(dataset.data_root, dataset.ann_file)
    videos = load_detection_annotations(ann_file)['videos']
    positives = [v for v in videos if v['label'] == 1]
    if not positives:
        return None
    video = positives[0]
    path = osp.join(osp.dirname(ann_file), video['file'])
    model = init_model(cfg, det['checkpoint'])
    result = inference_detector_series(model, path)
    gt = {f['frame_id']: f['bboxes'][0] for f in video['frames']
          if f['bboxes']}
    draw_series_detections(
        result['frames'], out_png, detections=result['detections'],
        trajectory=result['trajectory'], gt_boxes=gt,
        title=f"{video['name']}: series score {result['series_score']:.3f} "
        f"(reference: perforation in {len(gt)} frames)")
    return dict(series=video['name'], picture=out_png,
                series_score=result['series_score'],
                kept_frames=sorted(result['trajectory']),
                reference_frames=sorted(gt))


CI_KEYS = ('auc', 'sens95', 'ap50', 'ar50', 'ap_cin', 'ar_cin', 'auprc')


def detection_rows(metrics: Dict, pred_file: str, n_boot: int = 1000):
    """Rows ``[metric, max frame score, with SO]`` of the detector table,
    each value with its 95 % bootstrap interval over the test series.

    Both rules are re-scored from the one prediction file (its per-frame
    detections): the same detections under SO and under the max score.
    """
    from mmdsa.evaluation.cross_validation import (bootstrap_metric_ci,
                                                   scored_series,
                                                   series_tables)
    tables = {}
    if osp.isfile(pred_file):
        data = load_prediction_file(pred_file)
        if all('frames' in p for p in data['predictions']):
            tables = {'max/': series_tables(scored_series(data,
                                                          'max_score')),
                      'so/': series_tables(scored_series(data))}
    rows = []
    for key, label in DET_KEYS:
        cells = [label]
        for arm in ('max/', 'so/'):
            text = _fmt(metrics.get(f'{arm}{key}'))
            if arm in tables and key in CI_KEYS:
                low, high = bootstrap_metric_ci(tables[arm], key, n_boot)
                if not (np.isnan(low) or np.isnan(high)):
                    text += f' [{low:.3f}, {high:.3f}]'
            cells.append(text)
        rows.append(cells)
    return rows


def level_rows(metrics: Dict):
    """Rows ``[level, PA, LAT, pair, all]`` of sensitivity (n positives)
    per occlusion level from ``SeriesClassificationMetric``'s
    ``[<view>/]level/<L>/sens`` keys; empty when there are none."""
    rows = []
    for level in OCCLUSION_LEVELS:
        cells = []
        for prefix in ('pa/', 'lat/', 'pair/', ''):
            n = metrics.get(f'{prefix}level/{level}/num_pos')
            sens = metrics.get(f'{prefix}level/{level}/sens')
            cells.append('-' if not n else f'{_fmt(sens)} (n={int(n)})')
        if any(c != '-' for c in cells):
            rows.append([level] + cells)
    return rows


def write_report(out: str, quick: bool, scale: Dict, det: Dict, cls: Dict,
                 elapsed_s: float) -> str:
    """Write ``out/report/report.{md,json}`` and the pictures.

    Args:
        out (str): The demo's output folder.
        quick (bool): Whether the toy scale was used.
        scale (dict): Data sizes and epochs used.
        det, cls (dict): ``config``, ``checkpoint`` and test ``metrics`` of
            the detector and the recognizer.
        elapsed_s (float): Wall time of the demo so far.

    Returns:
        str: Path of ``report.md``.
    """
    rdir = osp.join(out, 'report')
    os.makedirs(rdir, exist_ok=True)
    work = osp.join(out, 'work')
    pictures = {}
    for key, pred, title, by_view in (
            ('roc_perforation_so', 'perforation/predictions_so.json',
             'Perforation, series level (with SO)', False),
            ('roc_perforation_max', 'perforation/predictions_max.json',
             'Perforation, series level (max frame score)', False),
            ('roc_thrombus', 'thrombus/predictions.json',
             'Thrombus, per view and per pair', True)):
        png = _roc_from_predictions(osp.join(work, pred),
                                    osp.join(rdir, f'{key}.png'), title,
                                    by_view)
        if png:
            pictures[key] = osp.relpath(png, rdir)
    example = _positive_series_picture(
        det, osp.join(rdir, 'positive_series_detections.png'))
    if example:
        pictures['positive_series'] = osp.relpath(example['picture'], rdir)
    media = _media(det, cls, rdir)
    operating_points = {
        'perforation': operating_point_summary(det['checkpoint']),
        'thrombus': operating_point_summary(cls['checkpoint'])}

    dm, cm = det['metrics'], cls['metrics']
    targets = {
        'perforation series AUC (SO)': dm.get('so/auc'),
        'thrombus series AUC': cm.get('auc'),
    }
    checks = {k: (v is not None and float(v) >= AUC_TARGET)
              for k, v in targets.items()}
    report = dict(
        quick=quick, scale=scale, elapsed_s=round(elapsed_s, 1),
        perforation=dict(config=det['config'], checkpoint=det['checkpoint'],
                         metrics=dm),
        thrombus=dict(config=cls['config'], checkpoint=cls['checkpoint'],
                      metrics=cm),
        auc_target=AUC_TARGET, targets=targets, targets_met=checks,
        example=example, pictures=pictures,
        operating_points=operating_points, cine_examples=media['cines'],
        saliency=media['saliency'])
    write_json_atomic(osp.join(rdir, 'report.json'), report)

    det_rows = detection_rows(
        dm, osp.join(work, 'perforation', 'predictions_so.json'))
    cls_rows = [[label] + [
        _fmt(cm.get(f'{p}{k}')) for p in ('pa/', 'lat/', 'pair/', '')
    ] for k, label in CLS_KEYS]
    md = [
        '# mmdsa demo report', '',
        f"{'Toy-scale (--quick) run' if quick else 'Full demo run'} on "
        f'synthetic DSA, {elapsed_s / 60:.1f} minutes. Scale: '
        + ', '.join(f'{k}={v}' for k, v in scale.items()) + '.', '',
        '## Perforation detection (RetinaNet + temporal neck, T = 5)', '',
        'Both columns score the same detections (one box per frame '
        '>= 0.05); AP / AR at the series Youden point (`docs/metrics.md`); '
        '[95 % bootstrap interval over the test series].', '',
        _table(['metric (test split)', 'max frame score', 'with SO'],
               det_rows), '',
        '## Thrombus classification (CNN + BiGRU)', '',
        _table(['metric (test split)', 'PA', 'LAT', 'PA+LAT pair',
                'all series'], cls_rows), '',
    ]
    levels = level_rows(cm)
    if levels:
        md += ['Sensitivity per occlusion level of the positive test '
               'series (threshold 0.5):', '',
               _table(['occlusion level', 'PA', 'LAT', 'PA+LAT pair',
                       'all series'], levels), '']
    md += [
        '## Targets', '',
        _table(['target', 'value', f'>= {AUC_TARGET}'],
               [[k, _fmt(v), 'yes' if checks[k] else 'no']
                for k, v in targets.items()]), '',
        '## Pictures', ''
    ]
    md += [f'![{k}]({v})' for k, v in pictures.items()]
    if example:
        md += ['', f"Positive series `{example['series']}`: the optimiser "
               f"kept boxes in frames {example['kept_frames']}; the "
               f"reference marks frames {example['reference_frames']}."]
    op_rows = _operating_point_rows(operating_points, {
        'perforation': osp.join(work, 'perforation', 'predictions_so.json'),
        'thrombus': osp.join(work, 'thrombus', 'predictions.json')})
    md += ['', '## Operating points (chosen on the validation split)', '',
           _table(OP_HEADER, op_rows), '', '## Cine loops', '']
    md += [f"![{c['series']}]({c['cine']})" for c in media['cines']]
    if media['saliency']:
        md += ['', '## Saliency (Grad-CAM)', '',
               f"![saliency]({media['saliency']['picture']})"]
    md += ['', 'The same report as a web page: [report.html](report.html).']
    path = osp.join(rdir, 'report.md')
    write_text(path, '\n'.join(md) + '\n')
    write_text(osp.join(rdir, 'report.html'), _html(
        quick, elapsed_s, scale, det_rows, cls_rows, checks, targets,
        pictures, op_rows, media))
    return path


OP_HEADER = ['model', 'unit', 'threshold', 'method', 'val sensitivity',
             'val specificity', 'val series', 'test sensitivity',
             'test specificity']


def _sens_spec(labels, scores, threshold):
    labels, pred = np.asarray(labels), np.asarray(scores) >= threshold
    sens = pred[labels == 1].mean() if (labels == 1).any() else None
    spec = (~pred[labels == 0]).mean() if (labels == 0).any() else None
    return sens, spec


def _operating_point_rows(points: Dict, test_files: Dict) -> list:
    """One row per calibrated point, with the sensitivity / specificity
    that threshold gives on the test predictions."""
    from mmdsa.structures.pairing import pair_records
    rows = []
    for task, point in points.items():
        if point is None:
            rows.append([task, '-', 'uncalibrated'] + ['-'] * 6)
            continue
        test = load_prediction_file(test_files[task])['predictions'] \
            if osp.isfile(test_files[task]) else []
        for unit, p, items in (
                ('series', point, test),
                ('PA+LAT pair', point.get('pair'),
                 pair_records(test, test_files[task], 'skip'))):
            if p is None:
                continue
            method = p['method'] if p['method'] == 'youden' else \
                f"sens at spec >= {p['required_specificity']}"
            sens, spec = _sens_spec([r['label'] for r in items],
                                    [r['score'] for r in items],
                                    p['threshold'])
            rows.append([task, unit, _fmt(p['threshold']), method,
                         _fmt(p['sensitivity']), _fmt(p['specificity']),
                         str(p['num_series']), _fmt(sens), _fmt(spec)])
    return rows


def _media(det: Dict, cls: Dict, rdir: str) -> Dict:
    """Cine loops of a positive and a negative series of each task and the
    saliency of a thrombus case, with paths relative to ``rdir``."""
    from .report_media import detector_examples, recognizer_examples
    cines = detector_examples(det['config'], det['checkpoint'], rdir)
    rec = recognizer_examples(cls['config'], cls['checkpoint'], rdir)
    cines += rec['cines']
    for c in cines:
        c['cine'] = osp.relpath(c['cine'], rdir)
    saliency = rec['saliency']
    if saliency:
        saliency['picture'] = osp.relpath(saliency['picture'], rdir)
    return dict(cines=cines, saliency=saliency)


def _html(quick, elapsed_s, scale, det_rows, cls_rows, checks, targets,
          pictures, op_rows, media) -> str:
    from .report_html import render_report_html
    intro = (f"{'Toy-scale (--quick) run' if quick else 'Full demo run'} on "
             f'synthetic DSA, {elapsed_s / 60:.1f} minutes. Scale: ' +
             ', '.join(f'{k}={v}' for k, v in scale.items()) + '.')
    roc = [(v, k.replace('_', ' '), 420) for k, v in pictures.items()
           if k.startswith('roc_')]
    cines = [(c['cine'], f"{c['task']}: {c['series']} (reference: "
              f"{'positive' if c['label'] else 'negative'}): score "
              f"{c['score']:.3f}, verdict {c['verdict']} at threshold "
              f"{c['threshold']:.3f} ({c['threshold_source']})", 300)
             for c in media['cines']]
    sections = [
        dict(heading='Perforation detection (RetinaNet + temporal neck, '
             'T = 5)', table=(['metric (test split)', 'max frame score',
                               'with SO'], det_rows)),
        dict(heading='Thrombus classification (CNN + BiGRU)',
             table=(['metric (test split)', 'PA', 'LAT', 'PA+LAT pair',
                     'all series'], cls_rows)),
        dict(heading='Targets',
             table=(['target', 'value', f'>= {AUC_TARGET}'],
                    [[k, _fmt(v), 'yes' if checks[k] else 'no']
                     for k, v in targets.items()])),
        dict(heading='ROC curves', figures=roc),
        dict(heading='Operating points (chosen on the validation split)',
             text='Verdicts below use these thresholds (score >= '
             'threshold is positive); sensitivity and specificity are those '
             'reached on the validation series.',
             table=(OP_HEADER, op_rows)),
        dict(heading='Cine loops',
             text='Detector: yellow = detections, red = kept trajectory, '
             'green = reference box. Recognizer: orange bar = P(thrombus), '
             'white tick = threshold, cyan cross = annotated thrombus '
             'point.', figures=cines),
    ]
    if 'positive_series' in pictures:
        sections.append(dict(heading='Detections on a positive series',
                             figures=[(pictures['positive_series'],
                                       'frames with boxes', 1000)]))
    if media['saliency']:
        sal = media['saliency']
        sections.append(dict(
            heading='Saliency of a thrombus case (Grad-CAM)',
            figures=[(sal['picture'], f"{sal['series']}: P(thrombus) = "
                      f"{sal['probability']:.3f}", 900)]))
    return render_report_html('mmdsa demo report', intro, sections)
