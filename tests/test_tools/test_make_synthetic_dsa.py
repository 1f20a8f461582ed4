"""tools/misc/make_synthetic_dsa.py never leaves a mix of sets and never
replaces a folder it did not make (issue 14.2)."""
import json
import os
import sys

import pytest

from tests.conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / 'tools' / 'misc'))
import make_synthetic_dsa  # noqa: E402

ARGS = ['--task', 'perforation', '--num', '2', '--frames', '3', '4']


def _files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob('*')
                  if p.is_file())


def _sizes(root):
    ann = json.loads((root / 'perforation.json').read_text())
    return {v['width'] for v in ann['videos']}


def test_repeated_run_replaces_the_whole_set(tmp_path):
    out = tmp_path / 'synth'
    assert make_synthetic_dsa.main(
        ARGS + ['--out', str(out), '--size', '48', '--num', '3']) == 0
    assert make_synthetic_dsa.main(
        ARGS + ['--out', str(out), '--size', '40']) == 0
    assert _sizes(out) == {40}
    params = json.loads((out / 'synth_params.json').read_text())
    assert sorted(params['files']) == [f for f in _files(out)
                                       if f != 'synth_params.json']
    assert len(list((out / 'dicom').glob('*.dcm'))) == 2   # not 3 left over
    assert os.listdir(tmp_path) == ['synth']


def test_killed_run_keeps_the_old_set(tmp_path, monkeypatch):
    out = tmp_path / 'synth'
    assert make_synthetic_dsa.main(ARGS + ['--out', str(out),
                                           '--size', '48']) == 0
    before = {f: (out / f).read_bytes() for f in _files(out)}
    from mmdsa.synth import dataset as synth_dataset
    real = synth_dataset.write_xa_dicom
    calls = []

    def dies_on_second(*a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt    # as a Ctrl-C in the middle
        return real(*a, **k)

    monkeypatch.setattr(synth_dataset, 'write_xa_dicom', dies_on_second)
    with pytest.raises(KeyboardInterrupt):
        make_synthetic_dsa.main(ARGS + ['--out', str(out), '--size', '40'])
    assert {f: (out / f).read_bytes() for f in _files(out)} == before
    assert os.listdir(tmp_path) == ['synth']


def test_refuses_a_folder_with_user_files(tmp_path, capsys):
    out = tmp_path / 'study'
    out.mkdir()
    (out / 'REAL_PATIENT_001.dcm').write_bytes(b'x')
    assert make_synthetic_dsa.main(ARGS + ['--out', str(out),
                                           '--size', '40']) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith('error: ')
    assert 'REAL_PATIENT_001.dcm' in err[0] and str(out) in err[0]
    assert _files(out) == ['REAL_PATIENT_001.dcm']
