"""The default series processor: both resident models score one series and
each gives its own result objects, equal to the in-process API's; how a
series' instances are grouped for the reader."""
import glob

import numpy as np
import pydicom
import pytest

from mmdsa.node.config import parse_node_config
from mmdsa.node.processor import ModelProcessor, series_inputs

from .conftest import REPO_ROOT, write_single_frame_series

DET = str(REPO_ROOT / 'configs' / 'perforation' / 'retinanet_r18-tiny_fpn_'
          'tcm-t5_dr-iou_so_8e_synthetic-perforation.py')
REC = str(REPO_ROOT / 'configs' / 'thrombus' /
          'cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py')


def test_series_inputs_grouping(tmp_path):
    singles, _, _ = write_single_frame_series(tmp_path, 3)
    assert series_inputs([str(p) for p in singles]) == [
        (str(tmp_path), sorted(str(p) for p in singles))]
    multi = tmp_path / 'multi'
    multi.mkdir()
    from mmdsa.synth.dicom_writer import synthetic_uid, write_xa_dicom
    import datetime
    runs = []
    for i in range(2):
        path = str(multi / f'run{i}.dcm')
        write_xa_dicom(path, np.zeros((3, 8, 8), np.uint16), 100.0, 'PA',
                       'P1', synthetic_uid('st'), synthetic_uid('se'),
                       synthetic_uid('sop', i), datetime.datetime(2024, 1, 1))
        runs.append(path)
    assert series_inputs(runs) == [(p, [p]) for p in runs]
    assert series_inputs(runs[:1]) == [(runs[0], [runs[0]])]


def test_two_resident_models(tmp_path):
    import torch

    from mmdsa.apis import inference_series, init_model
    from mmdsa.synth.dataset import generate_thrombus_dataset
    ckpts = {}
    for name, config in (('det', DET), ('rec', REC)):
        torch.manual_seed(0)
        ckpts[name] = str(tmp_path / f'{name}.pth')
        torch.save(dict(state_dict=init_model(config).state_dict(),
                        meta={}), ckpts[name])
    generate_thrombus_dataset(str(tmp_path / 'data'), num_pairs=1, seed=5,
                              image_size=64, num_frames=(6, 6),
                              progress=False)
    series = sorted(glob.glob(str(tmp_path / 'data' / 'dicom' / '*.dcm')))[0]
    cfg = parse_node_config(dict(
        ae_title='MMDSA', port=0, allowed_calling_aets=['A'],
        spool_dir=str(tmp_path / 'spool'),
        destination=dict(ae_title='P', host='127.0.0.1', port=104),
        models=[dict(name='perforation', config=DET,
                     checkpoint=ckpts['det'], threshold=0.0),
                dict(name='thrombus', config=REC, checkpoint=ckpts['rec'],
                     threshold=1.0)]))
    processor = ModelProcessor(cfg)
    out = processor([series])
    assert set(out.summary['verdicts']) == {'perforation', 'thrombus'}
    for (spec, model, task, _), expected in zip(
            processor.models, ('positive', 'negative')):
        reference = inference_series(model, series,
                                     threshold=spec.threshold)
        got = out.summary['verdicts'][spec.name]
        assert got['verdict'] == reference['decision']['verdict'] == \
            expected
        assert got['score'] == pytest.approx(reference['decision']['score'])
    modalities = sorted(ds.Modality for ds in out.datasets)
    assert modalities.count('SR') == 2 and modalities.count('KO') == 1
    source = pydicom.dcmread(series, stop_before_pixels=True)
    assert {ds.StudyInstanceUID for ds in out.datasets} == \
        {source.StudyInstanceUID}
    assert len({ds.SOPInstanceUID for ds in out.datasets}) == \
        len(out.datasets)
    for key in ('decode', 'model', 'build'):
        assert out.summary['timings_s'][key] > 0


def test_out_of_scope_series_gets_a_not_evaluated_sr(tmp_path):
    """A 2-frame run is too short for the T = 5 detector: the verdict is
    out_of_scope with the reason, the node logs it, and the only object is
    an SR whose finding is 'not evaluated' (SCT 373121007)."""
    import datetime

    import torch

    from mmdsa.apis import init_model
    from mmdsa.node import format_series_line
    from mmdsa.synth.dicom_writer import synthetic_uid, write_xa_dicom
    ckpt = str(tmp_path / 'det.pth')
    torch.save(dict(state_dict=init_model(DET).state_dict(), meta={}), ckpt)
    path = str(tmp_path / 'short.dcm')
    write_xa_dicom(path, np.random.default_rng(0).integers(
        0, 4096, (2, 64, 64), dtype=np.uint16), 100.0, 'PA', 'P1',
        synthetic_uid('st'), synthetic_uid('se'), synthetic_uid('sop'),
        datetime.datetime(2024, 1, 1))
    cfg = parse_node_config(dict(
        ae_title='MMDSA', port=0, allowed_calling_aets=['A'],
        spool_dir=str(tmp_path / 'spool'),
        destination=dict(ae_title='P', host='127.0.0.1', port=104),
        models=[dict(name='perforation', config=DET, checkpoint=ckpt)]))
    out = ModelProcessor(cfg)([path])
    verdict = out.summary['verdicts']['perforation']
    assert verdict['verdict'] == 'out_of_scope'
    assert any('frames' in r for r in verdict['reasons'])
    line = format_series_line(dict(series_uid='1.2', study_uid='1.3',
                                   instances=1, results=1,
                                   verdicts=out.summary['verdicts']))
    assert 'perforation=out_of_scope(' in line and 'frames' in line
    assert [ds.Modality for ds in out.datasets] == ['SR']

    def items(seq):
        for item in seq:
            yield item
            yield from items(item.get('ContentSequence', []))
    # the finding (DCM 111428 Extravasation) is evaluated as not evaluated
    codes = [item.ConceptCodeSequence[0].CodeValue
             for item in items(out.datasets[0].ContentSequence)
             if item.ValueType == 'CODE'
             and item.ConceptNameCodeSequence[0].CodeValue == '111428']
    assert codes == ['373121007'], codes
