"""The result as a DICOM Structured Report: a TID 1500 Measurement Report
in a Comprehensive SR document, built with highdicom.

Content tree (``docs/clinical_outputs.md`` shows a dump)::

    Imaging Measurement Report (DCM 126000, TID 1500)
      language, device observer (the model: name, checkpoint, mmdsa)
      Procedure reported: Angiography (SCT 77343006)
      Imaging Measurements
        Measurement Group (TID 1501): the series result
          Tracking Identifier / UID
          Finding: Extravasation (perforation) | Thrombus
          Algorithm Name / Version / Parameters (checkpoint SHA-256,
            config, git commit, operating point and its source)
          Probability (DCM 122157): the series score   [if scored]
          Threshold Value (DCM 122411): the threshold  [if scored]
          <finding>: Present | Absent | Not Evaluated (out of scope)
          Source: every source instance
        Measurement Group (TID 1410) per reported box:
          Tracking Identifier "kept trajectory" (one UID for all its
            frames) or "detection, frame f, box k"
          Finding (the algorithm is identified once, in the series group)
          Image Region: SCOORD POLYLINE, the closed rectangle
            (x1,y1) (x2,y1) (x2,y2) (x1,y2) (x1,y1) in pixels, selected
            from the source instance and its Referenced Frame Number
          Probability: the detector's box score
      Comment: the verdict in words; the scope check; the research-use
        statement

Comprehensive SR (not Comprehensive 3D SR) because the regions are 2D
image coordinates on frames of a 2D+t series; time is the referenced
frame.
"""
import json
from typing import Dict, Sequence

import numpy as np
from pydicom.sr.codedict import codes

from .codes import (COMMENT, FINDING_TEXT, FINDINGS, NO_UNITS, PROCEDURE,
                    RESEARCH_USE_LABEL, RESEARCH_USE_STATEMENT, SCORE,
                    SR_TITLE, THRESHOLD, VERDICT_CODES)
from .findings import operating_point_text, verdict_text
from .sources import frame_reference

SERIES_NUMBER = 9901


def rectangle(box) -> np.ndarray:
    """(5, 2) closed POLYLINE (column, row) of a box [x1, y1, x2, y2]."""
    x1, y1, x2, y2 = [float(v) for v in box]
    return np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2], [x1, y1]])


def algorithm_identification(provenance: Dict, model_name: str,
                             summary: Dict):
    """TID 4019: the model, its checkpoint and the operating point."""
    import highdicom as hd
    params = [f'checkpoint_sha256={provenance["checkpoint_sha256"]}',
              f'config={provenance.get("config")}',
              f'git_commit={provenance.get("git_commit")}']
    if summary['threshold'] is not None:
        params.append(f'operating point: {operating_point_text(summary)}')
    return hd.sr.AlgorithmIdentification(
        name=model_name, version=f'mmdsa {provenance["mmdsa_version"]}',
        parameters=params, manufacturer='mmdsa')


def _device_observer(uids, model_name: str, provenance: Dict):
    import highdicom as hd
    return hd.sr.ObserverContext(
        observer_type=codes.DCM.Device,
        observer_identifying_attributes=hd.sr.
        DeviceObserverIdentifyingAttributes(
            uid=uids.device(), name=model_name[:64], manufacturer_name='mmdsa',
            model_name=f'mmdsa {provenance["mmdsa_version"]}'[:64],
            serial_number=provenance['checkpoint_sha256'][:16]))


def _series_group(summary, sources, uids, algo):
    import highdicom as hd
    finding = FINDINGS[summary['task']]
    measurements = []
    if summary['score'] is not None:
        measurements = [
            hd.sr.Measurement(name=SCORE, value=summary['score'],
                              unit=NO_UNITS),
            hd.sr.Measurement(name=THRESHOLD,
                              value=float(summary['threshold']),
                              unit=NO_UNITS)]
    return hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(
            uid=uids.tracking('series'),
            identifier=f'{FINDING_TEXT[summary["task"]]}: series result'),
        finding_type=finding, algorithm_id=algo,
        measurements=measurements or None,
        qualitative_evaluations=[hd.sr.QualitativeEvaluation(
            name=finding, value=VERDICT_CODES[summary['verdict']])],
        source_images=[hd.sr.SourceImageForMeasurementGroup.
                       from_source_image(ds) for ds in sources])


def _box_group(item, summary, sources, uids):
    """TID 1410 group of one reported box. The algorithm that made it is
    identified once, in the series group (TID 4019 is optional here; one
    copy per box made it about half of the SR's content items)."""
    import highdicom as hd
    ds, frame_number = frame_reference(sources, item['frame'])
    if item['kind'] == 'trajectory':
        tracking = hd.sr.TrackingIdentifier(
            uid=uids.tracking('trajectory'), identifier='kept trajectory')
    else:
        tracking = hd.sr.TrackingIdentifier(
            uid=uids.tracking('box', item['frame'], item['index']),
            identifier=(f'detection, frame {item["frame"] + 1}, box '
                        f'{item["index"] + 1}'))
    region = hd.sr.ImageRegion(
        graphic_type=hd.sr.GraphicTypeValues.POLYLINE,
        graphic_data=rectangle(item['box']),
        source_image=hd.sr.SourceImageForRegion(
            referenced_sop_class_uid=ds.SOPClassUID,
            referenced_sop_instance_uid=ds.SOPInstanceUID,
            referenced_frame_numbers=None if frame_number is None else
            [frame_number]))
    measurements = None
    if item['score'] is not None:
        measurements = [hd.sr.Measurement(name=SCORE, value=item['score'],
                                          unit=NO_UNITS)]
    return hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=tracking, referenced_region=region,
        finding_type=FINDINGS[summary['task']], measurements=measurements)


def _comment(text: str):
    import highdicom as hd
    return hd.sr.TextContentItem(
        name=COMMENT, value=text,
        relationship_type=hd.sr.RelationshipTypeValues.CONTAINS)


def scope_text(summary: Dict) -> str:
    """The scope check in one line (its verdict, reasons and figures)."""
    scope = summary['scope']
    if not scope:
        return 'scope check: not run'
    state = 'in scope' if scope.get('in_scope') else 'out of scope'
    if scope.get('forced'):
        state += ' (forced)'
    reasons = '; '.join(scope.get('reasons') or []) or 'none'
    figures = json.dumps(scope.get('figures') or {}, sort_keys=True,
                         default=str)
    return f'scope check: {state}; reasons: {reasons}; figures: {figures}'


def build_sr(summary: Dict, sources: Sequence, provenance: Dict, uids,
             model_name: str):
    """The Comprehensive SR document of one series result.

    Args:
        summary (dict): :func:`mmdsa.results.findings.summarise`.
        sources (list[pydicom.Dataset]): Source headers in frame order.
        provenance (dict): ``mmdsa_version``, ``git_commit``, ``config``,
            ``checkpoint_sha256``.
        uids (ResultUIDs): The UIDs of this source and checkpoint.
        model_name (str): Algorithm name (e.g. the config's name).

    Returns:
        highdicom.sr.ComprehensiveSR
    """
    import highdicom as hd
    algo = algorithm_identification(provenance, model_name, summary)
    groups = [_series_group(summary, sources, uids, algo)]
    groups += [_box_group(item, summary, sources, uids)
               for item in summary['boxes']]
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(
            observer_device_context=_device_observer(uids, model_name,
                                                     provenance)),
        procedure_reported=PROCEDURE, imaging_measurements=groups,
        title=SR_TITLE)
    root = report[0]
    root.ContentSequence.extend([
        _comment(f'mmdsa {summary["task"]} model {model_name}: '
                 f'{verdict_text(summary)}'),
        _comment(scope_text(summary)),
        _comment(RESEARCH_USE_STATEMENT)])
    return hd.sr.ComprehensiveSR(
        evidence=list(sources), content=report[0],
        series_instance_uid=uids.series('sr'), series_number=SERIES_NUMBER,
        sop_instance_uid=uids.instance('sr'), instance_number=1,
        manufacturer='mmdsa', is_complete=True, is_final=False,
        is_verified=False,
        series_description=(f'mmdsa {summary["task"]} SR - '
                            f'{RESEARCH_USE_LABEL}')[:64],
        manufacturer_model_name=model_name[:64],
        software_versions=f'mmdsa {provenance["mmdsa_version"]}'[:64])
