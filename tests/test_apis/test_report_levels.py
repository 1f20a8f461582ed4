"""The demo report's per-occlusion-level table (issue 12 item 7)."""
from mmdsa.apis.report import level_rows


def test_level_rows_from_metric_keys():
    metrics = {'level/M1/num_pos': 4, 'level/M1/sens': 0.75,
               'pa/level/M1/num_pos': 2, 'pa/level/M1/sens': 1.0,
               'pair/level/M4+/num_pos': 1, 'pair/level/M4+/sens': 0.0}
    rows = level_rows(metrics)
    assert rows == [['M1', '1.000 (n=2)', '-', '-', '0.750 (n=4)'],
                    ['M4+', '-', '-', '0.000 (n=1)', '-']]
    assert level_rows({'auc': 0.9}) == []
