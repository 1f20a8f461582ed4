"""End to end: storescu sends a synthetic DSA series to the node, the
node's resident detector scores it and its SR / GSPS / KOS land in Orthanc,
in the source study; the SR's finding equals the in-process inference on
the same file and it references the series' SOP instance."""
import glob
import io

import pydicom
import pytest

from .conftest import (free_port, need_storescu, node_settings, storescu,
                       wait_for)

DET = 'configs/perforation/' \
    'retinanet_r18-tiny_fpn_tcm-t5_dr-iou_so_8e_synthetic-perforation.py'
#: DICOM codes (PS3.16) the SR must use, written out independently of
#: mmdsa.results: DCM 111428 Extravasation, DCM 121053 Present,
#: DCM 121054 Absent, SCT 373121007 Not evaluated, DCM 122157 Probability.
EXTRAVASATION, PROBABILITY = '111428', '122157'
VERDICT_CODE = {'positive': '121053', 'negative': '121054',
                'out_of_scope': '373121007'}


@pytest.fixture(scope='module')
def detector_files(tmp_path_factory):
    import torch

    from mmdsa.apis import init_model
    from mmdsa.apis.operating_point import write_operating_point
    from mmdsa.synth.dataset import generate_perforation_dataset
    root = tmp_path_factory.mktemp('node_e2e')
    torch.manual_seed(0)
    model = init_model(DET)
    ckpt = root / 'tiny.pth'
    torch.save(dict(state_dict=model.state_dict(), meta={}), ckpt)
    write_operating_point(str(ckpt), dict(
        threshold=0.0, method='youden', required_specificity=None,
        sensitivity=1.0, specificity=0.5, num_series=10, num_positive=5,
        num_negative=5, chosen_on=dict(split='val')))
    generate_perforation_dataset(str(root / 'data'), num_series=1, seed=3,
                                 image_size=64, num_frames=(6, 6),
                                 progress=False)
    series = sorted(glob.glob(str(root / 'data' / 'dicom' / '*.dcm')))
    return root, ckpt, series[0]


def _items(seq):
    for item in seq:
        yield item
        if 'ContentSequence' in item:
            yield from _items(item.ContentSequence)


def test_series_to_orthanc_results(tmp_path, detector_files,
                                   orthanc_factory, start_node):
    need_storescu()
    from mmdsa.apis import inference_series
    from mmdsa.apis.provenance import provenance
    from mmdsa.results import build_result_datasets, read_source_datasets
    root, ckpt, series_file = detector_files
    port = free_port()
    pacs = orthanc_factory(port)
    settings = node_settings(
        tmp_path / 'spool', port, pacs.dicom_port,
        completion=dict(expected_instances=1, idle_timeout_s=30.0),
        models=[dict(name='perforation-tiny', config=DET,
                     checkpoint=str(ckpt))])
    settings.pop('processor')
    node = start_node(settings)
    source = pydicom.dcmread(series_file, stop_before_pixels=True)

    # the reference: the node's resident model, in-process, on the same
    # file (before the node gets it: one model is never run by two threads)
    _, model, task, _ = node.processor.models[0]
    reference = inference_series(model, series_file)
    expected = build_result_datasets(
        reference, read_source_datasets(series_file),
        provenance(DET, str(ckpt)), task=task, model_name='perforation-tiny')
    expected_uids = {str(ds.SOPInstanceUID) for ds in expected}
    modalities = sorted(str(ds.Modality) for ds in expected)
    assert 'SR' in modalities and 'KO' in modalities  # threshold 0: positive

    proc = storescu(port, [series_file])
    assert proc.returncode == 0, proc.stdout + proc.stderr

    def stored():
        ids = pacs.find_instances(
            StudyInstanceUID=str(source.StudyInstanceUID))
        found = {pacs.tags(i)['SOPInstanceUID']: i for i in ids}
        return found if expected_uids <= set(found) else None
    found = wait_for(stored, 60, what='the results in Orthanc')
    assert set(found) == expected_uids  # nothing else in the study

    sr = next(pydicom.dcmread(io.BytesIO(pacs.file(found[str(
        ds.SOPInstanceUID)]))) for ds in expected if ds.Modality == 'SR')
    assert sr.StudyInstanceUID == source.StudyInstanceUID
    evidence = [ref.ReferencedSOPInstanceUID
                for study in sr.CurrentRequestedProcedureEvidenceSequence
                for ser in study.ReferencedSeriesSequence
                for ref in ser.ReferencedSOPSequence]
    assert evidence == [source.SOPInstanceUID]
    finding = [i for i in _items(sr.ContentSequence)
               if i.ValueType == 'CODE'
               and i.ConceptNameCodeSequence[0].CodeValue == EXTRAVASATION]
    assert len(finding) == 1
    assert finding[0].ConceptCodeSequence[0].CodeValue == \
        VERDICT_CODE[reference['decision']['verdict']]
    scores = [float(i.MeasuredValueSequence[0].NumericValue)
              for i in _items(sr.ContentSequence)
              if i.ValueType == 'NUM'
              and i.ConceptNameCodeSequence[0].CodeValue == PROBABILITY]
    assert scores and scores[0] == pytest.approx(
        reference['decision']['score'], abs=1e-4)
    wait_for(lambda: node.idle(), 20, what='an idle node')
