import json

import numpy as np
import pytest
import torch
from sklearn import metrics as skm

from mmdsa.evaluation import SeriesDetectionMetric
from mmdsa.registry import METRICS


def _frame(sid, fid, label, boxes, scores, gt, length):
    return dict(
        series_id=sid, frame_id=fid, series_length=length,
        series_label=label, view='LAT', pair_id=sid, patient_id='P',
        pred_instances=dict(
            bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
            scores=torch.tensor(scores, dtype=torch.float32)),
        gt_instances=dict(
            bboxes=torch.tensor(gt, dtype=torch.float32).reshape(-1, 4)))


def _dataset(seed=0, n_series=12, length=4):
    """Random series; frames of positive series hold one reference box."""
    rng = np.random.default_rng(seed)
    samples = []
    for s in range(n_series):
        label = int(s % 2)
        for f in range(length):
            n = int(rng.integers(0, 3))
            xy = rng.uniform(0, 40, (n, 2))
            boxes = np.c_[xy, xy + rng.uniform(5, 20, (n, 2))]
            scores = rng.uniform(0, 1, n)
            gt = [[10, 10, 30, 30]] if label else []
            samples.append(_frame(f'S{s:02d}', f, label, boxes, scores, gt,
                                  length))
    return samples


def _brute_auprc(tp, scores, num_gt):
    """Step-wise PR area by recounting at every distinct score: ties are
    one step, recall starts at 0 with no (recall 0, precision 1) point."""
    tp, scores = np.asarray(tp, bool), np.asarray(scores, float)
    area, last_recall = 0.0, 0.0
    for t in sorted(set(scores.tolist()), reverse=True):
        kept = scores >= t
        precision = (tp & kept).sum() / kept.sum()
        recall = (tp & kept).sum() / num_gt
        area += (recall - last_recall) * precision
        last_recall = recall
    return area


def _brute_youden(labels, scores):
    """Largest-J threshold among the distinct scores (largest on ties)."""
    labels, scores = np.asarray(labels), np.asarray(scores, float)
    best = None
    for t in sorted(set(scores.tolist()), reverse=True):
        pos = scores >= t
        j = (pos & (labels == 1)).sum() / (labels == 1).sum() + \
            (~pos & (labels == 0)).sum() / (labels == 0).sum() - 1
        if best is None or j > best[0]:
            best = (j, t)
    return best[1]


def _series_max(samples):
    series_scores, labels = {}, {}
    for s in samples:
        sc = s['pred_instances']['scores'].numpy()
        sid = s['series_id']
        series_scores[sid] = max(series_scores.get(sid, 0.0),
                                 float(sc.max()) if sc.size else 0.0)
        labels[sid] = s['series_label']
    ids = sorted(labels)
    return [labels[i] for i in ids], [series_scores[i] for i in ids]


def _oracle(samples, thr, iou_thr):
    """Localisation metrics without post-processing, written out."""
    def iou(a, b):
        w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
        h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
        u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1])
        return w * h / (u - w * h)

    def cin(a, b):
        ca = ((a[0] + a[2]) / 2, (a[1] + a[3]) / 2)
        cb = ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
        return (b[0] <= ca[0] <= b[2] and b[1] <= ca[1] <= b[3]) or \
            (a[0] <= cb[0] <= a[2] and a[1] <= cb[1] <= a[3])

    tp_iou, tp_cin, scores, num_gt = [], [], [], 0
    for s in samples:
        gt = s['gt_instances']['bboxes'].numpy()
        num_gt += len(gt)
        sc = s['pred_instances']['scores'].numpy()
        if len(sc) == 0:
            continue
        box = s['pred_instances']['bboxes'].numpy()[int(np.argmax(sc))]
        scores.append(float(sc.max()))
        tp_iou.append(bool(len(gt)) and iou(box, gt[0]) >= iou_thr)
        tp_cin.append(bool(len(gt)) and cin(box, gt[0]))
    scores = np.array(scores)
    kept = scores >= thr
    out = {}
    for name, tp in (('50', np.array(tp_iou)), ('_cin', np.array(tp_cin))):
        out['ap' + name] = (tp & kept).sum() / max(kept.sum(), 1)
        out['ar' + name] = (tp & kept).sum() / num_gt
    out['auprc'] = _brute_auprc(tp_cin, scores, num_gt)
    # sklearn's AP (ties grouped, no interpolation) scaled to all references
    out_sk = skm.average_precision_score(np.array(tp_cin), scores) * \
        np.sum(tp_cin) / num_gt
    assert out['auprc'] == pytest.approx(out_sk, abs=1e-12)
    return out


def test_localisation_and_series_metrics_without_post_processing():
    samples = _dataset()
    metric = SeriesDetectionMetric(post_processor=None, loc_score_thr=0.4,
                                   rescale_gt=False)
    metric.process(None, samples)
    res = metric.evaluate(len(samples))
    ref = _oracle(samples, 0.4, 0.5)
    for k, v in ref.items():
        assert res[k] == pytest.approx(v, abs=1e-9), k
    assert res['loc_thr'] == 0.4
    labels, scores = _series_max(samples)
    assert res['auc'] == pytest.approx(skm.roc_auc_score(labels, scores),
                                       abs=1e-9)
    assert not any(k.startswith('max_score/') for k in res)


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_localisation_at_the_series_youden_point_by_default(seed):
    samples = _dataset(seed=seed, n_series=16, length=5)
    metric = SeriesDetectionMetric(post_processor=None, rescale_gt=False)
    metric.process(None, samples)
    res = metric.evaluate(len(samples))
    thr = _brute_youden(*_series_max(samples))
    assert res['loc_thr'] == res['youden_thr'] == pytest.approx(thr)
    ref = _oracle(samples, res['loc_thr'], 0.5)
    for k, v in ref.items():
        assert res[k] == pytest.approx(v, abs=1e-9), k


def test_model_post_processor_is_applied_and_must_agree():
    samples = _dataset(n_series=4, length=3)
    cfg = dict(type='TrajectoryOptimizer', score_thr=0.05)
    for s in samples:
        s['series_post_processor'] = cfg
    metric = SeriesDetectionMetric(rescale_gt=False)  # 'model' default
    metric.process(None, samples)
    res = metric.compute_metrics(metric.results)
    plain = SeriesDetectionMetric(post_processor=cfg, rescale_gt=False)
    plain.process(None, samples)
    assert res == plain.compute_metrics(plain.results)
    assert 'max_score/auc' in res
    samples[0]['series_post_processor'] = dict(cfg, score_thr=0.2)
    metric = SeriesDetectionMetric(rescale_gt=False)
    metric.process(None, samples)
    with pytest.raises(ValueError, match='different series post-processors'):
        metric.compute_metrics(metric.results)


def test_with_trajectory_optimizer_and_prediction_file(tmp_path):
    samples = []
    for f in range(4):  # positive: steady box on the reference
        samples.append(_frame('A', f, 1, [[10, 10, 30, 30], [60, 60, 70, 70]],
                              [0.7, 0.8 if f == 0 else 0.1],
                              [[12, 12, 30, 30]], 4))
    for f in range(4):  # negative: one flash
        samples.append(_frame('B', f, 0, [[60, 60, 70, 70]] if f == 2 else [],
                              [0.9] if f == 2 else [], [], 4))
    out = tmp_path / 'det.json'
    metric = METRICS.build(
        dict(type='SeriesDetectionMetric', prediction_file=str(out),
             post_processor=dict(type='TrajectoryOptimizer')))
    metric.process(None, samples[:3])
    metric.process(None, samples[3:])
    res = metric.evaluate(len(samples))
    # A: trajectory of four 0.7 boxes (2.8*4) beats the 0.8 flash; B: 0.9
    data = json.loads(out.read_text())
    scores = {p['series_id']: p['score'] for p in data['predictions']}
    assert scores == pytest.approx({'A': 0.7, 'B': 0.9})
    assert data['task'] == 'perforation'
    assert res['auc'] == 0.0
    # Youden threshold 0.7 (J = 0, the largest tie): B's flash is an FP
    assert res['loc_thr'] == pytest.approx(0.7)
    assert res['ap50'] == pytest.approx(4 / 5)
    assert res['ar50'] == 1.0 and res['ar_cin'] == 1.0
    # ranked: B's 0.9 FP (recall 0, precision 0), then A's four tied 0.7
    # TPs as one step to (recall 1, precision 0.8): area 0.8
    assert res['auprc'] == pytest.approx(0.8)
    # the max-score arm on the same detections: A's frame 0 top box is the
    # 0.8 box off the reference; series scores A 0.8, B 0.9
    assert res['max_score/auc'] == 0.0
    assert res['max_score/loc_thr'] == pytest.approx(0.8)
    assert res['max_score/ap_cin'] == pytest.approx(0.0)
    # the file keeps the detector's boxes: re-scoring it gives the metric
    from mmdsa.evaluation.metrics import load_prediction_file
    loaded = load_prediction_file(str(out))
    frames = loaded['predictions'][0]['frames']
    assert [len(f['scores']) for f in frames] == [2, 2, 2, 2]
    assert loaded['series_post_processor']['type'] == 'TrajectoryOptimizer'


def test_missing_frames_warn_and_duplicates_raise():
    samples = _dataset(n_series=2, length=3)
    metric = SeriesDetectionMetric(post_processor=None)
    metric.process(None, [s for s in samples if s['frame_id'] != 1])
    res = metric.compute_metrics(metric.results)
    assert set(res) >= {'auc', 'sens95', 'ap_cin', 'auprc'}
    metric.process(None, samples[:1])
    with pytest.raises(ValueError, match="'S00' frame 0 was predicted"):
        metric.compute_metrics(metric.results)
    with pytest.raises(ValueError, match='loc_series'):
        SeriesDetectionMetric(loc_series='some')
