"""The result's boxes as a Grayscale Softcopy Presentation State (GSPS),
built with highdicom.

A viewer that supports presentation states (e.g. Weasis, OHIF, Horos)
shows the source series with the boxes drawn on their frames; the boxes
are graphics, not pixels, so the source stays untouched and each graphic
layer can be switched off:

- ``MMDSA_TRAJECTORY``: the kept trajectory (red), one rectangle on each
  frame it spans, labelled with the detector's score;
- ``MMDSA_DETECTIONS``: the other detector boxes at or above the reported
  score (yellow), labelled with their score;
- ``MMDSA_NOTICE``: a line of text on every frame, the verdict and
  "research use only, not a medical device".

The colours are those of the cine loops (:data:`mmdsa.utils.colours.
COLOURS`). Rectangles are closed POLYLINEs in PIXEL units (the top-left
corner of the top-left pixel is 0, 0; the same coordinates as the SR).
The window (VOI LUT) is the source's.
"""
from collections import defaultdict
from typing import Dict, List, Sequence

from .codes import FINDING_TEXT, RESEARCH_USE_LABEL
from .findings import verdict_text
from .sources import frame_reference
from .sr import rectangle

SERIES_NUMBER = 9902
LAYERS = dict(
    trajectory=('MMDSA_TRAJECTORY', 'kept trajectory', 'trajectory'),
    detection=('MMDSA_DETECTIONS', 'detector boxes', 'detection'),
    notice=('MMDSA_NOTICE', 'verdict and research-use notice', 'text'),
)


def _layers() -> Dict[str, object]:
    import highdicom as hd
    from mmdsa.utils.colours import COLOURS
    return {key: hd.pr.GraphicLayer(
        layer_name=name, order=order, description=description,
        display_color=hd.color.CIELabColor.from_rgb(*COLOURS[colour]))
        for order, (key, (name, description, colour)) in enumerate(
            LAYERS.items(), start=1)}


def _annotation(sources, frame, layer, graphics, texts):
    import highdicom as hd
    ds, frame_number = frame_reference(sources, frame)
    return hd.pr.GraphicAnnotation(
        referenced_images=[ds], graphic_layer=layer,
        referenced_frame_number=frame_number,
        graphic_objects=graphics or None, text_objects=texts or None)


def _luts(sources: Sequence, frames=None):
    """The source's Modality LUT (its rescale, else identity) and window
    (its first WindowCenter / WindowWidth, else the 0.5 / 99.5 percentiles
    of ``frames``, the window of the cine loops)."""
    import highdicom as hd
    import numpy as np
    from pydicom.multival import MultiValue
    src = sources[0]

    def first(key):
        value = src.get(key)
        if isinstance(value, (list, MultiValue)):
            value = value[0] if len(value) else None
        return None if value in (None, '') else float(value)

    modality = hd.ModalityLUTTransformation(
        rescale_intercept=first('RescaleIntercept') or 0.0,
        rescale_slope=first('RescaleSlope') or 1.0,
        rescale_type=hd.RescaleTypeValues.US)
    centre, width = first('WindowCenter'), first('WindowWidth')
    explanation = 'window of the source'
    if centre is None or not width:
        if frames is None:
            return modality, None
        lo, hi = np.percentile(np.asarray(frames), [0.5, 99.5])
        centre, width = float(lo + hi) / 2, max(float(hi - lo), 1.0)
        explanation = '0.5 to 99.5 percentile of the series'
    return modality, [hd.pr.SoftcopyVOILUTTransformation(
        window_center=centre, window_width=width,
        window_explanation=explanation)]


def build_gsps(summary: Dict, sources: Sequence, provenance: Dict, uids,
               model_name: str, frames=None):
    """The presentation state of one series result's boxes.

    Args:
        summary (dict): :func:`mmdsa.results.findings.summarise` with at
            least one box.
        sources, provenance, uids, model_name: As for
            :func:`mmdsa.results.sr.build_sr`.
        frames (np.ndarray, optional): (T, H, W) frames as read; their
            percentiles give the window when the source has none.

    Returns:
        highdicom.pr.GrayscaleSoftcopyPresentationState

    Raises:
        ValueError: The summary has no boxes (there is nothing to draw).
    """
    import highdicom as hd
    if not summary['boxes']:
        raise ValueError('build_gsps: expected at least one box to draw, '
                         'got none')
    layers = _layers()
    per_frame = defaultdict(lambda: defaultdict(lambda: ([], [])))
    for item in summary['boxes']:
        graphics, texts = per_frame[item['kind']][item['frame']]
        x1, y1 = item['box'][:2]
        if item['kind'] == 'trajectory':
            tracking = ('kept trajectory', uids.tracking('trajectory'))
        else:
            tracking = (f'detection, frame {item["frame"] + 1}, box '
                        f'{item["index"] + 1}',
                        uids.tracking('box', item['frame'], item['index']))
        graphics.append(hd.pr.GraphicObject(
            graphic_type=hd.pr.GraphicTypeValues.POLYLINE,
            graphic_data=rectangle(item['box']),
            units=hd.pr.AnnotationUnitsValues.PIXEL,
            tracking_id=tracking[0], tracking_uid=tracking[1]))
        if item['score'] is not None:
            texts.append(hd.pr.TextObject(
                text_value=f'{item["score"]:.2f}',
                units=hd.pr.AnnotationUnitsValues.PIXEL,
                anchor_point=(x1, y1), anchor_point_visible=False))
    annotations: List = []
    for kind in ('trajectory', 'detection'):
        for frame, (graphics, texts) in sorted(per_frame[kind].items()):
            annotations.append(_annotation(sources, frame, layers[kind],
                                           graphics, texts))
    notice = hd.pr.TextObject(
        text_value=(f'mmdsa {FINDING_TEXT[summary["task"]]}: '
                    f'{verdict_text(summary)} - {RESEARCH_USE_LABEL}')[:1024],
        units=hd.pr.AnnotationUnitsValues.DISPLAY,
        bounding_box=(0.01, 0.01, 0.99, 0.07))
    # one annotation per source instance (highdicom takes one instance of
    # a multi-frame IOD per annotation); no frame number: every frame
    annotations += [hd.pr.GraphicAnnotation(
        referenced_images=[ds], graphic_layer=layers['notice'],
        text_objects=[notice]) for ds in sources]
    modality, voi = _luts(sources, frames)
    gsps = hd.pr.GrayscaleSoftcopyPresentationState(
        referenced_images=list(sources),
        modality_lut_transformation=modality, voi_lut_transformations=voi,
        series_instance_uid=uids.series('gsps'),
        series_number=SERIES_NUMBER,
        sop_instance_uid=uids.instance('gsps'), instance_number=1,
        manufacturer='mmdsa', manufacturer_model_name=model_name[:64],
        software_versions=f'mmdsa {provenance["mmdsa_version"]}'[:64],
        device_serial_number=provenance['checkpoint_sha256'][:16],
        content_label='MMDSA_RESULT',
        content_description=f'mmdsa {summary["task"]} boxes - '
        f'{RESEARCH_USE_LABEL}'[:64],
        graphic_annotations=annotations, graphic_layers=list(layers.values()),
        series_description=(f'mmdsa {summary["task"]} boxes - '
                            f'{RESEARCH_USE_LABEL}')[:64])
    # General Series, Type 2C: the source's laterality, else empty
    gsps.Laterality = sources[0].get('Laterality', '')
    return gsps
