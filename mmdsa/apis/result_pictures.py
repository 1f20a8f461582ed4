"""Turn an inference result into pictures: cine loops (what
``tools/infer.py --cine`` and the demo report write). DICOM results are
:mod:`mmdsa.results`."""
from typing import Dict, Optional, Sequence


def result_overlays(result: Dict, detector: bool,
                    points: Optional[Sequence] = None,
                    gt_boxes: Optional[Dict] = None) -> Dict:
    """Keyword arguments of :func:`mmdsa.visualization.cine.
    render_cine_frames` for one series result of
    :func:`mmdsa.apis.inference_series`.

    Detector: per-frame detections, the kept trajectory and the series
    score. Recognizer: the probability bar (with the decision threshold
    marked) and ``points`` (e.g. the annotation's thrombus points).
    """
    decision = result.get('decision')
    verdict = f' {decision["verdict"]}' if decision else ''
    threshold = decision['threshold'] if decision else None
    if detector:
        return dict(detections=result['detections'],
                    trajectory=result['trajectory'], gt_boxes=gt_boxes,
                    title=f'score {result["series_score"]:.2f}{verdict}')
    return dict(probability=result['probability'], threshold=threshold,
                points=points, gt_boxes=gt_boxes, title=verdict.strip())


def write_result_cine(result: Dict, detector: bool, out_file: str,
                      fps: Optional[float] = 3.0,
                      max_frames: Optional[int] = None,
                      max_size: Optional[int] = None, **overlays) -> str:
    """Write the cine loop (``.gif`` or ``.mp4``) of one series result;
    ``overlays`` (``points``, ``gt_boxes``) go to :func:`result_overlays`.

    ``fps=None`` plays the series at its own timing (``frame_times_ms`` of
    the result, e.g. the DICOM FrameTime); ``max_frames`` caps the loop's
    length by a frame stride (see :func:`mmdsa.visualization.cine.
    cine_timing`) and ``max_size`` its frame size (see
    :func:`mmdsa.visualization.cine.render_cine_frames`)."""
    from mmdsa.visualization.cine import write_series_cine
    return write_series_cine(
        out_file, result['frames'], fps=fps,
        frame_times_ms=result.get('frame_times_ms') if fps is None else None,
        max_frames=max_frames, max_size=max_size,
        **result_overlays(result, detector, **overlays))

