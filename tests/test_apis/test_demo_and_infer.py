"""The README's main job at toy scale (tools/demo.py --quick), then the
inference CLI on its checkpoints: a generated PA+LAT pair, the real XA
fixture, and a broken file."""
import json
import os.path as osp

import pytest

from tests.conftest import SHARED_DATA, run_tool

REAL_XA = SHARED_DATA / 'real_xa' / 'xa_cine_96f_jpeg_baseline.dcm'


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp('demo')
    run_tool(['tools/demo.py', '--quick', '--out', out], timeout=1200)
    with open(out / 'report' / 'report.json') as f:
        report = json.load(f)
    return out, report


def test_demo_writes_report_with_metrics_and_pictures(demo):
    out, report = demo
    det, cls = report['perforation']['metrics'], report['thrombus']['metrics']
    for key in ('so/auc', 'so/youden_sens', 'so/youden_spec', 'so/sens95',
                'so/ap50', 'so/ar50', 'so/ap_cin', 'so/ar_cin', 'so/auprc',
                'max/auc'):
        assert key in det, key
    for key in ('auc', 'mcc', 'youden_sens', 'youden_spec', 'sens95',
                'pa/auc', 'lat/auc', 'pair/auc'):
        assert key in cls, key
    assert 0.0 <= det['so/auc'] <= 1.0 and 0.0 <= cls['auc'] <= 1.0
    report_dir = out / 'report'
    for name in ('roc_perforation_so', 'roc_thrombus', 'positive_series'):
        png = report_dir / report['pictures'][name]
        assert png.stat().st_size > 5000, name
    md = (report_dir / 'report.md').read_text()
    assert '| series AUC |' in md and 'PA+LAT pair' in md
    assert report['example']['reference_frames']


def _first_pair(out):
    with open(out / 'data' / 'thrombus' / 'test' / 'thrombus.json') as f:
        entries = json.load(f)['data_list']
    root = out / 'data' / 'thrombus' / 'test'
    by_view = {}
    for e in entries:
        by_view.setdefault(e['pair_id'], {})[e['view']] = root / e['file']
    pa_lat = next(v for v in by_view.values() if len(v) == 2)
    return pa_lat['PA'], pa_lat['LAT']


def test_infer_recognizer_on_generated_pair(demo, tmp_path):
    out, report = demo
    pa, lat = _first_pair(out)
    res = tmp_path / 'res'
    run_tool(['tools/infer.py', report['thrombus']['config'],
              report['thrombus']['checkpoint'], pa, '--pair', lat, '--out',
              res])
    result = json.loads((res / 'result.json').read_text())
    assert result['task'] == 'thrombus'
    assert len(result['series']) == 2
    assert [s['view'] for s in result['series']] == ['PA', 'LAT']
    mean = sum(s['score'] for s in result['series']) / 2
    assert result['score'] == pytest.approx(mean)
    assert result['verdict'] == ('positive' if mean >= result['threshold']
                                 else 'negative')
    assert all(osp.isfile(s['picture']) for s in result['series'])


def test_infer_detector_on_generated_series(demo, tmp_path):
    out, report = demo
    pa, _ = _first_pair(out)
    res = tmp_path / 'res'
    run_tool(['tools/infer.py', report['perforation']['config'],
              report['perforation']['checkpoint'], pa, '--out', res])
    result = json.loads((res / 'result.json').read_text())
    series = result['series'][0]
    assert result['task'] == 'perforation'
    assert series['series_optimiser'] is True
    frames = [t['frame'] for t in series['trajectory']]
    assert frames == sorted(frames)
    if frames:  # a trajectory is a run of consecutive frames
        assert frames == list(range(frames[0], frames[0] + len(frames)))
    assert series['timings_s']['frames_per_second'] > 0


@pytest.mark.skipif(not REAL_XA.is_file(),
                    reason=f'real XA fixture not found at {REAL_XA} '
                    '(only present beside the repository on CI machines)')
def test_infer_on_real_xa_fixture(demo, tmp_path):
    _, report = demo
    for task in ('perforation', 'thrombus'):
        res = tmp_path / task
        run_tool(['tools/infer.py', report[task]['config'],
                  report[task]['checkpoint'], REAL_XA, '--out', res])
        result = json.loads((res / 'result.json').read_text())
        assert result['series'][0]['num_frames'] == 96
        assert 0.0 <= result['score'] <= 1.0


def test_infer_refuses_broken_file(demo, tmp_path):
    _, report = demo
    bad = tmp_path / 'broken.dcm'
    bad.write_bytes(b'DICM' + b'\x00' * 50)
    proc = run_tool(['tools/infer.py', report['thrombus']['config'],
                     report['thrombus']['checkpoint'], bad, '--out',
                     tmp_path / 'res'], check=False)
    assert proc.returncode == 2
    assert 'broken.dcm' in proc.stderr
    assert not (tmp_path / 'res' / 'result.json').exists()
