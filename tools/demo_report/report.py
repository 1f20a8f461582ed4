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

#: The detector table: (key, label). ``@op`` keys are evaluated at the
#: operating point chosen on the validation split (no threshold is chosen
#: on the test series, except where a label says so).
DET_KEYS = [
    ('auc', 'series AUC'),
    ('sens@op', 'series sensitivity at the operating point'),
    ('spec@op', 'series specificity at the operating point'),
    ('sens95', 'series sensitivity at 95 % specificity, optimistic '
     '(chosen on test)'),
    ('ap50@op', 'box precision, IoU >= 0.5, at the operating point'),
    ('ar50@op', 'box recall, IoU >= 0.5, at the operating point'),
    ('ap_cin@op', 'box precision, centre-in, at the operating point'),
    ('ar_cin@op', 'box recall, centre-in, at the operating point'),
    ('auprc', 'area under the box precision-recall curve (centre-in)'),
]
CLS_KEYS = [('auc', 'AUC'), ('mcc', 'MCC (threshold 0.5)'),
            ('sens95', 'sensitivity at 95 % specificity, optimistic '
             '(chosen on test)')]
#: One sentence each, printed under the tables.
SO_SENTENCE = (
    'SO (series optimiser) links the boxes of consecutive frames into the '
    'best-scoring trajectory and gives the series the score of that '
    'trajectory, so a box that appears in one frame only (a mimic) weighs '
    'less than one that persists; "max frame score" scores a series by its '
    'single best box instead.')
LOC_DEFINITION = (
    'Box precision / recall at the operating point: in every frame only the '
    'highest-scoring box counts; precision is the share of those with '
    'score >= the operating point that hit the reference box (IoU >= 0.5, '
    'or centre-in: one box\'s centre lies in the other), recall the share '
    'of reference boxes hit. These are not COCO AP / AR as MMDetection '
    'reports them.')
SALIENCY_CAVEAT = (
    'Caveat: Grad-CAM shows where the gradient of the score is large, not '
    'where a thrombus is. It can peak on the image border or the '
    'collimator edge (padding and border effects of the convolutions), so '
    'do not read it as a localisation.')
AUC_TARGET = 0.85
TOY = 'Toy-scale (--quick / --scale tiny) run'


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
                          by_view: bool, threshold: Optional[float] = None,
                          pair_threshold: Optional[float] = None,
                          rule: str = 'file',
                          n_boot: int = 500) -> Optional[str]:
    from mmdsa.structures.pairing import pair_records
    from mmdsa.visualization import plot_roc_curves
    if not osp.isfile(path):
        return None
    data = load_prediction_file(path)
    preds = data['predictions']
    if rule == 'max_score' and all('frames' in p for p in preds):
        from mmdsa.evaluation.cross_validation import scored_series
        preds = scored_series(data, 'max_score')
    curves, points = {}, {}
    groups = {'all series': preds}
    if by_view:
        for view in PAIR_VIEWS:
            groups[view] = [p for p in preds if p.get('view') == view]
        groups['PA+LAT pair (mean)'] = pair_records(preds, path, 'skip')
    for name, items in groups.items():
        labels = [int(p['label']) for p in items]
        if len(set(labels)) == 2:
            curves[name] = (labels, [float(p['score']) for p in items])
            thr = pair_threshold if name.startswith('PA+LAT') else threshold
            if thr is not None:
                points[name] = thr
    if not curves:
        return None
    return plot_roc_curves(curves, out_png, title=title,
                           operating_points=points, n_boot=n_boot)


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


CI_KEYS = ('auc', 'sens95', 'sens@op', 'spec@op', 'ap50@op', 'ar50@op',
           'ap_cin@op', 'ar_cin@op', 'auprc')


def _table_value(tables, key, thresholds, arm):
    """One ``DET_KEYS`` value of series tables (NaN when undefined)."""
    from mmdsa.evaluation.cross_validation import table_metric
    if not key.endswith('@op'):
        return table_metric(tables, key)
    thr = thresholds.get(arm)
    if thr is None:
        return float('nan')
    base = key[:-3]
    if base in ('sens', 'spec'):
        labels = np.array([t['label'] for t in tables])
        pred = np.array([t['score'] for t in tables]) >= thr
        want = 1 if base == 'sens' else 0
        if not (labels == want).any():
            return float('nan')
        hit = pred[labels == 1] if base == 'sens' else ~pred[labels == 0]
        return float(hit.mean())
    return table_metric(tables, base, loc_score_thr=thr)


def _bootstrap(tables, key, thresholds, arm, n_boot):
    """95 % percentile interval over series with
    :func:`mmdsa.evaluation.functional.bootstrap_ci` (the resampled
    "scores" are series indices; undefined resamples are skipped)."""
    from mmdsa.evaluation.functional import bootstrap_ci

    def metric(_labels, idx):
        value = _table_value([tables[int(i)] for i in idx], key,
                             thresholds, arm)
        if np.isnan(value):
            raise ValueError('undefined on this resample')
        return value

    labels = [t['label'] for t in tables]
    try:
        return bootstrap_ci(metric, labels, np.arange(len(tables)),
                            n=n_boot)
    except ValueError:
        return float('nan'), float('nan')


def validation_thresholds(checkpoint: str) -> Dict[str, Optional[float]]:
    """The series thresholds of both rules, chosen on the validation split:
    ``so/`` is the checkpoint's calibrated operating point (Youden on the
    validation predictions); ``max/`` is Youden on the same validation
    predictions re-scored by the max frame score. None when uncalibrated."""
    from mmdsa.apis.operating_point import choose_operating_point
    from mmdsa.evaluation.cross_validation import scored_series
    point = operating_point_summary(checkpoint)
    out = {'so/': None, 'max/': None}
    if point is None:
        return out
    out['so/'] = float(point['threshold'])
    from mmdsa.apis.operating_point import load_operating_point
    val_file = (load_operating_point(checkpoint) or {}).get(
        'chosen_on', {}).get('predictions')
    if val_file and osp.isfile(val_file):
        data = load_prediction_file(val_file)
        if all('frames' in p for p in data['predictions']):
            series = scored_series(data, 'max_score')
            labels = [s['label'] for s in series]
            if len(set(labels)) == 2:
                out['max/'] = float(choose_operating_point(
                    labels, [s['score'] for s in series],
                    method=point['method'],
                    specificity=point.get('required_specificity') or 0.95
                )['threshold'])
    return out


def detection_rows(metrics: Dict, pred_file: str, n_boot: int = 1000,
                   thresholds: Optional[Dict] = None):
    """Rows ``[metric, max frame score, with SO]`` of the detector table,
    each value with its 95 % bootstrap interval over the test series.

    Both rules are re-scored from the one prediction file (its per-frame
    detections): the same detections under SO and under the max score.
    ``@op`` rows use ``thresholds`` (``{'max/': t, 'so/': t}``, chosen on
    the validation split, see :func:`validation_thresholds`).
    """
    from mmdsa.evaluation.cross_validation import (scored_series,
                                                   series_tables)
    thresholds = thresholds or {}
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
            if arm in tables:
                value = _table_value(tables[arm], key, thresholds, arm)
            elif key.endswith('@op'):
                value = None
            else:
                value = metrics.get(f'{arm}{key}')
            text = _fmt(value)
            if arm in tables and key in CI_KEYS and n_boot:
                low, high = _bootstrap(tables[arm], key, thresholds, arm,
                                       n_boot)
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
    n_boot = int(scale.get('bootstrap_resamples', 1000))
    thresholds = validation_thresholds(det['checkpoint'])
    cls_point = operating_point_summary(cls['checkpoint']) or {}
    for key, pred, title, by_view, thr, pair_thr, rule in (
            ('roc_perforation_so', 'perforation/predictions_so.json',
             'Perforation, series level (with SO)', False,
             thresholds['so/'], None, 'file'),
            ('roc_perforation_max', 'perforation/predictions_so.json',
             'Perforation, series level (max frame score)', False,
             thresholds['max/'], None, 'max_score'),
            ('roc_thrombus', 'thrombus/predictions.json',
             'Thrombus, per view and per pair', True,
             cls_point.get('threshold'),
             (cls_point.get('pair') or {}).get('threshold'), 'file')):
        png = _roc_from_predictions(osp.join(work, pred),
                                    osp.join(rdir, f'{key}.png'), title,
                                    by_view, thr, pair_thr, rule,
                                    min(500, n_boot))
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
        saliency=media['saliency'],
        detector_thresholds={k.rstrip('/'): v for k, v in thresholds.items()},
        definitions=dict(series_optimiser=SO_SENTENCE,
                         localisation=LOC_DEFINITION,
                         saliency=SALIENCY_CAVEAT))

    det_rows = detection_rows(
        dm, osp.join(work, 'perforation', 'predictions_so.json'),
        n_boot=n_boot, thresholds=thresholds)
    report['perforation']['table'] = det_rows
    write_json_atomic(osp.join(rdir, 'report.json'), report)
    cls_rows = [[label] + [
        _fmt(cm.get(f'{p}{k}')) for p in ('pa/', 'lat/', 'pair/', '')
    ] for k, label in CLS_KEYS]
    md = [
        '# mmdsa demo report', '',
        f"{TOY if quick else 'Full demo run'} on "
        f'synthetic DSA, {elapsed_s / 60:.1f} minutes. Scale: '
        + ', '.join(f'{k}={v}' for k, v in scale.items()) + '.', '',
        '## Perforation detection (RetinaNet + temporal neck, T = 5)', '',
        'Both columns score the same detections (one box per frame '
        '>= 0.05). ' + SO_SENTENCE, '',
        _op_sentence(thresholds) + ' [95 % bootstrap interval over the '
        'test series].', '',
        _table(['metric (test split)', 'max frame score', 'with SO'],
               det_rows), '', LOC_DEFINITION, '',
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
        md += ['', '## Saliency (Grad-CAM)', '', SALIENCY_CAVEAT, '',
               f"![saliency]({media['saliency']['picture']})"]
    md += ['', 'The same report as a web page: [report.html](report.html).']
    path = osp.join(rdir, 'report.md')
    write_text(path, '\n'.join(md) + '\n')
    write_text(osp.join(rdir, 'report.html'), _html(
        quick, elapsed_s, scale, det_rows, cls_rows, checks, targets,
        pictures, op_rows, media, thresholds))
    return path


def _op_sentence(thresholds: Dict) -> str:
    """The detector's operating points as thresholds, not metrics."""
    def thr(arm):
        value = thresholds.get(arm)
        return 'not calibrated' if value is None else f'{value:.3f}'
    return ('Operating points (series-score thresholds chosen on the '
            f"validation split): max frame score {thr('max/')}, with SO "
            f"{thr('so/')}; a series is positive when its score >= the "
            'threshold.')


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
          pictures, op_rows, media, thresholds) -> str:
    from .report_html import render_report_html
    intro = (f"{TOY if quick else 'Full demo run'} on "
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
             'T = 5)', text=SO_SENTENCE + ' ' + _op_sentence(thresholds)
             + ' [95 % bootstrap interval over the test series].',
             table=(['metric (test split)', 'max frame score', 'with SO'],
                    det_rows), note=LOC_DEFINITION),
        dict(heading='Thrombus classification (CNN + BiGRU)',
             table=(['metric (test split)', 'PA', 'LAT', 'PA+LAT pair',
                     'all series'], cls_rows)),
        dict(heading='Targets',
             table=(['target', 'value', f'>= {AUC_TARGET}'],
                    [[k, _fmt(v), 'yes' if checks[k] else 'no']
                     for k, v in targets.items()])),
        dict(heading='ROC curves', text='Each curve: the test series, '
             'n+ positive and n- negative; shaded: 95 % bootstrap band of '
             'the sensitivity; dot: the operating point chosen on the '
             'validation split.', figures=roc),
        dict(heading='Operating points (chosen on the validation split)',
             text='Verdicts below use these thresholds (score >= '
             'threshold is positive); sensitivity and specificity are those '
             'reached on the validation series.',
             table=(OP_HEADER, op_rows)),
        dict(heading='Cine loops, perforation detector',
             text='Yellow = detections, red = kept trajectory, green = '
             'reference box. Played at the series\' own frame rate.',
             figures=[c for c, ex in zip(cines, media['cines'])
                      if ex['task'] == 'perforation']),
        dict(heading='Cine loops, thrombus recognizer',
             text='Orange bar = P(thrombus), white tick = threshold, cyan '
             'cross = annotated thrombus point. Played at the series\' own '
             'frame rate.',
             figures=[c for c, ex in zip(cines, media['cines'])
                      if ex['task'] == 'thrombus']),
    ]
    if 'positive_series' in pictures:
        sections.append(dict(heading='Detections on a positive series',
                             figures=[(pictures['positive_series'],
                                       'frames with boxes', 1000)]))
    if media['saliency']:
        sal = media['saliency']
        sections.append(dict(
            heading='Saliency of a thrombus case (Grad-CAM)',
            warning=SALIENCY_CAVEAT,
            figures=[(sal['picture'], f"{sal['series']}: P(thrombus) = "
                      f"{sal['probability']:.3f}", 900)]))
    return render_report_html('mmdsa demo report', intro, sections)
