"""Nonsense input, foreign files and diverging runs are refused in one line
with exit status 2 (tools/train.py, tools/test.py, tools/infer.py, the
prediction-file tools, the wrapper itself)."""
import importlib.util
import json
import os
import pickle
import sys

import numpy as np
import pytest
import torch

from mmdsa.utils.cli import run_tool
from tests.conftest import REPO_ROOT
from tests.conftest import run_tool as run_subprocess

TINY = str(REPO_ROOT / 'tests' / 'data' / 'configs' / 'tiny_classifier.py')
THROMBUS = str(REPO_ROOT / 'configs' / 'thrombus' /
               'cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py')


def _tool(rel):
    path = REPO_ROOT / 'tools' / rel
    sys.path.append(str(path.parent))
    spec = importlib.util.spec_from_file_location(
        '_rob_' + rel.replace('/', '_')[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _status(rel, argv):
    try:
        return run_tool(_tool(rel).main, [str(a) for a in argv])
    except SystemExit as exc:
        return exc.code


def _one_line(capsys, *names):
    err = capsys.readouterr().err.strip()
    lines = [ln for ln in err.splitlines() if 'error:' in ln]
    assert len(lines) == 1, err
    assert 'Traceback' not in err, err
    for name in names:
        assert str(name) in lines[0], (name, err)
    return lines[0]


def _refused(proc, *names):
    """A subprocess (MMEngine runners log to the console) refused in one
    line that names ``names``."""
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: '), proc.stderr[-3000:]
    for name in names:
        assert str(name) in last, (name, last)
    return last


def _data(image_folder):
    return [f'train_dataloader.dataset.data_root={image_folder}',
            f'test_dataloader.dataset.data_root={image_folder}']


# ---------------------------------------------------------------- train.py
def test_train_refuses_a_work_dir_with_another_runs_checkpoints(
        tmp_path, image_folder, capsys):
    work = tmp_path / 'work'
    work.mkdir()
    theirs = work / 'epoch_1.pth'
    theirs.write_bytes(b'another run')
    _refused(run_subprocess(['tools/train.py', TINY, '--work-dir', work,
                             '--cfg-options'] + _data(image_folder),
                            check=False), work, 'epoch_1.pth', '--resume')
    assert theirs.read_bytes() == b'another run'


def test_a_diverging_run_stops_and_saves_nothing(tmp_path, image_folder,
                                                 capsys):
    work = tmp_path / 'nan'
    line = _refused(run_subprocess([
        'tools/train.py', TINY, '--work-dir', work, '--cfg-options',
        'optim_wrapper.optimizer.lr=1e10'] + _data(image_folder),
        check=False), work)
    assert 'non-finite' in line or 'NaN' in line
    assert not list(work.glob('*.pth'))
    assert not (work / 'last_checkpoint').exists()


@pytest.mark.parametrize('option,words', [
    ('train_cfg.max_epoch=2', 'did you mean train_cfg.max_epochs'),
    ('train_cfg.max_epochs=abc', 'expected a number'),
    ('train_cfg.max_epochs.x=1', '--cfg-options'),
])
def test_cfg_options_mistakes_are_one_line(tmp_path, option, words, capsys):
    assert _status('train.py', [TINY, '--work-dir', tmp_path / 'w',
                                '--cfg-options', option]) == 2
    assert words in _one_line(capsys)


def test_missing_and_broken_configs(tmp_path, capsys):
    assert _status('train.py', [tmp_path / 'nope.py']) == 2
    _one_line(capsys, 'nope.py')
    broken = tmp_path / 'broken.py'
    broken.write_text('model = dict(\n')
    assert _status('test.py', [broken, broken]) == 2
    _one_line(capsys)


# ----------------------------------------------------------------- test.py
def test_test_out_never_replaces_a_users_pickle(tmp_path, capsys):
    ckpt = tmp_path / 'c.pth'
    torch.save({'state_dict': {}}, ckpt)
    mine = tmp_path / 'preds.pkl'
    mine.write_bytes(pickle.dumps('mine'))
    assert _status('test.py', [TINY, ckpt, '--out', mine]) == 2
    _one_line(capsys, mine, '--overwrite')
    assert pickle.loads(mine.read_bytes()) == 'mine'


def test_dump_results_is_atomic_on_a_full_disk(tmp_path, monkeypatch):
    from mmdsa.evaluation.metrics import AtomicDumpResults
    from mmdsa.evaluation.metrics import dump_results
    out = tmp_path / 'preds.pkl'
    out.write_bytes(pickle.dumps('good'))

    def full_disk(obj, file, file_format=None):
        with open(file, 'wb') as f:
            f.write(b'\x80\x04trunc')
        raise OSError(28, 'No space left on device', file)

    monkeypatch.setattr(dump_results, 'dump', full_disk)
    with pytest.raises(OSError):
        AtomicDumpResults(out_file_path=str(out)).compute_metrics([1, 2])
    assert pickle.loads(out.read_bytes()) == 'good'
    assert os.listdir(tmp_path) == ['preds.pkl']


# ---------------------------------------------------------------- infer.py
@pytest.fixture(scope='module')
def tiny_model(tmp_path_factory):
    from mmdsa.apis import init_model
    root = tmp_path_factory.mktemp('rob_infer')
    ckpt = root / 'tiny.pth'
    torch.save(dict(state_dict=init_model(THROMBUS).state_dict(), meta={}),
               ckpt)
    series = root / 'series'
    series.mkdir()
    rng = np.random.default_rng(0)
    for k in range(6):
        np.save(series / f'f{k}.npy',
                rng.uniform(0, 1, (64, 64)).astype(np.float32))
    return ckpt, series


@pytest.mark.parametrize('extra,words', [
    (['--device', 'banana'], '--device'),
    (['--cine-fps', '0'], '--cine-fps'),
    (['--threshold', '7'], 'expected a finite number in [0, 1]'),
    (['--threshold', '-3'], 'expected a finite number in [0, 1]'),
])
def test_infer_nonsense_options(tiny_model, tmp_path, extra, words, capsys):
    ckpt, series = tiny_model
    assert _status('infer.py', [THROMBUS, ckpt, series, '--out',
                                tmp_path / 'o'] + extra) == 2
    assert words in _one_line(capsys)
    assert not (tmp_path / 'o' / 'result.json').exists()


def test_infer_never_writes_into_the_series(tiny_model, capsys):
    ckpt, series = tiny_model
    before = sorted(os.listdir(series))
    assert _status('infer.py', [THROMBUS, ckpt, series, '--out',
                                series]) == 2
    _one_line(capsys, 'outside the input series')
    assert sorted(os.listdir(series)) == before


def test_infer_keeps_a_users_result_unless_overwrite(tiny_model, tmp_path,
                                                     capsys):
    ckpt, series = tiny_model
    out = tmp_path / 'out'
    out.mkdir()
    mine = out / 'result.json'
    mine.write_text('mine')
    argv = [THROMBUS, ckpt, series, '--out', out, '--threshold', '0.5']
    assert _status('infer.py', argv) == 2
    _one_line(capsys, mine, '--overwrite')
    assert mine.read_text() == 'mine'
    assert _status('infer.py', argv + ['--overwrite']) == 0
    assert json.loads(mine.read_text())['task'] == 'thrombus'


# ---------------------------------------------- prediction-file tools
def _pred(path, task, n=6, empty=False):
    preds = [] if empty else [
        dict(series_id=f's{i}', label=i % 2, score=0.1 + 0.1 * i,
             view='PA', patient_id=f'p{i}', pair_id=None)
        for i in range(n)]
    path.write_text(json.dumps(dict(task=task, model='m',
                                    predictions=preds)))
    return path


def test_delong_refuses_files_of_two_tasks_with_status_2(tmp_path, capsys):
    a = _pred(tmp_path / 'a.json', 'thrombus')
    b = _pred(tmp_path / 'b.json', 'perforation')
    assert _status('analysis_tools/delong_compare.py', [a, b]) == 2
    _one_line(capsys, 'thrombus', 'perforation')


@pytest.mark.parametrize('tool', ['analysis_tools/ensemble_predictions.py',
                                  'analysis_tools/fold_ensemble.py'])
def test_ensembles_refuse_an_empty_member(tmp_path, tool, capsys):
    a = _pred(tmp_path / 'a.json', 'thrombus')
    b = _pred(tmp_path / 'b.json', 'thrombus', empty=True)
    out = tmp_path / ('ens.json' if 'predictions' in tool else 'ens')
    assert _status(tool, [a, b, '--out', out]) == 2
    _one_line(capsys, 'b.json', 'at least one series')
    assert not out.exists()


def test_calibrate_refuses_predictions_of_another_task(tmp_path, capsys):
    ckpt = tmp_path / 'c.pth'
    torch.save({'state_dict': {}}, ckpt)
    perf = _pred(tmp_path / 'perf.json', 'perforation')
    assert _status('analysis_tools/calibrate_threshold.py',
                   [THROMBUS, ckpt, '--predictions', perf]) == 2
    _one_line(capsys, 'perf.json', "expected 'thrombus'")
    assert not (tmp_path / 'c.operating_point.json').exists()


# ------------------------------------------------------- the wrapper
def test_dataloader_worker_errors_become_their_own_line(capsys):
    """A bad series found mid-training, re-raised by a DataLoader worker."""
    from torch._utils import ExceptionWrapper

    from mmdsa.fileio import DSAReadError

    def main(argv):
        try:
            raise DSAReadError('/data/s1.dcm', 'not a DICOM file')
        except DSAReadError:
            ExceptionWrapper(where='in DataLoader worker process 0').reraise()

    assert run_tool(main, []) == 2
    assert _one_line(capsys) == 'error: /data/s1.dcm: not a DICOM file'


def test_a_bug_keeps_its_traceback():
    def main(argv):
        raise KeyError('bug')

    with pytest.raises(KeyError):
        run_tool(main, [])


def test_cross_validation_without_a_split_file_is_one_line(tmp_path,
                                                          capsys):
    assert _status('run_cross_validation.py', [
        THROMBUS, '--work-dir', tmp_path / 'cv', '--dry-run']) == 2
    _one_line(capsys, 'split_file', '--split-file')
    assert not (tmp_path / 'cv').exists()
