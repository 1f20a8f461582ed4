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
