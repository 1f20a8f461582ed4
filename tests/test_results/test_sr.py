"""The TID 1500 SR: valid for dciodvfy, readable by dsrdump, round-trips
through pydicom with the detector's boxes as its coordinates."""
import numpy as np
import pydicom
import pytest

from mmdsa.results import (RESEARCH_USE_STATEMENT, build_result_datasets,
                           read_source_datasets, write_result_datasets)

from .conftest import EXPECTED_BOXES, detector_result
from .validators import dciodvfy_errors, dsrdump

SR_CLASS = '1.2.840.10008.5.1.4.1.1.88.33'  # Comprehensive SR


def walk(items):
    """Every content item of an SR content tree, depth first."""
    for item in items:
        yield item
        yield from walk(item.get('ContentSequence', []))


def regions(sr, frame_numbers=True):
    """(frame number, SOP Instance UID, (5, 2) points) of every SCOORD;
    the frame number is None when the reference has none (single-frame
    instances; ``frame_numbers=False``)."""
    out = []
    for item in walk(sr.ContentSequence):
        if item.ValueType == 'SCOORD':
            ref = item.ContentSequence[0].ReferencedSOPSequence[0]
            out.append((int(ref.ReferencedFrameNumber) if frame_numbers
                        else ref.get('ReferencedFrameNumber'),
                        ref.ReferencedSOPInstanceUID,
                        np.asarray(item.GraphicData).reshape(-1, 2)))
    return out


def texts(sr):
    return [str(i.get('TextValue', '')) for i in walk(sr.ContentSequence)]


def codes_of(sr, meaning):
    return [i.ConceptCodeSequence[0].CodeMeaning
            for i in walk(sr.ContentSequence)
            if i.ValueType == 'CODE' and
            i.ConceptNameCodeSequence[0].CodeMeaning == meaning]


def build(source, provenance, tmp_path, **kwargs):
    path, frames = source
    result = kwargs.pop('result', None) or detector_result(frames)
    datasets = build_result_datasets(
        result, read_source_datasets(str(path)), provenance,
        task=kwargs.pop('task', 'perforation'), model_name='tiny-detector',
        **kwargs)
    files = write_result_datasets(datasets, str(tmp_path / 'out'))
    return datasets, files


def test_sr_is_valid_and_holds_the_boxes(source, provenance, tmp_path):
    datasets, files = build(source, provenance, tmp_path)
    sr_file = files[0]
    assert dciodvfy_errors(sr_file) == []
    status, dump = dsrdump(sr_file)
    assert status == 0, dump
    assert 'Imaging Measurement Report' in dump
    assert '(111428,DCM,"Extravasation")' in dump
    assert '(121053,DCM,"Present")' in dump
    sr = pydicom.dcmread(sr_file)
    src = pydicom.dcmread(str(source[0]), stop_before_pixels=True)
    assert sr.SOPClassUID == SR_CLASS and sr.Modality == 'SR'
    assert sr.StudyInstanceUID == src.StudyInstanceUID
    assert sr.PatientID == src.PatientID
    assert sr.VerificationFlag == 'UNVERIFIED'
    assert sr.ConceptNameCodeSequence[0].CodeValue == '126000'
    found = regions(sr)
    assert len(found) == len(EXPECTED_BOXES)
    for (frame_number, uid, points), (frame, box, _) in zip(found,
                                                           EXPECTED_BOXES):
        assert frame_number == frame + 1  # DICOM frames are 1-based
        assert uid == src.SOPInstanceUID
        x1, y1, x2, y2 = box
        assert np.allclose(points, [[x1, y1], [x2, y1], [x2, y2], [x1, y2],
                                    [x1, y1]], atol=1e-5)
    probabilities = [float(i.MeasuredValueSequence[0].NumericValue)
                     for i in walk(sr.ContentSequence)
                     if i.ValueType == 'NUM' and
                     i.ConceptNameCodeSequence[0].CodeValue == '122157']
    assert probabilities == pytest.approx(
        [0.85] + [s for _, _, s in EXPECTED_BOXES], abs=1e-6)
    all_text = ' '.join(texts(sr))
    assert RESEARCH_USE_STATEMENT in all_text
    assert f'checkpoint_sha256={provenance["checkpoint_sha256"]}' in all_text
    assert 'threshold 0.5 (calibrated, youden on the val split)' in all_text
    assert 'scope check: not run' in all_text
    # the kept trajectory is one tracked finding across its frames
    tracking = {}
    for group in walk(sr.ContentSequence):
        items = group.get('ContentSequence', [])
        ident = [str(i.TextValue) for i in items
                 if i.ValueType == 'TEXT' and
                 i.ConceptNameCodeSequence[0].CodeValue == '112039']
        uid = [str(i.UID) for i in items if i.ValueType == 'UIDREF' and
               i.ConceptNameCodeSequence[0].CodeValue == '112040']
        if ident:
            tracking.setdefault(ident[0], set()).add(uid[0])
    assert len(tracking['kept trajectory']) == 1


def test_highdicom_reads_the_measurement_groups(source, provenance,
                                                tmp_path):
    import highdicom as hd
    _, files = build(source, provenance, tmp_path)
    sr = hd.sr.srread(files[0])
    groups = sr.content.get_planar_roi_measurement_groups()
    assert len(groups) == len(EXPECTED_BOXES)
    assert groups[0].roi.value_type == hd.sr.ValueTypeValues.SCOORD


def test_out_of_scope_is_not_scored(source, provenance, tmp_path):
    path, frames = source
    scope = dict(in_scope=False, reasons=['96 frames: expected 8 to 20'],
                 figures=dict(num_frames=96), forced=False)
    result = detector_result(frames, 'out_of_scope', scope)
    datasets, files = build(source, provenance, tmp_path, result=result)
    assert len(datasets) == 1  # SR only: no boxes, no key object
    assert dciodvfy_errors(files[0]) == []
    sr = pydicom.dcmread(files[0])
    assert codes_of(sr, 'Extravasation') == ['Not Evaluated']
    assert regions(sr) == []
    assert not [i for i in walk(sr.ContentSequence) if i.ValueType == 'NUM']
    joined = ' '.join(texts(sr))
    assert 'out of scope: not scored (96 frames: expected 8 to 20)' in joined
    assert '"num_frames": 96' in joined


def test_out_of_scope_without_a_score_or_frames(source, provenance,
                                                tmp_path):
    """An input refused before the model ran: no score, no frames."""
    scope = dict(in_scope=False, reasons=['modality CT'], figures={},
                 forced=False)
    result = dict(decision=dict(verdict='out_of_scope', threshold=0.5),
                  scope=scope)
    datasets, files = build(source, provenance, tmp_path, result=result,
                            task='thrombus')
    assert [d.Modality for d in datasets] == ['SR']
    assert codes_of(pydicom.dcmread(files[0]), 'Thrombus') == [
        'Not Evaluated']


def test_forced_out_of_scope_says_so(source, provenance, tmp_path):
    path, frames = source
    scope = dict(in_scope=False, reasons=['oblique view'], figures={},
                 forced=True)
    _, files = build(source, provenance, tmp_path,
                     result=detector_result(frames, 'positive', scope))
    joined = ' '.join(texts(pydicom.dcmread(files[0])))
    assert 'scored although out of scope (forced): oblique view' in joined


def test_recognizer_result_negative(source, provenance, tmp_path):
    path, frames = source
    result = dict(frames=frames.astype(np.float32), probability=0.2,
                  decision=dict(verdict='negative', score=0.2,
                                threshold=0.4,
                                operating_point=dict(source='default')))
    datasets, files = build(source, provenance, tmp_path, result=result,
                            task='thrombus')
    assert [d.Modality for d in datasets] == ['SR']
    assert dciodvfy_errors(files[0]) == []
    sr = pydicom.dcmread(files[0])
    assert codes_of(sr, 'Thrombus') == ['Absent']
    assert codes_of(sr, 'Finding') == ['Thrombus']


@pytest.mark.parametrize('change, match', [
    (dict(checkpoint_sha256='abc'), 'checkpoint_sha256'),
    (dict(mmdsa_version=''), 'mmdsa_version'),
])
def test_bad_provenance_refused(source, provenance, tmp_path, change, match):
    with pytest.raises(ValueError, match=match):
        build(source, dict(provenance, **change), tmp_path)
    with pytest.raises(ValueError, match='config'):
        build(source, {k: v for k, v in provenance.items() if k != 'config'},
              tmp_path)


def test_bad_verdict_and_task_refused(source, provenance, tmp_path):
    path, frames = source
    with pytest.raises(ValueError, match='decision.verdict'):
        build(source, provenance, tmp_path,
              result=detector_result(frames, 'maybe'))
    with pytest.raises(ValueError, match='task'):
        build(source, provenance, tmp_path, task='aneurysm')
