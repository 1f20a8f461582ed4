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
def test_infer_on_real_xa_fixtures_is_out_of_scope(demo, tmp_path):
    """The demo's models (scope calibrated with their operating points)
    give no verdict on the real coronary cine nor on the RF frame."""
    _, report = demo
    for task in ('perforation', 'thrombus'):
        for path in (REAL_XA, REAL_XA.parent / 'rf_single_frame_1024.dcm'):
            res = tmp_path / task / path.stem
            run_tool(['tools/infer.py', report[task]['config'],
                      report[task]['checkpoint'], path, '--out', res])
            result = json.loads((res / 'result.json').read_text())
            assert result['verdict'] == 'out_of_scope', result['scope']
            assert result['scope']['reasons']
            figures = result['series'][0]['scope']['figures']
            assert figures['calibrated'] is True
        assert result['series'][0]['num_frames'] == 1


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


def test_demo_report_has_operating_points_cines_saliency_and_html(demo):
    out, report = demo
    rdir = out / 'report'
    point = report['operating_points']['thrombus']
    assert point is not None and point['method'] == 'youden'
    sidecar = json.loads(open(point['file']).read())
    assert sidecar['chosen_on']['split'] == 'val'
    cines = report['cine_examples']
    assert {(c['task'], c['label']) for c in cines} == {
        ('perforation', 1), ('perforation', 0), ('thrombus', 1),
        ('thrombus', 0)}
    for c in cines:
        assert (rdir / c['cine']).stat().st_size > 1000
        assert c['verdict'] == ('positive' if c['score'] >= c['threshold']
                                else 'negative')
    assert (rdir / report['saliency']['picture']).stat().st_size > 5000
    page = (rdir / 'report.html').read_text()
    sources = [c['cine'] for c in cines] + [
        report['saliency']['picture'], report['pictures']['roc_thrombus']]
    for src in sources:
        assert f'src="{src}"' in page
    assert '<table>' in page and 'Operating points' in page


def test_infer_verdict_at_calibrated_point_with_cine_and_dicom(demo,
                                                               tmp_path):
    import pydicom
    out, report = demo
    pa, lat = _first_pair(out)
    res = tmp_path / 'res'
    run_tool(['tools/infer.py', report['thrombus']['config'],
              report['thrombus']['checkpoint'], pa, '--pair', lat, '--out',
              res, '--cine', '--dicom-out', res / 'dicom', '--saliency'])
    result = json.loads((res / 'result.json').read_text())
    point = report['operating_points']['thrombus']
    decision = result['decision']
    assert decision['operating_point']['source'] == 'calibrated'
    expected = (point.get('pair') or point)['threshold']
    assert decision['threshold'] == pytest.approx(expected)
    assert result['threshold'] == decision['threshold']
    assert result['verdict'] == ('positive' if result['score'] >= expected
                                 else 'negative')
    series = result['series'][0]
    assert series['decision']['threshold'] == pytest.approx(
        point['threshold'])
    assert osp.getsize(series['cine']) > 1000
    assert osp.getsize(series['saliency']) > 5000
    ds = pydicom.dcmread(series['dicom'])
    src = pydicom.dcmread(str(pa), stop_before_pixels=True)
    assert ds.StudyInstanceUID == src.StudyInstanceUID
    assert ds.SeriesInstanceUID != src.SeriesInstanceUID
    assert 'NOT FOR DIAGNOSTIC USE' in ds.SeriesDescription
    # --threshold overrides the calibrated point
    res2 = tmp_path / 'res2'
    run_tool(['tools/infer.py', report['thrombus']['config'],
              report['thrombus']['checkpoint'], pa, '--out', res2,
              '--threshold', '0.99'])
    result = json.loads((res2 / 'result.json').read_text())
    assert result['decision']['operating_point']['source'] == 'explicit'
    assert result['threshold'] == 0.99


CHROMIUM = '/usr/bin/chromium'


@pytest.mark.slow
@pytest.mark.skipif(not osp.exists(CHROMIUM),
                    reason=f'{CHROMIUM} not installed')
def test_report_html_renders_in_headless_chromium(demo, tmp_path):
    import subprocess

    import numpy as np
    from PIL import Image
    out, report = demo
    shot = tmp_path / 'report.png'
    subprocess.run(
        [CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu',
         '--disable-background-networking', '--no-first-run',
         '--disable-component-update', '--disable-sync',
         f'--user-data-dir={tmp_path / "profile"}', '--hide-scrollbars',
         '--window-size=1200,4200', f'--screenshot={shot}',
         (out / 'report' / 'report.html').as_uri()],
        check=True, capture_output=True, timeout=180)
    img = np.asarray(Image.open(shot).convert('RGB'))
    assert img.shape[:2] == (4200, 1200)
    # rendered: text, tables and pictures, not an empty or error page
    dark = (img.sum(-1) < 200).mean()
    assert dark > 0.005
    # the pictures load: the cine loops' black header bands and the ROC
    # lines' colours appear
    blue = (img[..., 2] > 150) & (img[..., 0] < 80)
    assert blue.sum() > 500
