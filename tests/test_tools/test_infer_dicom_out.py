"""tools/infer.py --dicom-out: a random-weight tiny recognizer on a
synthetic XA series writes the SR, the key object (positive at threshold
0) and the Secondary Capture, valid for dciodvfy; a re-run replaces the
same files."""
import json

import pydicom
import pytest
import torch

from mmdsa.results import RESEARCH_USE_STATEMENT
from tests.conftest import run_tool
from tests.test_results.conftest import write_source
from tests.test_results.validators import dciodvfy_errors

TINY = 'configs/thrombus/cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py'


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    from mmdsa.apis import init_model
    root = tmp_path_factory.mktemp('infer_dicom')
    ckpt = root / 'tiny.pth'
    torch.save(dict(state_dict=init_model(TINY).state_dict(), meta={}),
               ckpt)
    write_source(root / 'series.dcm')
    return root, ckpt


def test_dicom_out_writes_valid_objects_and_reruns_in_place(files,
                                                            tmp_path):
    root, ckpt = files
    args = ['tools/infer.py', TINY, ckpt, root / 'series.dcm', '--out',
            tmp_path / 'res', '--threshold', '0', '--dicom-out',
            tmp_path / 'dcm', '--dicom-sc']
    run_tool(args)
    result = json.loads((tmp_path / 'res' / 'result.json').read_text())
    assert result['notice'] == RESEARCH_USE_STATEMENT
    written = result['series'][0]['dicom']
    kinds = [pydicom.dcmread(f, stop_before_pixels=True).Modality
             for f in written]
    assert kinds == ['SR', 'KO', 'OT']  # a recognizer has no boxes
    for f in written:
        assert dciodvfy_errors(f) == [], f
    src = pydicom.dcmread(root / 'series.dcm', stop_before_pixels=True)
    sr = pydicom.dcmread(written[0])
    assert sr.StudyInstanceUID == src.StudyInstanceUID
    run_tool(args + ['--overwrite'])  # a re-run asked for in place
    again = json.loads((tmp_path / 'res' / 'result.json').read_text())
    assert again['series'][0]['dicom'] == written
    assert sorted(p.name for p in (tmp_path / 'dcm').iterdir()) == sorted(
        f.rsplit('/', 1)[1] for f in written)
