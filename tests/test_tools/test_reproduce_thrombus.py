"""tools/analysis_tools/reproduce_thrombus.py: the across-seed statistics
(against numpy / the DeLong function) and a smoke run at tiny scale."""
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest

from mmdsa.evaluation.ensembles import fold_ensemble_report
from mmdsa.evaluation.functional import delong_test

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def _tool():
    path = osp.join(ROOT, 'tools', 'analysis_tools', 'reproduce_thrombus.py')
    spec = importlib.util.spec_from_file_location('reproduce_thrombus', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _seed_report(rng, n=20, folds=3):
    labels = [int(i % 2) for i in range(n)]
    files = {}
    for view in ('PA', 'LAT'):
        for f in range(folds):
            files[f'{view}_fold{f}'] = dict(predictions=[
                dict(series_id=f'S{i}_{view}', pair_id=f'S{i}', view=view,
                     label=labels[i],
                     occlusion_level='M2' if labels[i] else None,
                     score=float(np.clip(0.4 * labels[i] +
                                         rng.normal(0.3, 0.25), 0, 1)))
                for i in range(n)])
    rep = fold_ensemble_report(files)
    rep['fold_records'] = {
        v: {k: d['predictions'] for k, d in files.items() if k[:2] == v[:2]}
        for v in ('PA', 'LAT')}
    return rep


def test_summarise_seeds_statistics():
    rt = _tool()
    rng = np.random.default_rng(0)
    reports = {s: _seed_report(rng) for s in (0, 1, 2)}
    res = rt.summarise_seeds(reports)
    aucs = [reports[s]['views']['PA']['ensemble']['auc'] for s in reports]
    stat = res['summary']['PA/ensemble_auc']
    assert stat['mean'] == pytest.approx(np.mean(aucs))
    assert stat['std'] == pytest.approx(np.std(aucs, ddof=1))
    assert stat['n'] == 3
    holds = sum(reports[s]['views']['LAT']['ensemble']['auc'] >=
                reports[s]['views']['LAT']['fold_mean']['auc']['mean']
                for s in reports)
    assert res['checks'][
        'LAT: fold ensemble AUC >= mean single fold AUC'] == dict(holds=holds,
                                                                  of=3)
    # pooled DeLong: pair vs PA over the 3 seeds' pairs, by hand
    labels, a, b = [], [], []
    for s, rep in reports.items():
        pa = {r['pair_id']: r for r in rep['records']['PA']}
        for p in rep['records']['PA+LAT']:
            labels.append(p['label'])
            a.append(p['score'])
            b.append(pa[p['pair_id']]['score'])
    ref = delong_test(labels, a, b)
    got = res['pooled_delong']['PA+LAT vs PA (fold ensembles)']
    assert got['num'] == 60 and got['p_value'] == pytest.approx(ref.p_value)
    assert res['levels']['PA+LAT']['level/M2/num_pos'] == 30
    # Stouffer: sum of the seeds' z over sqrt(3)
    zs = [reports[s]['pair']['delong_vs_views']['LAT']['z'] for s in reports]
    comb = res['combined_delong']['PA+LAT vs LAT (fold ensembles)']
    assert comb['z'] == pytest.approx(sum(zs) / np.sqrt(3))
    assert comb['seeds'] == 3


def test_report_files_and_refusal(tmp_path):
    # the training part is exercised by the study itself (minutes); here
    # the report writer on statistics of fabricated seeds
    rt = _tool()
    rng = np.random.default_rng(1)
    reports = {s: _seed_report(rng) for s in (0, 1)}
    result = rt.summarise_seeds(reports)

    class Args:
        difficulty, seeds, quick = 'medium', [0, 1], True

    scale = {k: v[1] for k, v in rt.SCALE.items()}
    path = rt.write_report(str(tmp_path / 'rep'), Args, scale, result, 60.0)
    data = json.loads((tmp_path / 'rep.json').read_text())
    assert data['seeds'] == [0, 1] and data['difficulty'] == 'medium'
    assert set(data['per_seed']['0']) == {'PA', 'LAT', 'PA+LAT'}
    md = open(path).read()
    pa = result['summary']['PA/ensemble_auc']
    assert f"{pa['mean']:.3f} ± {pa['std']:.3f}" in md
    assert 'Sensitivity per occlusion level' in md and '(n=20)' in md
    assert rt.main(['--quick', '--difficulty', 'nightmare', '--work',
                    str(tmp_path / 'w'), '--report',
                    str(tmp_path / 'r')]) == 2


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
            part=part, network=rt.LEDGER_PARTS[part][0], quick=True,
            seeds=[0, 1], difficulty='medium',
            scale=rt._ledger_scale(True), budget=dict(epochs=1, folds=2),
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
        assert (v['state'] == 'saturated') == (v['auc'] >= rt.SATURATED)
    assert '## Level check' in (tmp_path / 'rep.md').read_text()
