"""tools/demo_report: the demo report's per-occlusion-level table (issue 12
item 7); the report lives beside the tools, not in the library."""
import importlib
import sys

from tests.conftest import REPO_ROOT


def _demo_report():
    sys.path.insert(0, str(REPO_ROOT / 'tools'))
    try:
        return importlib.import_module('demo_report')
    finally:
        sys.path.pop(0)


def test_level_rows_from_metric_keys():
    level_rows = _demo_report().level_rows
    metrics = {'level/M1/num_pos': 4, 'level/M1/sens': 0.75,
               'pa/level/M1/num_pos': 2, 'pa/level/M1/sens': 1.0,
               'pair/level/M4+/num_pos': 1, 'pair/level/M4+/sens': 0.0}
    rows = level_rows(metrics)
    assert rows == [['M1', '1.000 (n=2)', '-', '-', '0.750 (n=4)'],
                    ['M4+', '-', '-', '0.000 (n=1)', '-']]
    assert level_rows({'auc': 0.9}) == []


def test_report_is_not_part_of_the_library():
    import mmdsa.apis
    assert not hasattr(mmdsa.apis, 'report')
    assert importlib.util.find_spec('mmdsa.apis.report') is None


def test_operating_point_rows_use_the_given_threshold():
    """``@op`` rows: sensitivity / specificity and box precision / recall
    at the validation threshold, not at a test-chosen one (oracle:
    scikit-learn's confusion matrix; precision / recall counted by hand)."""
    import numpy as np
    from sklearn.metrics import confusion_matrix
    _demo_report()
    report = sys.modules['demo_report.report']
    rng = np.random.default_rng(1)
    tables = []
    for i in range(12):
        label = i % 2
        score = float(rng.random())
        top = np.array([score, score * 0.5])
        tables.append(dict(label=label, score=score, top_scores=top,
                           tp_iou=np.array([label, 0]),
                           tp_cin=np.array([label, label]),
                           num_gt=2 * label))
    thr = 0.4
    value = report._table_value
    y = [t['label'] for t in tables]
    pred = [int(t['score'] >= thr) for t in tables]
    tn, fp, fn, tp = confusion_matrix(y, pred).ravel()
    th = {'so/': thr}
    assert value(tables, 'sens@op', th, 'so/') == tp / (tp + fn)
    assert value(tables, 'spec@op', th, 'so/') == tn / (tn + fp)
    scores = np.concatenate([t['top_scores'] for t in tables])
    hits = np.concatenate([t['tp_iou'] for t in tables]).astype(bool)
    kept = scores >= thr
    assert value(tables, 'ap50@op', th, 'so/') == hits[kept].sum() / \
        kept.sum()
    assert value(tables, 'ar50@op', th, 'so/') == hits[kept].sum() / \
        sum(t['num_gt'] for t in tables)
    # no threshold chosen on validation: no figure, not a test-chosen one
    assert np.isnan(value(tables, 'sens@op', {'so/': None}, 'so/'))
    labels = [label for _, label in report.DET_KEYS + report.CLS_KEYS]
    assert not any('AP50' in x or 'Youden' in x for x in labels)
    assert all('optimistic (chosen on test)' in x for x in labels
               if '95 %' in x)
