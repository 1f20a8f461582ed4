"""Cine loops and saliency pictures of test series for the demo report."""
import os.path as osp
from typing import Dict, List, Optional

from mmengine.config import Config


def _test_annotation(cfg: Config) -> str:
    from mmdsa.apis.series_inference import _dataset_cfg
    dataset = _dataset_cfg(cfg)
    return osp.join(dataset.data_root, dataset.ann_file)


def _first_of_each_label(items: List[Dict]) -> List[Dict]:
    """The first positive and the first negative item (label 1, then 0)."""
    out = []
    for label in (1, 0):
        hit = next((it for it in items if it['label'] == label), None)
        if hit is not None:
            out.append(hit)
    return out


def _example(result, task, name, label, cine, extra=None):
    decision = result['decision']
    return dict(task=task, series=name, label=int(label), cine=cine,
                score=decision['score'], verdict=decision['verdict'],
                threshold=decision['threshold'],
                threshold_source=decision['operating_point']['source'],
                **(extra or {}))


#: Longest cine loop of the report (frames; longer series are strided).
MAX_CINE_FRAMES = 48
#: Largest side of a cine frame of the report (pixels; larger series are
#: shrunk by an integer factor).
MAX_CINE_SIZE = 384


def detector_examples(config: str, checkpoint: str, out_dir: str,
                      fps: Optional[float] = None) -> List[Dict]:
    """Cine loops of the first positive and first negative test series:
    detections, the kept trajectory and the reference boxes drawn in."""
    from mmdsa.datasets import load_detection_annotations

    from mmdsa.apis.model_init import init_model
    from mmdsa.apis.result_pictures import write_result_cine
    from mmdsa.apis.series_inference import inference_series
    cfg = Config.fromfile(config)
    ann = _test_annotation(cfg)
    data = load_detection_annotations(ann)
    model = init_model(cfg, checkpoint)
    out = []
    for video in _first_of_each_label(data['videos']):
        gt = {f['frame_id']: f['bboxes'][0] for f in video.get('frames', [])
              if f.get('bboxes')}
        result = inference_series(model, osp.join(osp.dirname(ann),
                                                  video['file']))
        name = video['name']
        cine = write_result_cine(
            result, True, osp.join(out_dir, f'cine_perforation_{name}.gif'),
            fps=fps, max_frames=MAX_CINE_FRAMES,
            max_size=MAX_CINE_SIZE, gt_boxes=gt)
        out.append(_example(result, 'perforation', name, video['label'], cine,
                            dict(kept_frames=sorted(result['trajectory']),
                                 reference_frames=sorted(gt))))
    return out


def recognizer_examples(config: str, checkpoint: str, out_dir: str,
                        fps: Optional[float] = None) -> Dict:
    """Cine loops of the first positive and first negative test series
    (probability bar, annotated thrombus points) and the Grad-CAM picture of
    the positive one.

    Returns:
        dict: ``cines`` (list of example dicts) and ``saliency`` (dict with
        ``series`` and ``picture``, or None).
    """
    from mmdsa.datasets import load_classification_annotations
    from mmdsa.visualization.saliency_figure import draw_saliency

    from mmdsa.apis.model_init import init_model
    from mmdsa.apis.result_pictures import write_result_cine
    from mmdsa.apis.saliency import recognizer_saliency
    from mmdsa.apis.series_inference import inference_series
    cfg = Config.fromfile(config)
    ann = _test_annotation(cfg)
    items = load_classification_annotations(ann)['data_list']
    model = init_model(cfg, checkpoint)
    cines, saliency = [], None
    for item in _first_of_each_label(items):
        path = osp.join(osp.dirname(ann), item['file'])
        result = inference_series(model, path)
        name = item['series_id']
        points = item.get('thrombus_points') or []
        cine = write_result_cine(
            result, False, osp.join(out_dir, f'cine_thrombus_{name}.gif'),
            fps=fps, max_frames=MAX_CINE_FRAMES,
            max_size=MAX_CINE_SIZE, points=points)
        cines.append(_example(result, 'thrombus', name, item['label'], cine,
                              dict(thrombus_points=points)))
        if item['label'] == 1 and saliency is None:
            sal = recognizer_saliency(model, path)
            picture = draw_saliency(
                sal['groups'], sal['saliency'],
                osp.join(out_dir, f'saliency_thrombus_{name}.png'),
                title=f'{name}: P(thrombus) = {sal["probability"]:.3f}',
                num_frames=sal['num_frames'])
            saliency = dict(series=name, picture=picture,
                            probability=sal['probability'])
    return dict(cines=cines, saliency=saliency)


def operating_point_summary(checkpoint: str) -> Optional[Dict]:
    """The checkpoint's calibrated operating point for the report, or
    None (no sidecar / unusable)."""
    from mmdsa.apis.operating_point import (OperatingPointError,
                                            load_operating_point)
    try:
        point = load_operating_point(checkpoint)
    except OperatingPointError:
        return None
    if point is None:
        return None
    keys = ('threshold', 'method', 'required_specificity', 'sensitivity',
            'specificity', 'num_series', 'num_positive', 'num_negative')
    out = {k: point.get(k) for k in keys}
    out['file'] = point['file']
    if point.get('pair'):
        out['pair'] = {k: point['pair'].get(k) for k in keys}
    return out
