"""The demo's report: metrics tables, ROC curves and a detection picture."""
import os
import os.path as osp
from typing import Dict, Optional

import numpy as np

from mmdsa.evaluation.metrics.prediction_files import (load_prediction_file,
                                                       write_json_atomic)
from mmdsa.utils.fileio import atomic_write

DET_KEYS = [('auc', 'series AUC'), ('youden_sens', 'Youden sensitivity'),
            ('youden_spec', 'Youden specificity'),
            ('sens95', 'sensitivity at 95 % specificity'), ('ap50', 'AP50'),
            ('ar50', 'AR50'), ('ap_cin', 'AP centre-in'),
            ('ar_cin', 'AR centre-in'), ('auprc', 'AUPRC (centre-in)')]
CLS_KEYS = [('auc', 'AUC'), ('mcc', 'MCC'),
            ('youden_sens', 'Youden sensitivity'),
            ('youden_spec', 'Youden specificity'),
            ('sens95', 'sensitivity at 95 % specificity')]
AUC_TARGET = 0.85
OCCLUSION_LEVELS = ('ICA-T', 'M1', 'M2', 'M3', 'M4+')


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
    from mmdsa.visualization import plot_roc_curves
    if not osp.isfile(path):
        return None
    preds = load_prediction_file(path)['predictions']
    curves = {}
    groups = {'all series': preds}
    if by_view:
        for view in ('PA', 'LAT'):
            groups[view] = [p for p in preds if p.get('view') == view]
        pairs: Dict[str, list] = {}
        for p in preds:
            if p.get('pair_id') is not None:
                pairs.setdefault(p['pair_id'], []).append(p)
        groups['PA+LAT pair (mean)'] = [
            dict(label=max(q['label'] for q in v),
                 score=float(np.mean([q['score'] for q in v])))
            for v in pairs.values() if len(v) == 2
        ]
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
        example=example, pictures=pictures)
    write_json_atomic(osp.join(rdir, 'report.json'), report)

    det_rows = [[label, _fmt(dm.get(f'max/{k}')), _fmt(dm.get(f'so/{k}'))]
                for k, label in DET_KEYS]
    cls_rows = [[label] + [
        _fmt(cm.get(f'{p}{k}')) for p in ('pa/', 'lat/', 'pair/', '')
    ] for k, label in CLS_KEYS]
    md = [
        '# mmdsa demo report', '',
        f"{'Toy-scale (--quick) run' if quick else 'Full demo run'} on "
        f'synthetic DSA, {elapsed_s / 60:.1f} minutes. Scale: '
        + ', '.join(f'{k}={v}' for k, v in scale.items()) + '.', '',
        '## Perforation detection (RetinaNet + temporal neck, T = 5)', '',
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
    path = osp.join(rdir, 'report.md')
    return atomic_write(path, '\n'.join(md) + '\n')
