"""The presentation state: valid for dciodvfy, one graphic annotation per
frame and layer, the same rectangles as the SR, switchable layers."""
import numpy as np
import pydicom

from mmdsa.results import (RESEARCH_USE_LABEL, build_result_datasets,
                           read_source_datasets, write_result_datasets)

from .conftest import EXPECTED_BOXES, detector_result
from .validators import dciodvfy_errors

GSPS_CLASS = '1.2.840.10008.5.1.4.1.1.11.1'


def test_gsps_draws_the_boxes_on_their_frames(source, provenance, tmp_path):
    path, frames = source
    datasets = build_result_datasets(
        detector_result(frames), read_source_datasets(str(path)),
        provenance, task='perforation', model_name='tiny-detector')
    files = write_result_datasets(datasets, str(tmp_path))
    gsps_file = [f for f, d in zip(files, datasets) if d.Modality == 'PR'][0]
    assert dciodvfy_errors(gsps_file) == []
    ps = pydicom.dcmread(gsps_file)
    src = pydicom.dcmread(str(path), stop_before_pixels=True)
    assert ps.SOPClassUID == GSPS_CLASS
    assert ps.StudyInstanceUID == src.StudyInstanceUID
    assert [ly.GraphicLayer for ly in ps.GraphicLayerSequence] == [
        'MMDSA_TRAJECTORY', 'MMDSA_DETECTIONS', 'MMDSA_NOTICE']
    # the source's window, not a new one
    voi = ps.SoftcopyVOILUTSequence[0]
    assert float(voi.WindowCenter) == float(src.WindowCenter)
    drawn = []
    for ann in ps.GraphicAnnotationSequence:
        ref = ann.ReferencedImageSequence[0]
        assert ref.ReferencedSOPInstanceUID == src.SOPInstanceUID
        for obj in ann.get('GraphicObjectSequence', []):
            assert obj.GraphicType == 'POLYLINE'
            assert obj.GraphicAnnotationUnits == 'PIXEL'
            drawn.append((ann.GraphicLayer, int(ref.ReferencedFrameNumber),
                          np.asarray(obj.GraphicData).reshape(-1, 2)))
        if ann.GraphicLayer == 'MMDSA_NOTICE':
            assert 'ReferencedFrameNumber' not in ref  # every frame
            assert RESEARCH_USE_LABEL in ann.TextObjectSequence[0]\
                .UnformattedTextValue
    layers = ['MMDSA_TRAJECTORY'] * 2 + ['MMDSA_DETECTIONS'] * 3
    assert len(drawn) == len(EXPECTED_BOXES)
    for (layer, frame_number, points), want, (frame, box, _) in zip(
            drawn, layers, EXPECTED_BOXES):
        assert layer == want and frame_number == frame + 1
        assert np.allclose(points[[0, 2]], [box[:2], box[2:]], atol=1e-5)
        assert np.allclose(points[0], points[-1])  # closed


def test_no_boxes_no_gsps(source, provenance):
    path, frames = source
    result = detector_result(frames, 'negative')
    result['trajectory'] = {}
    result['detections'] = [(np.zeros((0, 4)), np.zeros(0))] * len(frames)
    datasets = build_result_datasets(
        result, read_source_datasets(str(path)), provenance,
        task='perforation', model_name='tiny-detector')
    assert [d.Modality for d in datasets] == ['SR']
