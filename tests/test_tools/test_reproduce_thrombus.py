"""tools/analysis_tools/reproduce_thrombus.py: the ledger's tables, its
report (level check, the fold-ensemble extra against scikit-learn) and
the refusals."""
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest

from mmdsa.evaluation.claims.report import SATURATED


ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def _tool():
    path = osp.join(ROOT, 'tools', 'analysis_tools', 'reproduce_thrombus.py')
    spec = importlib.util.spec_from_file_location('reproduce_thrombus', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_fold_files(tmp_path, part, rng, quality, seeds=(0, 1), n=40,
                      folds=2):
    sites = ('M1', 'M2', 'M3', 'M4+')
    preds = {}
    for seed in seeds:
        preds[str(seed)] = {}
        for view in ('PA', 'LAT'):
            for f in range(folds):
                recs = []
                for i in range(n):
                    y = i % 2
                    site = sites[i % 4 // 2 * 2 + (i // 4) % 2] if y else None
                    recs.append(dict(
                        series_id=f'S{i}_{view}', pair_id=f'S{i}', view=view,
                        label=y, occlusion_level=site, score=float(np.clip(
                            quality * y + rng.normal(0.3, 0.2), 0, 1))))
                path = tmp_path / f'{part}_{seed}_{view}_{f}.json'
                path.write_text(json.dumps(dict(task='thrombus',
                                                predictions=recs)))
                preds[str(seed)].setdefault(view, []).append(path.name)
    return preds


def test_ledger_parts_report_through_the_thrombus_ledger(tmp_path):
    rt = _tool()
    rng = np.random.default_rng(0)
    parts = tmp_path / 'parts'
    parts.mkdir()
    for part, quality in (('gru', 0.3), ('lstm', 0.5)):
        preds = _write_fold_files(parts, part, rng, quality)
        (parts / f'{part}.json').write_text(json.dumps(dict(
            part=part, network=rt.PARTS[part][0], quick=True,
            seeds=[0, 1], difficulty='medium',
            scale=rt.scale(True), budget=dict(epochs=1, folds=2),
            run_min=1.0, best_val_mcc={'0/PA/0': 0.2, '0/LAT/0': 0.3,
                                       '1/PA/0': 0.1} if part == 'gru'
            else {'0/PA/0': 0.5, '1/PA/0': 0.6}, predictions=preds)))
    tables = rt.ledger_seed_tables(
        {p: dict(json.loads((parts / f'{p}.json').read_text()),
                 _dir=str(parts)) for p in ('gru', 'lstm')}, 0)
    # the LSTM network scored better on validation: the best single pair
    assert tables['best single-network pair'] is \
        tables['ResNet18+LSTM PA+LAT']
    assert len(tables['ensemble 2 PA + 2 LAT']) == 40
    out = tmp_path / 'rep'
    assert rt.main(['--ledger-report', '--work', str(tmp_path), '--report',
                    str(out), '--bootstrap', '20']) == 0
    data = json.loads((tmp_path / 'rep.json').read_text())
    by = {c['id']: c for c in data['claims']}
    assert by['T1-backbones-PA']['verdict'] == 'not testable here'
    assert by['S3-testsets-1>2']['verdict'] == 'not testable here'
    assert by['T2-lstm-ge-gru-auc']['verdict'] in (
        'reproduced', 'consistent', 'not reproduced', 'contradicted')
    site = by['EV-site-sens-M1M2>M3M4']
    assert site['per_seed'][0]['intervals']['a'] is not None
    assert (tmp_path / 'rep.md').read_text().startswith('<!-- Written by')
    # the level check: every network's test AUC, its state, the sites
    checks = data['level_check']
    assert checks and all(v['state'] in ('saturated', 'at chance',
                                         'informative')
                          for v in checks.values())
    for v in checks.values():
        assert (v['state'] == 'saturated') == (v["auc"] >= SATURATED)
    assert '## Level check' in (tmp_path / 'rep.md').read_text()
    # the extra: each view's fold ensemble against its fold models
    from sklearn.metrics import roc_auc_score
    extra = data['fold_ensemble']['0/ResNet18+GRU PA']
    preds = json.loads((tmp_path / 'parts' / 'gru.json').read_text())[
        'predictions']['0']['PA']
    runs = [json.loads((parts / p).read_text())['predictions']
            for p in preds]
    labels = [r['label'] for r in runs[0]]
    fold_aucs = [roc_auc_score(labels, [r['score'] for r in run])
                 for run in runs]
    mean_scores = np.mean([[r['score'] for r in run] for run in runs], 0)
    assert extra['fold_auc_mean'] == pytest.approx(np.mean(fold_aucs))
    assert extra['ensemble_auc'] == pytest.approx(
        roc_auc_score(labels, mean_scores))
    assert 'Not a claim of the paper' in (tmp_path / 'rep.md').read_text()


def test_refusals(tmp_path):
    from mmdsa.utils.cli import run_tool
    rt = _tool()
    # an unknown level, no mode, a report without parts
    assert rt.main(['--part', 'gru', '--difficulty', 'nightmare', '--work',
                    str(tmp_path / 'w')]) == 2
    with pytest.raises(SystemExit):
        rt.parse_args(['--work', str(tmp_path)])
    assert run_tool(rt.main, ['--ledger-report', '--work',
                              str(tmp_path / 'none')]) == 2
    # one level per work folder
    (tmp_path / 'parts').mkdir()
    (tmp_path / 'parts' / 'gru.json').write_text(json.dumps(dict(
        quick=True, difficulty='medium')))
    assert run_tool(rt.main, ['--part', 'lstm', '--quick', '--difficulty',
                              'hard', '--work', str(tmp_path)]) == 2


def test_a_quick_part_trains_in_two_workers_and_resumes(tmp_path):
    import subprocess
    import sys
    work = tmp_path / 'w'
    cmd = [sys.executable, osp.join(ROOT, 'tools', 'analysis_tools',
                                    'reproduce_thrombus.py'),
           '--part', 'gru', '--quick', '--workers', '2', '--work', str(work)]
    env = dict(__import__('os').environ, OMP_NUM_THREADS='1')
    out = subprocess.run(cmd, capture_output=True, text=True, env=env,
                         timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    record = json.loads((work / 'parts' / 'gru.json').read_text())
    assert record['seeds'] == [0] and record['workers'] == 2
    assert len(record['sessions']) == 1
    # every fold model of both views: predictions and its validation MCC
    assert sorted(record['best_val_mcc']) == [
        '0/LAT/0', '0/LAT/1', '0/PA/0', '0/PA/1']
    for view in ('PA', 'LAT'):
        assert len(record['predictions']['0'][view]) == 2
        for rel in record['predictions']['0'][view]:
            assert (work / 'parts' / rel).is_file()
    # a second run trains nothing and adds its (short) session
    out = subprocess.run(cmd, capture_output=True, text=True, env=env,
                         timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    assert '0 of 4 models to train' in out.stdout
    again = json.loads((work / 'parts' / 'gru.json').read_text())
    assert again['best_val_mcc'] == record['best_val_mcc']
    assert len(again['sessions']) == 2
