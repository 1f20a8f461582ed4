"""tools/infer.py without the demo: a random-weight tiny recognizer, its
calibrated sidecar, --threshold, --cine / --saliency on a .npy series and
the --dicom-out refusal for non-DICOM input."""
import json

import numpy as np
import pytest
import torch

from mmdsa.apis.operating_point import write_operating_point
from tests.conftest import run_tool

TINY = 'configs/thrombus/cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py'


@pytest.fixture(scope='module')
def model_files(tmp_path_factory):
    from mmdsa.apis import init_model
    root = tmp_path_factory.mktemp('infer')
    model = init_model(TINY)
    ckpt = root / 'tiny.pth'
    torch.save(dict(state_dict=model.state_dict(), meta={}), ckpt)
    series = root / 'series.npy'
    np.save(series, np.random.default_rng(0).uniform(0, 1, (7, 64, 64))
            .astype(np.float32))
    return root, ckpt, series


def test_calibrated_point_cine_saliency_and_override(model_files, tmp_path):
    root, ckpt, series = model_files
    write_operating_point(str(ckpt), dict(
        threshold=0.0, method='youden', required_specificity=None,
        sensitivity=1.0, specificity=0.5, num_series=10, num_positive=5,
        num_negative=5, chosen_on=dict(split='val')))
    out = tmp_path / 'res'
    proc = run_tool(['tools/infer.py', TINY, ckpt, series, '--out', out,
                     '--cine', '--saliency'])
    assert '"operating_point": "calibrated"' in proc.stdout
    result = json.loads((out / 'result.json').read_text())
    assert result['verdict'] == 'positive' and result['threshold'] == 0.0
    point = result['decision']['operating_point']
    assert point['source'] == 'calibrated' and point['method'] == 'youden'
    assert point['chosen_on'] == dict(split='val')
    entry = result['series'][0]
    assert entry['cine'].endswith('series.gif')
    assert entry['saliency'].endswith('series_saliency.png')
    out2 = tmp_path / 'res2'
    run_tool(['tools/infer.py', TINY, ckpt, series, '--out', out2,
              '--threshold', '1.0'])
    result = json.loads((out2 / 'result.json').read_text())
    assert result['verdict'] == 'negative'
    assert result['decision']['operating_point']['source'] == 'explicit'


def test_refusals(model_files, tmp_path):
    root, ckpt, series = model_files
    bad = run_tool(['tools/infer.py', TINY, ckpt, series, '--out', tmp_path,
                    '--dicom-out', tmp_path / 'dcm'], check=False)
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines()[-1].startswith('error: ')
    assert 'needs a DICOM source' in bad.stderr
    # a sidecar of another checkpoint: no silent fallback to 0.5
    other = root / 'other.pth'
    other.write_bytes(ckpt.read_bytes())
    write_operating_point(str(other), dict(threshold=0.3))
    with open(other, 'ab') as f:
        f.write(b'\0')
    stale = run_tool(['tools/infer.py', TINY, other, series, '--out',
                      tmp_path / 'x'], check=False)
    assert stale.returncode == 2 and 'checkpoint_sha256' in stale.stderr
    assert not (tmp_path / 'x' / 'result.json').exists()


def test_pair_views_checked_and_scored_by_the_pairing_rule(model_files,
                                                           tmp_path):
    """--pair takes the series' own views into account (the one pairing
    rule, mmdsa.structures.pairing): swapped files are refused."""
    import datetime

    from mmdsa.structures import pair_score
    from mmdsa.synth.dicom_writer import synthetic_uid, write_xa_dicom
    root, ckpt, _ = model_files
    frames = np.random.default_rng(1).integers(0, 4095, (4, 64, 64)).astype(
        np.uint16)
    paths = {}
    for i, view in enumerate(('PA', 'LAT')):
        paths[view] = write_xa_dicom(
            str(tmp_path / f'{view}.dcm'), frames, 500.0, view, 'P1',
            synthetic_uid('study'), synthetic_uid(f'series{i}'),
            synthetic_uid(f'sop{i}'), datetime.datetime(2024, 1, 1))
    out = tmp_path / 'ok'
    run_tool(['tools/infer.py', TINY, ckpt, paths['PA'], '--pair',
              paths['LAT'], '--out', out])
    result = json.loads((out / 'result.json').read_text())
    assert [s['view'] for s in result['series']] == ['PA', 'LAT']
    assert result['score'] == pytest.approx(pair_score(
        result['series'][0]['score'], result['series'][1]['score']))
    bad = run_tool(['tools/infer.py', TINY, ckpt, paths['LAT'], '--pair',
                    paths['PA'], '--out', tmp_path / 'swapped'],
                   check=False)
    assert bad.returncode == 2
    last = bad.stderr.strip().splitlines()[-1]
    assert last.startswith('error: ') and 'swapped' in last
    assert "its view is 'LAT'" in last
