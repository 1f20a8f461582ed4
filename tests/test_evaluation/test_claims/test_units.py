import math

import numpy as np
import pytest
from sklearn.metrics import matthews_corrcoef, roc_auc_score

from mmdsa.evaluation.claims import (common_units, detection_tables,
                                     mean_table, pair_table, unit_metric)
from mmdsa.utils import register_all_modules

register_all_modules(init_default_scope=False)


def _records(view, scores, labels, sites):
    return [dict(series_id=f'{view}{i}', pair_id=f'p{i}', view=view,
                 label=y, score=s, occlusion_level=site)
            for i, (s, y, site) in enumerate(zip(scores, labels, sites))]


def test_pair_table_views_and_metrics_against_sklearn():
    labels = [1, 1, 0, 0, 1, 0]
    pa = _records('PA', [0.9, 0.4, 0.3, 0.6, 0.7, 0.2], labels,
                  ['M1', 'M3', None, None, 'M2', None])
    # one pair positive in LAT only: the pair label is the max
    lat_labels = [1, 1, 0, 1, 1, 0]
    lat = _records('LAT', [0.8, 0.5, 0.1, 0.7, 0.6, 0.4], lat_labels,
                   ['M1', 'M3', None, 'M4+', 'M2', None])
    both = pair_table(pa, lat, 'test', 'PA+LAT', threshold=0.5)
    only_pa = pair_table(pa, lat, 'test', 'PA', threshold=0.5)
    assert set(both) == set(only_pa) == {f'p{i}' for i in range(6)}
    assert both['p3']['label'] == 1 and both['p3']['site'] == 'M4+'
    assert both['p0']['score'] == pytest.approx(0.85)
    keys = common_units([both, only_pa], 'test')
    rows = [both[k] for k in keys]
    y = [r['label'] for r in rows]
    s = [r['score'] for r in rows]
    assert unit_metric(rows, 'auc') == pytest.approx(roc_auc_score(y, s))
    assert unit_metric(rows, 'mcc') == pytest.approx(
        matthews_corrcoef(y, [int(v >= 0.5) for v in s]))
    pos = [v for v, t in zip(s, y) if t]
    assert unit_metric(rows, 'sens') == pytest.approx(
        np.mean(np.array(pos) >= 0.5))
    with pytest.raises(ValueError, match='threshold'):
        unit_metric([dict(label=1, score=0.2)], 'mcc')


def test_mean_table_median_and_refusals():
    a = {'u1': dict(label=1, score=0.2), 'u2': dict(label=0, score=0.1)}
    b = {'u1': dict(label=1, score=0.6), 'u2': dict(label=0, score=0.3)}
    c = {'u1': dict(label=1, score=0.9), 'u2': dict(label=0, score=0.2)}
    med = mean_table([a, b, c], 'ens', method='median')
    assert med['u1']['score'] == 0.6 and med['u2']['score'] == 0.2
    assert mean_table([a, b], 'ens')['u1']['score'] == pytest.approx(0.4)
    with pytest.raises(ValueError, match='other units'):
        mean_table([a, {'u1': a['u1']}], 'ens')
    with pytest.raises(ValueError, match='label'):
        mean_table([a, dict(b, u2=dict(label=1, score=0.3))], 'ens')
    with pytest.raises(ValueError, match='labelled'):
        common_units([a, dict(b, u2=dict(label=1, score=0.3))], 'x')


def _frame(fid, boxes, scores, gt):
    return dict(frame_id=fid, bboxes=np.array(boxes, float).reshape(-1, 4),
                scores=np.array(scores, float),
                gt_bboxes=np.array(gt, float).reshape(-1, 4))


def test_detection_tables_max_score_and_so():
    box = [10, 10, 20, 20]
    far = [60, 60, 70, 70]
    # positive: a weak 3-frame trajectory at the reference; negative: one
    # strong single-frame box (max score high, trajectory short)
    pos = dict(series_id='s1', label=1, frames=[
        _frame(i, [box], [0.4], [box]) for i in range(3)])
    neg = dict(series_id='s2', label=0, frames=[
        _frame(0, [far], [0.9], []), _frame(1, [], [], []),
        _frame(2, [], [], [])])
    data = dict(task='perforation', model='m', predictions=[pos, neg],
                series_post_processor=dict(type='TrajectoryOptimizer'))
    t = detection_tables(data, 'RN')
    assert set(t) == {'RN', 'RN+SO'}
    assert t['RN']['s1']['score'] == pytest.approx(0.4)
    assert t['RN']['s2']['score'] == pytest.approx(0.9)
    rows = [t['RN'][k] for k in ('s1', 's2')]
    assert unit_metric(rows, 'auc') == 0.0
    assert t['RN']['s1']['num_gt'] == 3
    assert not math.isnan(unit_metric(rows, 'ar_cin'))
    assert set(detection_tables(data, 'F', with_so=False)) == {'F'}
