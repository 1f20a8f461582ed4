"""Thresholds are probabilities: outside [0, 1] is refused wherever one
enters (sidecar, --threshold, config, prediction-file task)."""
import json

import pytest

from mmdsa.apis.operating_point import (OperatingPointError,
                                        check_threshold, config_threshold,
                                        load_operating_point,
                                        operating_point_from_predictions,
                                        resolve_operating_point,
                                        sidecar_path, write_operating_point)


@pytest.mark.parametrize('value', [7, -3, float('nan'), True, '0.5'])
def test_check_threshold_refuses(value):
    with pytest.raises(OperatingPointError, match=r'\[0, 1\]'):
        check_threshold(value, 'x')


@pytest.mark.parametrize('value', [7.0, -3.0])
def test_sidecar_and_explicit_threshold_outside_0_1(tmp_path, value):
    ckpt = tmp_path / 'c.pth'
    ckpt.write_bytes(b'weights')
    write_operating_point(str(ckpt), dict(threshold=0.4))
    side = json.loads(open(sidecar_path(str(ckpt))).read())
    side['threshold'] = value
    open(sidecar_path(str(ckpt)), 'w').write(json.dumps(side))
    with pytest.raises(OperatingPointError, match='field "threshold"'):
        load_operating_point(str(ckpt))
    with pytest.raises(OperatingPointError, match='--threshold'):
        resolve_operating_point(value)
    with pytest.raises(OperatingPointError, match='test_evaluator'):
        config_threshold(dict(test_evaluator=dict(threshold=value)))


def test_calibration_refuses_predictions_of_the_other_task(tmp_path):
    path = tmp_path / 'p.json'
    path.write_text(json.dumps(dict(task='perforation', predictions=[
        dict(series_id=f's{i}', label=i % 2, score=0.2 * i / 2)
        for i in range(6)])))
    with pytest.raises(ValueError, match="expected 'thrombus'"):
        operating_point_from_predictions(str(path), task='thrombus')
    assert operating_point_from_predictions(str(path), task='perforation')
