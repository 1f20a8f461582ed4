"""Tests of tools/analysis_tools/{ensemble_predictions,delong_compare,
plot_roc,benchmark_trajectory}.py through their main(argv)."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

TOOLS = Path(__file__).resolve().parents[2] / 'tools' / 'analysis_tools'


def _tool(name):
    spec = importlib.util.spec_from_file_location(name, TOOLS / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(path, preds, task='thrombus'):
    path.write_text(json.dumps(dict(task=task, model=path.stem,
                                    predictions=preds)))
    return str(path)


def _view_file(tmp_path, name, view, n_pairs=12, seed=0):
    rng = np.random.default_rng(seed)
    preds = []
    for p in range(n_pairs):
        label = int(p % 3 != 0)
        preds.append(dict(series_id=f'S{p:02d}_{view}', pair_id=f'S{p:02d}',
                          view=view, patient_id=f'P{p:02d}', label=label,
                          score=float(rng.uniform(0, 0.7) + 0.3 * label)))
    return _write(tmp_path / name, preds), preds


def test_four_model_pair_ensemble_is_mean_of_four(tmp_path, capsys):
    pa1, p1 = _view_file(tmp_path, 'pa1.json', 'PA', seed=1)
    pa2, p2 = _view_file(tmp_path, 'pa2.json', 'PA', seed=2)
    lat1, l1 = _view_file(tmp_path, 'lat1.json', 'LAT', seed=3)
    lat2, l2 = _view_file(tmp_path, 'lat2.json', 'LAT', seed=4)
    out = tmp_path / 'ens.json'
    rc = _tool('ensemble_predictions').main(
        [pa1, pa2, lat1, lat2, '--pair', '--out', str(out)])
    assert rc == 0
    data = json.loads(out.read_text())
    expected = [np.mean([a['score'], b['score'], c['score'], d['score']])
                for a, b, c, d in zip(p1, p2, l1, l2)]
    got = [p['score'] for p in data['predictions']]
    np.testing.assert_allclose(got, expected, atol=1e-12)
    labels = [p['label'] for p in p1]
    assert data['metrics']['auc'] == pytest.approx(
        roc_auc_score(labels, expected), abs=1e-9)
    assert data['level'] == 'pair'
    png = out.with_suffix('.png')
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert 'auc' in capsys.readouterr().out
    # the ensemble file is itself a valid input of the DeLong tool
    rc = _tool('delong_compare').main([str(out), str(out)])
    assert rc == 0 and 'p = 1' in capsys.readouterr().out


def test_median_ensemble_of_same_series(tmp_path):
    files, all_preds = [], []
    for k in range(4):
        path, preds = _view_file(tmp_path, f'm{k}.json', 'PA', seed=10 + k)
        files.append(path)
        all_preds.append(preds)
    out = tmp_path / 'median.json'
    plot = tmp_path / 'roc' / 'median.png'
    assert _tool('ensemble_predictions').main(
        files + ['--method', 'median', '--out', str(out), '--plot',
                 str(plot)]) == 0
    expected = np.median([[p['score'] for p in preds]
                          for preds in all_preds], axis=0)
    got = [p['score'] for p in json.loads(out.read_text())['predictions']]
    np.testing.assert_allclose(got, expected, atol=1e-12)
    assert plot.exists()


def test_median_ensemble_config_of_the_four_st_so_models(tmp_path, capsys):
    cfg = (TOOLS.parents[1] / 'configs' / 'perforation' / 'ensembles' /
           'median-ensemble_retinanet_r50_fpn_4x-st-t5-so_12e_'
           'dsa-perforation.py')
    from mmengine.config import Config
    members = Config.fromfile(str(cfg)).ensemble['members']
    assert len(members) == 4
    for m in members:  # every member is a published +SO config
        assert '_so_' in m and (cfg.parent / m).resolve().is_file()
    pred_dir = tmp_path / 'preds'
    pred_dir.mkdir()
    all_preds = []
    for k, m in enumerate(members):
        stem = Path(m).stem
        _, preds = _view_file(pred_dir, stem + '.json', 'PA', seed=20 + k)
        all_preds.append(preds)
    out = tmp_path / 'median.json'
    ens = _tool('ensemble_predictions').main
    assert ens(['--config', str(cfg), '--pred-dir', str(pred_dir),
                '--out', str(out)]) == 0
    expected = np.median([[p['score'] for p in preds]
                          for preds in all_preds], axis=0)
    data = json.loads(out.read_text())
    np.testing.assert_allclose([p['score'] for p in data['predictions']],
                               expected, atol=1e-12)
    assert data['method'] == 'median'
    (pred_dir / (Path(members[2]).stem + '.json')).unlink()
    assert ens(['--config', str(cfg), '--pred-dir', str(pred_dir),
                '--out', str(out)]) == 2
    assert 'expected its prediction file' in capsys.readouterr().err


def test_refuses_missing_duplicate_and_nan(tmp_path, capsys):
    ens = _tool('ensemble_predictions').main
    pa1, preds = _view_file(tmp_path, 'pa1.json', 'PA')
    short = _write(tmp_path / 'short.json', preds[1:])
    out = str(tmp_path / 'x.json')
    assert ens([pa1, short, '--out', out]) == 2
    err = capsys.readouterr().err
    assert 'series sets differ' in err and 'S00_PA' in err
    dup = _write(tmp_path / 'dup.json', preds + preds[:1])
    assert ens([dup, '--out', out]) == 2
    assert 'duplicated series ids' in capsys.readouterr().err
    text = json.dumps(dict(task='thrombus', predictions=[
        dict(preds[0], score=float('nan'))] + preds[1:]))
    (tmp_path / 'nan.json').write_text(text)  # json writes NaN
    assert ens([str(tmp_path / 'nan.json'), '--out', out]) == 2
    assert "NaN" in capsys.readouterr().err
    assert ens([pa1, '--pair', '--out', out]) == 2
    assert 'pairs without exactly one PA' in capsys.readouterr().err
    assert not Path(out).exists()


def test_delong_tool_prints_and_refuses(tmp_path, capsys):
    a, pa = _view_file(tmp_path, 'a.json', 'PA', seed=5)
    b, pb = _view_file(tmp_path, 'b.json', 'PA', seed=6)
    delong = _tool('delong_compare').main
    assert delong([a, b]) == 0
    out = capsys.readouterr().out
    labels = [p['label'] for p in pa]
    auc_a = roc_auc_score(labels, [p['score'] for p in pa])
    assert f'{auc_a:.4f}' in out and 'z = ' in out
    c = _write(tmp_path / 'c.json', pb[:-1])
    assert delong([a, c]) == 2   # a refusal: exit status 2
    assert 'S11_PA' in capsys.readouterr().err


def test_plot_roc_and_benchmark_tools(tmp_path, capsys):
    a, _ = _view_file(tmp_path, 'a.json', 'PA')
    png = tmp_path / 'r.png'
    assert _tool('plot_roc').main([a, '--out', str(png)]) == 0
    assert png.stat().st_size > 1000
    bench = _tool('benchmark_trajectory')
    boxes, scores = bench.random_series(5, 7, dense=True)
    assert len(boxes) == 5 and boxes[0].shape == (7, 4)
    assert bench.time_once(6, 10, False, 2) > 0
    assert bench.main(['--repeat', '0']) == 2


def test_plot_roc_keeps_curves_of_the_same_name(tmp_path, monkeypatch):
    import mmdsa.visualization as vis
    seen = {}

    def fake(curves, out_file, title='ROC'):
        seen.update(curves)
        return out_file

    monkeypatch.setattr(vis, 'plot_roc_curves', fake)
    y = np.array([0, 1, 0, 1])
    _tool('plot_roc').plot_roc([('p.json', y, y * 0.5), ('p.json', y, y)],
                               str(tmp_path / 'r.png'))
    assert sorted(seen) == ['p.json', 'p.json (2)']


def test_plot_roc_refuses_a_one_class_file_with_status_2(tmp_path, capsys):
    import json
    path = tmp_path / 'one.json'
    path.write_text(json.dumps({'predictions': [
        {'series_id': 's0', 'label': 1, 'score': 0.3},
        {'series_id': 's1', 'label': 1, 'score': 0.6}]}))
    assert _tool('plot_roc').main([str(path), '--out',
                                   str(tmp_path / 'r.png')]) == 2
    assert capsys.readouterr().err.startswith('error: ')
    assert not (tmp_path / 'r.png').exists()
