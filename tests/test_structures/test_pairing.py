"""The one PA+LAT pairing rule (mmdsa.structures.pairing) and its callers."""
import json
import warnings

import numpy as np
import pytest

from mmdsa.structures.pairing import (check_pair_views, group_pairs,
                                      pair_label, pair_records, pair_score)


def _demo_report():
    """tools/demo_report/report.py (the demo's report lives beside the
    tools)."""
    import importlib
    import sys

    from tests.conftest import REPO_ROOT
    sys.path.insert(0, str(REPO_ROOT / 'tools'))
    try:
        return importlib.import_module('demo_report.report')
    finally:
        sys.path.pop(0)


def _rec(pid, view, label=0, score=0.5, patient=None, sid=None, **kw):
    return dict(series_id=sid or f'{pid}_{view}', pair_id=pid, view=view,
                patient_id=patient or f'P{pid}', label=label, score=score,
                **kw)


def _complete():
    return [_rec('S1', 'PA', 0, 0.2), _rec('S1', 'LAT', 1, 0.6),
            _rec('S0', 'LAT', 0, 0.1), _rec('S0', 'PA', 0, 0.3)]


def test_pair_score_and_label_follow_the_paper():
    # papers.md A: equal-weight mean of the views, positive if either is
    assert pair_score(0.2, 0.6) == pytest.approx(0.4)
    assert pair_score(0.2, 0.6) == pytest.approx(np.median([0.2, 0.6]))
    assert pair_label(0, 1) == 1 and pair_label(1, 0) == 1
    assert pair_label(0, 0) == 0


def test_complete_pairs_are_combined_in_pair_id_order():
    out = pair_records(_complete(), 'test')
    assert [r['pair_id'] for r in out] == ['S0', 'S1']
    assert out[1] == dict(series_id='S1', pair_id='S1', view='PA+LAT',
                          patient_id='PS1', label=1,
                          score=pytest.approx(0.4), occlusion_level=None)
    assert out[0]['score'] == pytest.approx(0.2)
    # group_pairs keeps the order pairs first appear in, PA first
    grouped = group_pairs(_complete(), 'test')
    assert [(p, a['view'], b['view']) for p, a, b in grouped] == [
        ('S1', 'PA', 'LAT'), ('S0', 'PA', 'LAT')]


def test_incomplete_pair_is_refused_naming_pair_views_and_expectation():
    records = _complete()[:-1]  # S0 loses its PA view
    with pytest.raises(ValueError) as err:
        pair_records(records, 'preds.json')
    msg = str(err.value)
    assert msg.startswith('preds.json: ')
    assert "pair_id='S0'" in msg and "LAT ['S0_LAT']" in msg
    assert 'expected one PA and one LAT series' in msg
    assert "'S1'" not in msg


def test_incomplete_pair_skipped_with_a_warning_listing_it():
    records = _complete()[:-1] + [dict(_rec(None, 'PA'), series_id='lone')]
    with pytest.warns(UserWarning, match=r"pair_id='S0'.*LAT \['S0_LAT'\]"
                      r".*1 series without pair_id.*'lone'"):
        out = pair_records(records, 'metric', incomplete='skip')
    assert [r['pair_id'] for r in out] == ['S1']


def test_unpaired_data_gives_no_pairs_and_no_warning_when_skipping():
    records = [dict(_rec(None, v), series_id=f'x{v}') for v in ('PA', 'LAT')]
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert pair_records(records, 'metric', incomplete='skip') == []
    with pytest.raises(ValueError, match=r"2 series without pair_id.*'xPA'"):
        pair_records(records, 'strict')


@pytest.mark.parametrize('incomplete', ['raise', 'skip'])
def test_duplicated_and_mixed_up_views_are_always_refused(incomplete):
    # mixed up: the LAT series was labelled PA too
    mixed = [_rec('S1', 'PA', sid='a'), _rec('S1', 'PA', sid='b')]
    with pytest.raises(ValueError,
                       match=r"more than once.*pair_id='S1'.*"
                       r"expected one PA and one LAT series, got PA "
                       r"\['a', 'b'\]"):
        group_pairs(mixed, 'x', incomplete)
    dup = _complete() + [_rec('S0', 'LAT', sid='S0_LAT_again')]
    with pytest.raises(ValueError, match="S0_LAT_again"):
        pair_records(dup, 'x', incomplete)


@pytest.mark.parametrize('views', [('PA', 'unknown'), ('PA', 'AP'),
                                   ('PA', 'LAT', 'unknown')])
def test_views_other_than_pa_and_lat_do_not_make_a_pair(views):
    records = [_rec('S9', v) for v in views]
    with pytest.raises(ValueError, match="pair_id='S9'.*expected one PA"):
        group_pairs(records, 'x')
    with pytest.warns(UserWarning):
        assert group_pairs(records, 'x', 'skip') == []


def test_bad_incomplete_option():
    with pytest.raises(ValueError, match="expected incomplete in"):
        group_pairs([], 'x', incomplete='drop')


def test_check_pair_views_accepts_unknown_and_refuses_swaps():
    check_pair_views('PA', 'LAT', 'a.dcm', 'b.dcm')
    check_pair_views('unknown', None, 'a.dcm', 'b.dcm')
    with pytest.raises(ValueError, match=r"a\.dcm: given as the PA series"
                       r".*its view is 'LAT'.*swapped"):
        check_pair_views('LAT', 'PA', 'a.dcm', 'b.dcm')
    with pytest.raises(ValueError, match=r"b\.dcm: given as the LAT"):
        check_pair_views('PA', 'PA', 'a.dcm', 'b.dcm')


def test_every_caller_uses_the_rule():
    """Metrics, ensembles, operating point, report: the same pairs and
    the same refusals / skips."""
    from mmdsa.evaluation.ensembles import combine_pairs
    from mmdsa.evaluation.metrics import pair_records as metrics_pairs
    from mmdsa.evaluation.metrics.subgroup_metrics import \
        view_and_pair_summaries
    assert metrics_pairs is pair_records
    recs = _complete()
    assert combine_pairs(recs) == pair_records(recs, 'x')
    assert combine_pairs(recs, 'median') == pair_records(recs, 'x')
    broken = recs[:-1]
    with pytest.raises(ValueError, match='pairs without exactly one PA'):
        combine_pairs(broken)
    with pytest.warns(UserWarning, match="S0"):
        assert combine_pairs(broken, strict=False) == pair_records(
            broken, 'x', 'skip')
    # the metric keeps its series metrics and pairs what is complete
    more = [_rec(f'T{i}', v, i % 2, 0.1 + 0.1 * i + (v == 'LAT') * 0.05)
            for i in range(6) for v in ('PA', 'LAT')]
    with pytest.warns(UserWarning, match="pair_id='S0'"):
        out = view_and_pair_summaries(more + broken, 0.5, 'metric',
                                      views=True, pairs=True)
    paired = pair_records(more + broken, 'x', 'skip')
    assert len(paired) == 7
    assert out['pair/tp'] + out['pair/fn'] + out['pair/tn'] + \
        out['pair/fp'] == 7
    assert out['tp'] + out['fn'] + out['tn'] + out['fp'] == 15


def test_operating_point_and_report_roc_pair_the_same_way(tmp_path):
    from mmdsa.apis.operating_point import operating_point_from_predictions
    _roc_from_predictions = _demo_report()._roc_from_predictions
    recs = [_rec(f'S{i}', v, int(i >= 3), 0.1 * i + (v == 'LAT') * 0.3)
            for i in range(6) for v in ('PA', 'LAT')]
    # an incomplete pair whose lone view would flip the pair ROC if the
    # old ``len == 2`` rule had paired two PA series
    recs += [_rec('S9', 'PA', 0, 0.99)]
    path = tmp_path / 'preds.json'
    path.write_text(json.dumps(dict(task='thrombus', predictions=recs)))
    with pytest.warns(UserWarning, match="S9"):
        point = operating_point_from_predictions(str(path))
    pairs = pair_records(recs, 'x', 'skip')
    assert point['pair']['num_series'] == len(pairs) == 6
    import mmdsa.visualization as vis
    seen = {}

    def fake_plot(curves, out_png, title, **kwargs):
        seen.update(curves)
        return out_png

    orig = vis.plot_roc_curves
    vis.plot_roc_curves = fake_plot
    try:
        with pytest.warns(UserWarning, match="S9"):
            _roc_from_predictions(str(path), str(tmp_path / 'r.png'), 't',
                                  by_view=True)
    finally:
        vis.plot_roc_curves = orig
    labels, scores = seen['PA+LAT pair (mean)']
    assert labels == [p['label'] for p in pairs]
    assert scores == [p['score'] for p in pairs]


def test_report_roc_refuses_a_pair_of_two_pa_series(tmp_path):
    """The old report rule paired any two series of one pair_id."""
    _roc_from_predictions = _demo_report()._roc_from_predictions
    recs = [_rec(f'S{i}', v, int(i >= 2), 0.2 * i) for i in range(4)
            for v in ('PA', 'LAT')]
    recs[-1] = dict(recs[-1], view='PA')  # S3's LAT mislabelled PA
    path = tmp_path / 'preds.json'
    path.write_text(json.dumps(dict(task='thrombus', predictions=recs)))
    with pytest.raises(ValueError, match=r"preds\.json: .*pair_id='S3'.*"
                       r"PA \['S3_PA', 'S3_LAT'\]"):
        _roc_from_predictions(str(path), str(tmp_path / 'r.png'), 't',
                              by_view=True)
