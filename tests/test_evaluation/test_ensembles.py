"""Fold ensembles, PA+LAT pairs and the 4-model search (issue 12 item 5),
against brute force and scikit-learn."""
import importlib.util
import itertools
import json
import os.path as osp

import numpy as np
import pytest
from sklearn import metrics as skm

from mmdsa.evaluation.ensembles import (combine_series, fold_ensemble_report,
                                        search_combinations)
from mmdsa.evaluation.functional import delong_test

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def _tool(name):
    path = osp.join(ROOT, 'tools', 'analysis_tools', f'{name}.py')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _labels(n=30):
    return [int(i % 3 != 0) for i in range(n)]


def _preds(view, labels, rng, noise, ids=None):
    ids = range(len(labels)) if ids is None else ids
    return [dict(series_id=f'S{i:03d}_{view}', pair_id=f'S{i:03d}',
                 view=view, patient_id=f'P{i:03d}', label=labels[i],
                 occlusion_level=('M1' if i % 2 else 'M3')
                 if labels[i] else None,
                 score=float(np.clip(0.5 * labels[i] + rng.normal(
                     0.25, noise), 0, 1))) for i in ids]


def _folds(rng, labels, noise=0.3, k=5):
    files = {}
    for f in range(k):
        files[f'pa_fold{f}'] = dict(predictions=_preds('PA', labels, rng,
                                                       noise))
        files[f'lat_fold{f}'] = dict(predictions=_preds('LAT', labels, rng,
                                                        noise))
    return files


def test_fold_ensemble_report_against_brute_force():
    rng = np.random.default_rng(0)
    labels = _labels()
    files = _folds(rng, labels)
    rep = fold_ensemble_report(files)
    for view in ('PA', 'LAT'):
        names = [n for n in files if n.startswith(view.lower())]
        scores = np.array([[p['score'] for p in files[n]['predictions']]
                           for n in names])
        ens = scores.mean(0)
        got = rep['views'][view]
        assert got['ensemble']['auc'] == pytest.approx(
            skm.roc_auc_score(labels, ens))
        assert got['ensemble']['mcc'] == pytest.approx(
            skm.matthews_corrcoef(labels, (ens >= 0.5).astype(int)))
        aucs = [skm.roc_auc_score(labels, s) for s in scores]
        assert got['fold_mean']['auc']['mean'] == pytest.approx(
            np.mean(aucs))
        assert got['fold_mean']['auc']['std'] == pytest.approx(
            np.std(aucs, ddof=1))
        assert got['fold_mean']['auc']['n'] == 5
        d = got['delong_vs_folds'][names[0]]
        ref = delong_test(labels, ens, scores[0])
        assert d['p_value'] == pytest.approx(ref.p_value)
        # the ensemble of noisy folds beats the average fold
        assert got['ensemble']['auc'] >= got['fold_mean']['auc']['mean']
        assert 'level/M1/sens' in got['ensemble']
    pa = np.mean([[p['score'] for p in files[f'pa_fold{f}']['predictions']]
                  for f in range(5)], 0)
    lat = np.mean([[p['score'] for p in files[f'lat_fold{f}']['predictions']]
                   for f in range(5)], 0)
    pair = rep['pair']
    assert pair['ensemble']['auc'] == pytest.approx(
        skm.roc_auc_score(labels, (pa + lat) / 2))
    ref = delong_test(labels, (pa + lat) / 2, pa)
    assert pair['delong_vs_views']['PA']['p_value'] == pytest.approx(
        ref.p_value)
    # separate PA and LAT files: no per-fold pairs, only the ensemble's
    assert pair['folds'] == {}
    assert len(rep['records']['PA+LAT']) == len(labels)


def test_fold_files_holding_both_views_give_fold_pairs():
    rng = np.random.default_rng(1)
    labels = _labels(12)
    files = {f'fold{f}': dict(predictions=_preds('PA', labels, rng, 0.3) +
                              _preds('LAT', labels, rng, 0.3))
             for f in range(3)}
    rep = fold_ensemble_report(files)
    assert set(rep['pair']['folds']) == {'fold0', 'fold1', 'fold2'}
    p = files['fold0']['predictions']
    sc = [(p[i]['score'] + p[i + 12]['score']) / 2 for i in range(12)]
    assert rep['pair']['folds']['fold0']['auc'] == pytest.approx(
        skm.roc_auc_score(labels, sc))


def test_series_sets_must_match():
    rng = np.random.default_rng(2)
    labels = _labels(10)
    files = dict(a=dict(predictions=_preds('PA', labels, rng, 0.3)),
                 b=dict(predictions=_preds('PA', labels, rng, 0.3)[:-1]))
    with pytest.raises(ValueError, match='series sets differ'):
        combine_series(files)
    with pytest.raises(ValueError, match='series sets differ'):
        fold_ensemble_report(files)


def _variant(view, labels, rng, val_noise, test_noise):
    n = len(labels)
    return dict(view=view, val=_preds(view, labels, rng, val_noise),
                test=_preds(view, labels, rng, test_noise, range(n)))


def test_search_matches_brute_force_and_ignores_the_test_set():
    rng = np.random.default_rng(3)
    labels = _labels(45)
    variants = {
        'pa_a': _variant('PA', labels, rng, 0.15, 0.6),
        'pa_b': _variant('PA', labels, rng, 0.3, 0.3),
        'pa_c': _variant('PA', labels, rng, 0.45, 0.05),  # best on test
        'lat_a': _variant('LAT', labels, rng, 0.2, 0.3),
        'lat_b': _variant('LAT', labels, rng, 0.35, 0.3),
        'lat_c': _variant('LAT', labels, rng, 0.5, 0.05),  # best on test
    }
    res = search_combinations(variants)
    assert res['num_combinations'] == 9

    def val_mcc(pa, lat):
        models = [variants[n]['val'] for n in pa + lat]
        score = np.mean([[r['score'] for r in m] for m in models], 0)
        return skm.matthews_corrcoef(labels, (score >= 0.5).astype(int)), \
            skm.roc_auc_score(labels, score)

    brute = sorted(
        ((val_mcc(list(pa), list(lat)), pa, lat) for pa, lat in
         itertools.product(itertools.combinations(['pa_a', 'pa_b', 'pa_c'],
                                                  2),
                           itertools.combinations(['lat_a', 'lat_b',
                                                   'lat_c'], 2))),
        key=lambda t: (-t[0][0], -t[0][1]))
    assert (tuple(res['best']['pa']), tuple(res['best']['lat'])) == \
        (brute[0][1], brute[0][2])
    assert res['best']['val']['mcc'] == pytest.approx(brute[0][0][0])
    # chosen on validation: the test-only stars are not both in
    assert not {'pa_c', 'lat_c'} <= set(res['best']['pa'] +
                                        res['best']['lat'])
    # test metrics of the chosen ensemble, by hand
    models = [variants[n]['test'] for n in res['best']['pa'] +
              res['best']['lat']]
    score = np.mean([[r['score'] for r in m] for m in models], 0)
    assert res['best']['test']['auc'] == pytest.approx(
        skm.roc_auc_score(labels, score))
    single = res['best_single_pair']
    assert len(single['pa']) == len(single['lat']) == 1
    one = np.mean([[r['score'] for r in variants[n]['test']]
                   for n in single['pa'] + single['lat']], 0)
    ref = delong_test(labels, score, one)
    assert res['delong']['p_value'] == pytest.approx(ref.p_value)
    with pytest.raises(ValueError, match='at least 2 LAT'):
        search_combinations({k: v for k, v in variants.items()
                             if k != 'lat_a' and k != 'lat_b'})


def _write(path, preds):
    path.write_text(json.dumps(dict(task='thrombus', model='m',
                                    predictions=preds)))
    return str(path)


def test_tools_fold_ensemble_and_search(tmp_path, capsys):
    rng = np.random.default_rng(4)
    labels = _labels(24)
    files = []
    for f in range(3):
        for view in ('PA', 'LAT'):
            files.append(_write(tmp_path / f'{view}_{f}.json',
                                _preds(view, labels, rng, 0.3)))
    out = tmp_path / 'ens'
    assert _tool('fold_ensemble').main(files + ['--out', str(out)]) == 0
    rep = json.loads((out / 'fold_ensemble.json').read_text())
    assert set(rep['views']) == {'PA', 'LAT'} and rep['pair']
    pair = json.loads((out / 'fold_ensemble_pair.json').read_text())
    assert len(pair['predictions']) == 24
    assert 'PA+LAT: folds AUC' in capsys.readouterr().out
    assert _tool('fold_ensemble').main(
        [str(tmp_path / 'missing.json'), '--out', str(out)]) == 2
    # search: manifest of 2 PA + 2 LAT variants, 3 folds each, val = OOF
    variants = []
    for name, view in (('a', 'PA'), ('b', 'PA'), ('c', 'LAT'),
                       ('d', 'LAT')):
        val, test = [], []
        for f in range(3):
            ids = range(f, 24, 3)  # out-of-fold: disjoint series per fold
            val.append(_write(tmp_path / f'{name}_val{f}.json',
                              _preds(view, labels, rng, 0.3, ids)))
            test.append(osp.basename(_write(
                tmp_path / f'{name}_test{f}.json',
                _preds(view, labels, rng, 0.3))))
        variants.append(dict(name=name, view=view, val=val, test=test))
    manifest = tmp_path / 'variants.json'
    manifest.write_text(json.dumps(dict(variants=variants)))
    res_file = tmp_path / 'search.json'
    assert _tool('search_ensembles').main(
        [str(manifest), '--out', str(res_file)]) == 0
    res = json.loads(res_file.read_text())
    assert res['num_combinations'] == 1
    assert res['best']['pa'] == ['a', 'b'] and res['best']['val'][
        'num_pairs'] == 24
    assert 'best single pair' in capsys.readouterr().out
    variants[0]['view'] = 'AP'
    manifest.write_text(json.dumps(dict(variants=variants)))
    assert _tool('search_ensembles').main(
        [str(manifest), '--out', str(res_file)]) == 2
    assert 'field "view"' in capsys.readouterr().err


def test_search_refuses_a_pair_with_a_view_twice():
    """Duplicated views are refused, as by mmdsa.structures.pairing (the
    search used to keep the last of the two silently)."""
    rng = np.random.default_rng(4)
    labels = _labels(12)
    variants = {'pa_a': _variant('PA', labels, rng, 0.2, 0.2),
                'lat_a': _variant('LAT', labels, rng, 0.2, 0.2)}
    dup = dict(variants['lat_a']['val'][0], series_id='again')
    variants['lat_a']['val'].append(dup)
    with pytest.raises(ValueError, match=r"lat_a \(val\): pair_id=.*"
                       r"expected one LAT series.*'again'"):
        search_combinations(variants, num_pa=1, num_lat=1)
