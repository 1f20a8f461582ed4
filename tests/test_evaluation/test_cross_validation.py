"""mmdsa.evaluation.cross_validation and the detection path of
tools/run_cross_validation.py."""
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from sklearn.metrics import roc_auc_score

from mmdsa.evaluation.cross_validation import (delong_between, mean_std,
                                               pool_predictions,
                                               prediction_metrics,
                                               series_scores)
from mmdsa.evaluation.metrics import SeriesDetectionMetric

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
TINY = osp.join(ROOT, 'configs', 'perforation',
                'retinanet_r18-tiny_fpn_tcm-t5_dr-iou_so_8e_'
                'synthetic-perforation.py')


def _cv_tool():
    spec = importlib.util.spec_from_file_location(
        'run_cross_validation', osp.join(ROOT, 'tools',
                                         'run_cross_validation.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _samples(ids, seed):
    import torch
    rng = np.random.default_rng(seed)
    out = []
    for k, sid in enumerate(ids):
        label = k % 2
        for f in range(4):
            n = int(rng.integers(0, 2))
            xy = rng.uniform(0, 30, (n, 2))
            out.append(dict(
                series_id=sid, frame_id=f, series_length=4,
                series_label=label, view='PA', pair_id=sid,
                patient_id=f'P{sid}',
                series_post_processor=dict(type='TrajectoryOptimizer',
                                           score_thr=0.05),
                pred_instances=dict(
                    bboxes=torch.tensor(np.c_[xy, xy + 12],
                                        dtype=torch.float32).reshape(-1, 4),
                    scores=torch.tensor(rng.uniform(0.05, 1, n),
                                        dtype=torch.float32)),
                gt_instances=dict(bboxes=torch.tensor(
                    [[10., 10., 25., 25.]] if label else []).reshape(-1, 4))))
    return out


def test_pooled_out_of_fold_metrics_equal_one_metric_over_all(tmp_path):
    ids = [f'S{i:02d}' for i in range(12)]
    folds = [ids[0::3], ids[1::3], ids[2::3]]
    files, every = [], []
    for k, fold in enumerate(folds):
        metric = SeriesDetectionMetric(
            rescale_gt=False, prediction_file=str(tmp_path / f'f{k}.json'))
        samples = _samples(fold, seed=k)
        every += samples
        metric.process(None, samples)
        metric.compute_metrics(metric.results)
        files.append(str(tmp_path / f'f{k}.json'))
    pooled = pool_predictions(files, str(tmp_path / 'pooled.json'))
    assert [p['series_id'] for p in pooled['predictions']] == sorted(ids)
    whole = SeriesDetectionMetric(rescale_gt=False)
    whole.process(None, every)
    expected = whole.compute_metrics(whole.results)
    got = prediction_metrics(pooled)
    assert set(got) == set(expected)
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-12, nan_ok=True), key
    # the written pooled file gives the same numbers again
    from mmdsa.evaluation.metrics import load_prediction_file
    again = prediction_metrics(load_prediction_file(
        str(tmp_path / 'pooled.json')))
    assert again['auc'] == pytest.approx(expected['auc'])
    # a series in two folds is refused, naming both files
    with pytest.raises(ValueError, match='is in'):
        pool_predictions([files[0], files[0]])
    # DeLong of the SO scores against the max-score rule, same series
    res = delong_between(series_scores(pooled),
                         series_scores(pooled, 'max_score'))
    labels = [p['label'] for p in pooled['predictions']]
    assert res['auc_a'] == pytest.approx(roc_auc_score(
        labels, [p['score'] for p in pooled['predictions']]))
    assert res['auc_b'] == pytest.approx(expected['max_score/auc'])
    assert 0.0 <= res['p'] <= 1.0


def test_mean_std_over_seeds():
    runs = [dict(auc=0.8, ap=0.5), dict(auc=0.9, ap=float('nan')),
            dict(auc=0.7, ap=0.7)]
    got = mean_std(runs)
    assert got['auc']['mean'] == pytest.approx(0.8)
    assert got['auc']['std'] == pytest.approx(np.std([.8, .9, .7], ddof=1))
    assert got['ap'] == dict(mean=pytest.approx(0.6),
                             std=pytest.approx(np.std([.5, .7], ddof=1)),
                             n=2)


def test_detection_fold_config_tests_on_its_own_held_out_fold(tmp_path):
    cv = _cv_tool()
    args = cv.parse_args([TINY, '--work-dir', str(tmp_path), '--seeds', '0',
                          '3'])
    assert args.task == 'perforation' and args.folds == 10
    cfg = Config.fromfile(TINY)
    pool = cfg.train_dataloader.dataset
    for fold in (0, 4):
        derived = cv.detection_fold_config(cfg, 'split.json', fold, 3,
                                           'pred.json', 'tiny')
        train = derived.train_dataloader.dataset
        assert (train.split, train.fold) == ('train', fold)
        for loader in ('val_dataloader', 'test_dataloader'):
            ds = derived[loader].dataset
            # the held-out fold of the same pool, not another data set
            assert (ds.split, ds.fold, ds.split_file) == ('val', fold,
                                                          'split.json')
            assert ds.data_root == pool.data_root
            assert ds.synthetic == pool.synthetic and ds.test_mode
            assert ds.pipeline == cfg[loader].dataset.pipeline
        assert derived.test_evaluator.prediction_file == 'pred.json'
        assert derived.randomness.seed == 3
        assert 'save_best' not in derived.default_hooks.checkpoint


def test_detection_cross_validation_end_to_end(tmp_path):
    """Two folds, toy scale: every series is tested exactly once, by the
    model that did not train on it (seeds repeat this loop; their summary
    is tested above)."""
    cv = _cv_tool()
    data = tmp_path / 'data'
    opts = [f'train_dataloader.dataset.data_root={data}/',
            'train_dataloader.dataset.synthetic.num_series=8',
            'train_dataloader.dataset.synthetic.image_size=48',
            'train_dataloader.dataset.synthetic.num_frames=(5,6)',
            'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
            'param_scheduler=[]']
    work = tmp_path / 'cv'
    summary = cv.main([TINY, '--work-dir', str(work), '--folds', '2',
                       '--seeds', '5', '--cfg-options'] + opts)
    assert [s['seed'] for s in summary['seeds']] == [5]
    for rec in summary['seeds']:
        split = json.loads(open(rec['split_file']).read())
        series_of_fold = []
        for f, pred in enumerate(rec['prediction_files']):
            preds = json.loads(open(pred).read())['predictions']
            patients = {p['patient_id'] for p in preds}
            assert patients <= set(split['folds'][f]['val'])
            assert not patients & set(split['folds'][f]['train'])
            series_of_fold.append({p['series_id'] for p in preds})
        assert not series_of_fold[0] & series_of_fold[1]
        pooled = json.loads(open(rec['pooled_predictions']).read())
        assert len(pooled['predictions']) == 8
        assert 'max_score/auc' in rec['metrics']
    assert summary['mean_std']['auc']['n'] <= 1
    assert (work / 'cv_summary.json').is_file()


def test_table_metrics_equal_detection_summary_and_bootstrap(tmp_path):
    from mmdsa.evaluation.cross_validation import (paired_bootstrap,
                                                   scored_series,
                                                   series_tables,
                                                   table_metric)
    from mmdsa.evaluation.metrics import load_prediction_file
    ids = [f'S{i:02d}' for i in range(16)]
    metric = SeriesDetectionMetric(rescale_gt=False,
                                   prediction_file=str(tmp_path / 'p.json'))
    metric.process(None, _samples(ids, seed=4))
    expected = metric.compute_metrics(metric.results)
    data = load_prediction_file(str(tmp_path / 'p.json'))
    so = series_tables(scored_series(data))
    plain = series_tables(scored_series(data, 'max_score'))
    for key in ('auc', 'sens95', 'ap50', 'ar50', 'ap_cin', 'ar_cin',
                'auprc'):
        assert table_metric(so, key) == pytest.approx(expected[key]), key
        assert table_metric(plain, key) == pytest.approx(
            expected['max_score/' + key]), key
    res = paired_bootstrap(so, plain, 'ar_cin', n=200)
    assert res['diff'] == pytest.approx(expected['ar_cin'] -
                                        expected['max_score/ar_cin'])
    assert res['ci_low'] <= res['diff'] <= res['ci_high']
    assert 0.0 <= res['p'] <= 1.0 and res['n_valid'] > 100
    same = paired_bootstrap(so, so, 'auprc', n=50)
    assert same['diff'] == 0.0 and same['p'] == 1.0


def test_bootstrap_metric_ci_brackets_the_value(tmp_path):
    from mmdsa.evaluation.cross_validation import (bootstrap_metric_ci,
                                                   scored_series,
                                                   series_tables,
                                                   table_metric)
    from mmdsa.evaluation.metrics import load_prediction_file
    metric = SeriesDetectionMetric(rescale_gt=False,
                                   prediction_file=str(tmp_path / 'p.json'))
    metric.process(None, _samples([f'S{i:02d}' for i in range(20)], 7))
    metric.compute_metrics(metric.results)
    tables = series_tables(scored_series(load_prediction_file(
        str(tmp_path / 'p.json'))))
    for key in ('auc', 'ar_cin', 'auprc'):
        low, high = bootstrap_metric_ci(tables, key, n=200, seed=1)
        assert low <= table_metric(tables, key) <= high
        assert (low, high) == bootstrap_metric_ci(tables, key, n=200, seed=1)
