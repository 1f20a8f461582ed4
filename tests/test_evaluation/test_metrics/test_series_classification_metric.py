import json

import numpy as np
import pytest
import torch
from mmengine.structures import BaseDataElement, InstanceData
from sklearn import metrics as skm

from mmdsa.evaluation import SeriesClassificationMetric
from mmdsa.registry import METRICS


def _recognizer_samples(n_pairs=20, seed=0):
    rng = np.random.default_rng(seed)
    samples = []
    for p in range(n_pairs):
        label = int(p % 3 != 0)
        for view in ('PA', 'LAT'):
            score = float(np.clip(rng.uniform() * 0.7 + 0.3 * label, 0, 1))
            samples.append(
                dict(pred_score=torch.tensor([score]),
                     gt_label=torch.tensor([label]),
                     series_id=f'S{p:03d}_{view}', pair_id=f'S{p:03d}',
                     view=view, patient_id=f'P{p:03d}'))
    return samples


def _sk_reference(labels, scores, thr=0.5):
    labels, scores = np.asarray(labels), np.asarray(scores)
    pred = (scores >= thr).astype(int)
    fpr, tpr, _ = skm.roc_curve(labels, scores, drop_intermediate=False)
    j = tpr - fpr
    return dict(auc=skm.roc_auc_score(labels, scores),
                mcc=skm.matthews_corrcoef(labels, pred),
                youden_sens=tpr[np.argmax(j[1:]) + 1],
                sens95=tpr[(1 - fpr) >= 0.95].max(),
                tp=int(np.sum(pred & labels)))


def test_recognizer_metric_views_pairs_and_file(tmp_path):
    samples = _recognizer_samples()
    out_file = tmp_path / 'sub' / 'pred.json'
    metric = METRICS.build(
        dict(type='SeriesClassificationMetric',
             prediction_file=str(out_file), model_name='demo'))
    metric.process(None, samples[:15])
    metric.process(None, samples[15:])
    res = metric.evaluate(len(samples))
    labels = [int(s['gt_label']) for s in samples]
    scores = [float(s['pred_score']) for s in samples]
    ref = _sk_reference(labels, scores)
    for k, v in ref.items():
        assert res[k] == pytest.approx(v, abs=1e-9), k
    pa = [i for i, s in enumerate(samples) if s['view'] == 'PA']
    ref_pa = _sk_reference([labels[i] for i in pa], [scores[i] for i in pa])
    assert res['pa/auc'] == pytest.approx(ref_pa['auc'], abs=1e-9)
    pair_scores = [(scores[i] + scores[i + 1]) / 2 for i in pa]
    ref_pair = _sk_reference([labels[i] for i in pa], pair_scores)
    assert res['pair/auc'] == pytest.approx(ref_pair['auc'], abs=1e-9)
    assert res['pair/mcc'] == pytest.approx(ref_pair['mcc'], abs=1e-9)
    data = json.loads(out_file.read_text())
    assert data['task'] == 'thrombus' and data['model'] == 'demo'
    assert len(data['predictions']) == len(samples)
    first = data['predictions'][0]
    assert set(first) == {'series_id', 'pair_id', 'view', 'patient_id',
                          'label', 'score', 'occlusion_level'}
    assert list(tmp_path.joinpath('sub').iterdir()) == [out_file]


def test_recognizer_accepts_data_elements_and_one_class_is_nan():
    metric = SeriesClassificationMetric()
    el = BaseDataElement(
        metainfo=dict(series_id='A'), pred_score=torch.tensor([0.7]),
        gt_label=torch.tensor([1]))
    metric.process(None, [el])
    metric.process(None, [dict(series_id='B', pred_score=torch.tensor([.2]),
                               gt_label=torch.tensor([1]))])
    res = metric.evaluate(2)
    assert np.isnan(res['auc']) and res['tp'] == 1 and res['fn'] == 1
    assert 'pa/auc' not in res


def test_recognizer_errors():
    metric = SeriesClassificationMetric()
    with pytest.raises(ValueError, match="'pred_score'"):
        metric.process(None, [dict(series_id='A', gt_label=1)])
    with pytest.raises(ValueError, match='source'):
        SeriesClassificationMetric(source='segmenter')
    metric.results = [dict(series_id='A', label=1, score=.5, view=None,
                           pair_id=None, patient_id=None)] * 2
    with pytest.raises(ValueError, match="'A' was predicted twice"):
        metric.compute_metrics(metric.results)


def _det_sample(sid, fid, label, boxes, scores, gt=None, length=3):
    sample = dict(
        series_id=sid, frame_id=fid, series_length=length,
        series_label=label, view='PA', pair_id=sid, patient_id='P' + sid,
        scale_factor=(2.0, 2.0),
        pred_instances=InstanceData(
            bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
            scores=torch.tensor(scores, dtype=torch.float32)).to_dict())
    gt_boxes = torch.tensor(gt or [], dtype=torch.float32).reshape(-1, 4)
    sample['gt_instances'] = dict(bboxes=gt_boxes * 2)  # input space
    return sample


def test_detector_source_uses_optimizer_or_max():
    samples = []
    # positive series: a 3-frame chain of 0.6 and a lone 0.9 box
    for f in range(3):
        samples.append(_det_sample('S1', f, 1,
                                   [[0, 0, 10, 10], [50, 50, 60, 60]],
                                   [0.6, 0.9 if f == 1 else 0.05]))
    for f in range(3):
        samples.append(_det_sample('S2', f, 0, [[0, 0, 10, 10]],
                                   [0.3 if f != 2 else 0.95]))
    with_opt = SeriesClassificationMetric(
        source='detector', post_processor=dict(type='TrajectoryOptimizer'),
        pairs=False)
    plain = SeriesClassificationMetric(source='detector')
    for m in (with_opt, plain):
        m.process(None, samples[::-1])
    r_opt = with_opt.series_records(with_opt.results)
    r_max = plain.series_records(plain.results)
    # S1: chain 0.6*3 -> (1.8)*3 = 5.4 > alternatives; mean 0.6
    assert r_opt[0]['score'] == pytest.approx(0.6)
    # S2: chain (0.3+0.3+0.95)*3 = 4.65; mean 0.5167
    assert r_opt[1]['score'] == pytest.approx((0.3 + 0.3 + 0.95) / 3)
    assert [r['score'] for r in r_max] == pytest.approx([0.9, 0.95])
    res = with_opt.compute_metrics(with_opt.results)
    assert res['auc'] == 1.0


def test_sensitivity_per_occlusion_level(tmp_path):
    # the external validation's point: proximal occlusions found, distal
    # ones missed; the per-level keys must show it, by brute force
    levels = ['M1', 'M2', 'M3', 'M4+', 'ICA-T']
    rng = np.random.default_rng(3)
    samples = []
    for p in range(40):
        label = int(p % 4 != 0)
        level = levels[p % 5] if label else None
        for view in ('PA', 'LAT'):
            base = 0.9 if level in ('ICA-T', 'M1', 'M2') else 0.35
            score = float(rng.uniform(base - 0.3, base + 0.1)) if label \
                else float(rng.uniform(0, 0.5))
            samples.append(dict(
                pred_score=torch.tensor([score]),
                gt_label=torch.tensor([label]), series_id=f'S{p}_{view}',
                pair_id=f'S{p}', view=view, patient_id=f'P{p}',
                occlusion_level=level))
    out_file = tmp_path / 'pred.json'
    metric = SeriesClassificationMetric(prediction_file=str(out_file))
    metric.process(None, samples)
    res = metric.evaluate(len(samples))
    for level in levels:
        pos = [float(s['pred_score']) for s in samples
               if s['occlusion_level'] == level]
        assert res[f'level/{level}/num_pos'] == len(pos)
        assert res[f'level/{level}/sens'] == pytest.approx(
            np.mean(np.array(pos) >= 0.5))
        assert res[f'level/{level}/youden_sens'] == pytest.approx(
            np.mean(np.array(pos) >= res['youden_thr']))
        pa = [float(s['pred_score']) for s in samples
              if s['occlusion_level'] == level and s['view'] == 'PA']
        assert res[f'pa/level/{level}/sens'] == pytest.approx(
            np.mean(np.array(pa) >= 0.5))
        # pairs: mean of the two views, the pair keeps the level
        ids = {s['pair_id'] for s in samples if s['occlusion_level'] == level}
        pair = [np.mean([float(s['pred_score']) for s in samples
                         if s['pair_id'] == i]) for i in ids]
        assert res[f'pair/level/{level}/sens'] == pytest.approx(
            np.mean(np.array(pair) >= 0.5))
    assert res['level/M1/sens'] > res['level/M4+/sens']
    preds = json.loads(out_file.read_text())['predictions']
    assert {p['occlusion_level'] for p in preds} == set(levels) | {None}
    # off, or no levels in the data: no level keys
    metric = SeriesClassificationMetric(levels=False)
    metric.process(None, samples)
    assert not [k for k in metric.evaluate(len(samples)) if 'level/' in k]
    metric = SeriesClassificationMetric()
    metric.process(None, _recognizer_samples())
    assert not [k for k in metric.evaluate(40) if 'level/' in k]
