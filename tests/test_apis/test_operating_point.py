"""Operating points: chosen as scikit-learn's ROC says, stored next to the
checkpoint, refused when stale, and reported in every decision."""
import json
import os
import stat

import numpy as np
import pytest
from sklearn.metrics import roc_curve

from mmdsa.apis.operating_point import (OperatingPointError,
                                        attach_operating_point,
                                        choose_operating_point, decide,
                                        load_operating_point, model_decision,
                                        operating_point_from_predictions,
                                        resolve_operating_point,
                                        sidecar_path, write_operating_point)
from mmdsa.evaluation.metrics.prediction_files import write_prediction_file
from tests.conftest import run_tool


def _data(seed=0, n=80):
    rng = np.random.default_rng(seed)
    labels = np.r_[np.ones(n // 2), np.zeros(n // 2)].astype(int)
    # scores like the issue's: positives mostly below 0.5
    scores = np.clip(np.r_[rng.normal(0.35, 0.12, n // 2),
                           rng.normal(0.15, 0.08, n // 2)], 0, 1)
    return labels, scores


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_youden_matches_sklearn(seed):
    labels, scores = _data(seed)
    fpr, tpr, thr = roc_curve(labels, scores, drop_intermediate=False)
    j = tpr - fpr
    best = j.max()
    expected = thr[np.flatnonzero(np.isclose(j, best))].max()
    point = choose_operating_point(labels, scores)
    assert point['threshold'] == pytest.approx(expected)
    pred = scores >= point['threshold']
    assert point['sensitivity'] == pytest.approx(pred[labels == 1].mean())
    assert point['specificity'] == pytest.approx(1 - pred[labels == 0].mean())
    assert point['sensitivity'] + point['specificity'] - 1 == \
        pytest.approx(best)
    # at 0.5 most positives would be called negative
    assert (scores[labels == 1] >= 0.5).mean() < 0.2
    assert point['sensitivity'] > 0.7


def test_sensitivity_at_specificity_matches_sklearn():
    labels, scores = _data(3)
    point = choose_operating_point(labels, scores, 'sens_at_spec', 0.95)
    fpr, tpr, thr = roc_curve(labels, scores, drop_intermediate=False)
    ok = (1 - fpr) >= 0.95
    assert point['sensitivity'] == pytest.approx(tpr[ok].max())
    assert point['specificity'] >= 0.95
    assert point['required_specificity'] == 0.95


def test_choose_refuses_one_class_and_unknown_method():
    with pytest.raises(OperatingPointError, match='positive and negative'):
        choose_operating_point([1, 1], [0.2, 0.3])
    with pytest.raises(OperatingPointError, match='expected method'):
        choose_operating_point([0, 1], [0.2, 0.3], method='f1')


def _prediction_file(path, labels, scores, pairs=False):
    records = []
    for i, (y, s) in enumerate(zip(labels, scores)):
        pair = f'P{i // 2}' if pairs else None
        view = ('PA', 'LAT')[i % 2] if pairs else 'unknown'
        records.append(dict(series_id=f'S{i}', pair_id=pair, view=view,
                            patient_id=f'P{i}', label=int(y),
                            score=float(s)))
    write_prediction_file(str(path), 'thrombus', 'test model', records)
    return path


def test_sidecar_round_trip_and_stale_checkpoint(tmp_path):
    labels, scores = _data(4)
    # pairs: both views of a pair share the label
    labels = np.repeat(labels[::2], 2)
    preds = _prediction_file(tmp_path / 'val.json', labels, scores, True)
    ckpt = tmp_path / 'best.pth'
    ckpt.write_bytes(b'weights v1')
    point = operating_point_from_predictions(str(preds), split='val')
    path = write_operating_point(str(ckpt), point)
    assert path == str(tmp_path / 'best.operating_point.json')
    assert path == sidecar_path(str(ckpt))
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~mask
    loaded = load_operating_point(str(ckpt))
    assert loaded['threshold'] == point['threshold']
    assert loaded['chosen_on']['split'] == 'val'
    assert loaded['chosen_on']['predictions'] == str(preds)
    pair_scores = (scores[::2] + scores[1::2]) / 2
    expected_pair = choose_operating_point(labels[::2], pair_scores)
    assert loaded['pair']['threshold'] == pytest.approx(
        expected_pair['threshold'])
    # decisions say where the threshold came from
    class Model:
        cfg = {}
    model = Model()
    attach_operating_point(model, str(ckpt))
    d = model_decision(model, point['threshold'])
    assert d['verdict'] == 'positive' and d['operating_point']['calibrated']
    assert d['operating_point']['source'] == 'calibrated'
    below = model_decision(model, point['threshold'] - 1e-6)
    assert below['verdict'] == 'negative'
    pair = model_decision(model, 0.3, unit='pair')
    assert pair['threshold'] == loaded['pair']['threshold']
    assert model_decision(model, 0.3, threshold=0.9)['operating_point'][
        'source'] == 'explicit'
    # the checkpoint changes: the sidecar no longer belongs to it
    ckpt.write_bytes(b'weights v2')
    with pytest.raises(OperatingPointError, match='checkpoint_sha256'):
        load_operating_point(str(ckpt))
    attach_operating_point(model, str(ckpt))
    with pytest.raises(OperatingPointError, match='another checkpoint'):
        model_decision(model, 0.3)
    assert model_decision(model, 0.3, threshold=0.2)['verdict'] == 'positive'


def test_fallbacks_are_marked_uncalibrated():
    p = resolve_operating_point(None, None, dict(test_evaluator=dict(
        type='SeriesClassificationMetric', threshold=0.4)))
    assert p['source'] == 'config' and p['threshold'] == 0.4
    assert not p['calibrated'] and 'uncalibrated' in p['note']
    p = resolve_operating_point(None, None, None)
    assert p['source'] == 'default' and p['threshold'] == 0.5
    assert decide(0.5, p)['verdict'] == 'positive'


def test_foreign_sidecar_is_not_replaced(tmp_path):
    ckpt = tmp_path / 'm.pth'
    ckpt.write_bytes(b'x')
    foreign = tmp_path / 'm.operating_point.json'
    foreign.write_text(json.dumps({'threshold': 0.1}))
    with pytest.raises(OperatingPointError, match='not written by mmdsa'):
        write_operating_point(str(ckpt), dict(threshold=0.3))
    assert json.loads(foreign.read_text()) == {'threshold': 0.1}


def test_calibrate_tool_with_prediction_file(tmp_path):
    labels, scores = _data(5)
    preds = _prediction_file(tmp_path / 'val.json', labels, scores)
    ckpt = tmp_path / 'm.pth'
    ckpt.write_bytes(b'x')
    # the config names the task the prediction file must be of
    config = 'configs/thrombus/' \
        'cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py'
    proc = run_tool(['tools/analysis_tools/calibrate_threshold.py',
                     config, ckpt, '--predictions', preds,
                     '--method', 'sens-at-spec', '--specificity', '0.9',
                     '--no-scope'])
    summary = json.loads(proc.stdout.splitlines()[0])
    assert summary['method'] == 'sens_at_spec'
    assert summary['specificity'] >= 0.9
    bad = run_tool(['tools/analysis_tools/calibrate_threshold.py',
                    'unused_config.py', ckpt, '--split', 'test'],
                   check=False)
    assert bad.returncode == 2 and bad.stderr.startswith('error: ')
