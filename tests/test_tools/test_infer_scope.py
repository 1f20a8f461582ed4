"""tools/infer.py with a calibrated scope: the real coronary cine is out of
scope with reasons, --force scores it, result.json carries provenance and
UIDs; batch inference over a study folder and a DICOMDIR."""
import csv
import datetime
import hashlib
import json

import numpy as np
import pydicom
import pytest
import torch

from tests.conftest import SHARED_DATA, run_tool

TINY = 'configs/thrombus/cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py'
REAL = SHARED_DATA / 'real_xa'
CINE = REAL / 'xa_cine_96f_jpeg_baseline.dcm'
RF = REAL / 'rf_single_frame_1024.dcm'
needs_real = pytest.mark.skipif(
    not CINE.is_file(), reason=f'real XA fixtures not found under {REAL} '
    '(only present beside the repository on CI machines)')


def _write_xa(path, seed, view='PA', study='st', series=None, frames=8):
    from mmdsa.synth.dicom_writer import synthetic_uid, write_xa_dicom
    arr = np.random.default_rng(seed).integers(
        1500, 2500, (frames, 64, 64)).astype(np.uint16)
    return write_xa_dicom(
        str(path), arr, 330.0, view, 'P1', synthetic_uid(study),
        synthetic_uid('se', series or str(path)), synthetic_uid('sop', path),
        datetime.datetime(2024, 1, 1))


@pytest.fixture(scope='module')
def model_files(tmp_path_factory):
    """A random-weight tiny recognizer, its sidecar with a scope calibrated
    on synthetic-writer XA series."""
    from mmdsa.apis import init_model
    from mmdsa.apis.operating_point import write_operating_point
    from mmdsa.apis.scope import calibrate_scope
    root = tmp_path_factory.mktemp('infer_scope')
    model = init_model(TINY)
    ckpt = root / 'tiny.pth'
    torch.save(dict(state_dict=model.state_dict(), meta={}), ckpt)
    paths = [_write_xa(root / f'cal{i}.dcm', i, ('PA', 'LAT')[i % 2])
             for i in range(7)]
    scope = calibrate_scope(model, paths[:4], paths[4:])
    write_operating_point(str(ckpt), dict(
        threshold=0.5, method='youden', required_specificity=None,
        sensitivity=1.0, specificity=1.0, num_series=3, num_positive=1,
        num_negative=2, chosen_on=dict(split='val'), scope=scope))
    return root, ckpt


@needs_real
def test_real_cine_is_out_of_scope_with_reasons(model_files, tmp_path):
    root, ckpt = model_files
    out = tmp_path / 'res'
    proc = run_tool(['tools/infer.py', TINY, ckpt, CINE, '--out', out])
    assert '"verdict": "out_of_scope"' in proc.stdout
    result = json.loads((out / 'result.json').read_text())
    assert result['verdict'] == 'out_of_scope'
    assert result['decision']['verdict'] == 'out_of_scope'
    assert result['forced'] is False
    kinds = [r.split(':')[0] for r in result['scope']['reasons']]
    for kind in ('number of frames', 'frame rate', 'image size', 'view',
                 'subtraction'):
        assert kind in kinds, result['scope']['reasons']
    series = result['series'][0]
    assert series['view'] == 'unknown'  # a 32-degree oblique is not PA
    # traceability
    prov = result['provenance']
    assert prov['checkpoint_sha256'] == hashlib.sha256(
        ckpt.read_bytes()).hexdigest()
    assert prov['config'] == TINY and prov['mmdsa_version']
    header = pydicom.dcmread(str(CINE), stop_before_pixels=True)
    assert series['uids'] == dict(
        study_uid=header.StudyInstanceUID,
        series_uid=header.SeriesInstanceUID,
        sop_instance_uids=[header.SOPInstanceUID])
    assert result['decision']['operating_point']['source'] == 'calibrated'
    figures = series['scope']['figures']
    assert figures['frame_rate_fps'] == pytest.approx(1000 / 33)
    assert figures['limits']['feature_distance_threshold'] > 0
    # --force: scored, and the output says so
    forced = tmp_path / 'forced'
    run_tool(['tools/infer.py', TINY, ckpt, CINE, '--out', forced,
              '--force'])
    result = json.loads((forced / 'result.json').read_text())
    assert result['verdict'] in ('positive', 'negative')
    assert result['forced'] is True and result['scope']['forced'] is True
    assert result['scope']['in_scope'] is False


@needs_real
def test_real_rf_frame_is_out_of_scope(model_files, tmp_path):
    _, ckpt = model_files
    out = tmp_path / 'rf'
    run_tool(['tools/infer.py', TINY, ckpt, RF, '--out', out])
    result = json.loads((out / 'result.json').read_text())
    assert result['verdict'] == 'out_of_scope'
    kinds = [r.split(':')[0] for r in result['scope']['reasons']]
    assert kinds[:2] == ['modality', 'number of frames']


def test_batch_over_a_study_folder(model_files, tmp_path):
    _, ckpt = model_files
    study = tmp_path / 'study'
    (study / 'run1').mkdir(parents=True)
    _write_xa(study / 'run1' / 'a.dcm', 10, series='s1')
    _write_xa(study / 'b.dcm', 11, view='LAT', series='s2')
    frames = study / 'frames'
    frames.mkdir()
    for k in range(4):  # one single-frame series of 4 files
        _write_xa(frames / f'f{k}.dcm', 20 + k, series='s3', frames=1)
    broken = _write_xa(study / 'broken.dcm', 12, series='s4')
    ds = pydicom.dcmread(broken)
    ds.NumberOfFrames = 50  # more frames than the pixel data holds
    ds.save_as(broken)
    (study / 'notes.txt').write_text('not DICOM')
    out = tmp_path / 'out'
    proc = run_tool(['tools/infer.py', TINY, ckpt, study, '--out', out])
    summary = json.loads((out / 'summary.json').read_text())
    rows = {r['source'].split('/')[-1]: r for r in summary['rows']}
    assert set(rows) == {'a.dcm', 'b.dcm', 'frames', 'broken.dcm'}
    assert rows['broken.dcm']['status'] == 'failed'
    assert 'broken.dcm' in rows['broken.dcm']['reasons'][0]
    assert 'failed: ' in proc.stderr
    for name in ('a.dcm', 'b.dcm'):
        row = rows[name]
        assert row['status'] == 'done'
        assert row['verdict'] in ('positive', 'negative'), row
        result = json.loads(open(row['result']).read())
        assert result['series'][0]['uids']['series_uid'] == row['series_uid']
    # 4 frames of 64 px at 3 frames/s: in the model's frame count? no
    # (training had 8): out of scope, with the reason in the table
    assert rows['frames']['verdict'] == 'out_of_scope'
    assert rows['frames']['num_files'] == 4
    assert summary['skipped'][0]['file'].endswith('notes.txt')
    assert summary['counts']['failed'] == 1
    with open(out / 'summary.csv') as f:
        table = list(csv.DictReader(f))
    assert [r['name'] for r in table] == [r['name'] for r in summary['rows']]
    assert all(r['name'] in {p.name for p in out.iterdir()}
               for r in summary['rows'] if r['status'] == 'done')


def test_batch_over_a_dicomdir(model_files, tmp_path):
    from pydicom.fileset import FileSet
    _, ckpt = model_files
    src = tmp_path / 'src'
    src.mkdir()
    fs = FileSet()
    for k in range(2):
        fs.add(_write_xa(src / f'{k}.dcm', 30 + k, series=f'd{k}'))
    fs.write(str(tmp_path / 'media'))
    out = tmp_path / 'out'
    run_tool(['tools/infer.py', TINY, ckpt, tmp_path / 'media' / 'DICOMDIR',
              '--out', out])
    summary = json.loads((out / 'summary.json').read_text())
    assert summary['counts']['series'] == 2
    assert all(r['status'] == 'done' for r in summary['rows'])


def test_output_names_stay_in_the_output_folder(tmp_path):
    from mmdsa.apis.batch_inference import BatchError, confined, safe_name
    taken = set()
    for text in ('../../etc/passwd', '..', '/abs/x', 'a\\b', ''):
        name = safe_name(text, taken)
        assert '/' not in name and '\\' not in name
        assert not name.startswith('.')
        assert confined(str(tmp_path), name).startswith(str(tmp_path))
    assert safe_name('1.2.3', taken) == '1.2.3'
    assert safe_name('1.2.3', taken) == '1.2.3_2'
    with pytest.raises(BatchError):
        confined(str(tmp_path), '../x')


def test_provenance_and_uids_of_a_frame_folder(tmp_path):
    from mmdsa.apis.provenance import provenance, series_uids
    folder = tmp_path / 'f'
    folder.mkdir()
    paths = [_write_xa(folder / f'{k}.dcm', k, series='one', frames=1)
             for k in range(3)]
    uids = series_uids(str(folder))
    sops = [pydicom.dcmread(p).SOPInstanceUID for p in paths]
    assert uids['sop_instance_uids'] == sops
    assert uids['series_uid'] == pydicom.dcmread(paths[0]).SeriesInstanceUID
    ckpt = tmp_path / 'c.pth'
    ckpt.write_bytes(b'abc' * 1000)
    prov = provenance('cfg.py', str(ckpt))
    assert prov['checkpoint_sha256'] == hashlib.sha256(
        b'abc' * 1000).hexdigest()
    ckpt.write_bytes(b'abd' * 1000)  # same size: the hash is recomputed
    assert provenance('cfg.py', str(ckpt))['checkpoint_sha256'] == \
        hashlib.sha256(b'abd' * 1000).hexdigest()
    assert series_uids(str(tmp_path / 'x.npy'))['study_uid'] is None
