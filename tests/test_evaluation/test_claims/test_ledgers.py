"""The two papers' ledgers hold every claim the study must test."""
import pytest

from mmdsa.evaluation.claims import (METRICS, PERFORATION_CLAIMS,
                                     THROMBUS_CLAIMS, Claim, check_ledger)
from mmdsa.evaluation.claims.perforation import NECKS


@pytest.mark.parametrize('ledger', [PERFORATION_CLAIMS, THROMBUS_CLAIMS])
def test_ledger_is_well_formed(ledger):
    check_ledger(ledger)
    for c in ledger:
        assert c.statement and c.source and c.metric in METRICS
        assert c.testable or c.reason


def test_perforation_ledger_covers_the_listed_claims():
    ids = {c.id for c in PERFORATION_CLAIMS}
    for a, b in (('RN', 'Cascade R-CNN'), ('Cascade R-CNN', 'Faster R-CNN')):
        assert f'T1-spatial-auc-{a}>{b}' in ids
    assert 'T1-necks-no-difference' in ids
    for m in ('RN',) + NECKS:
        assert f'T1-so-auc-{m}' in ids
        for metric in ('sens95', 'ar_cin', 'ar50', 'auprc'):
            assert f'T1-so-raises-{metric}-{m}' in ids
        for metric in ('ap_cin', 'ap50'):
            assert f'T1-so-lowers-{metric}-{m}' in ids
    for n in NECKS:
        assert f'T1-st-auc-{n}>RN' in ids
        assert f'T2-frames-auc-{n}-T5>T3' in ids
        assert f'T2-frames-auc-{n}-T3>T1' in ids
        for metric in ('ap_cin', 'ap50'):
            assert f'T1-rn-best-{metric}-{n}' in ids
        for metric in ('auc', 'sens95'):
            assert f'T1-ensemble-{metric}-{n}+SO' in ids
    for step in ('DR-IoU', 'SO', 'BiLSTM', 'BiLSTM+SO'):
        for metric in ('auprc', 'sens95', 'auc'):
            assert f'T3-ablation-{metric}-{step}' in ids
    assert {'F9-size-auc-50>25', 'F9-size-auc-100>50',
            'F9-size-youden_sens-50>25'} <= ids
    lowers = [c for c in PERFORATION_CLAIMS if 'lowers' in c.id]
    assert all(c.models[0] + '+SO' == c.models[1] for c in lowers)


def test_thrombus_ledger_covers_the_listed_claims():
    by = {c.id: c for c in THROMBUS_CLAIMS}
    for metric in ('auc', 'mcc'):
        for view in ('PA', 'LAT'):
            assert by[f'T2-views-{metric}-PA+LAT>={view}'].direction == '>='
        assert 'validation' in by[f'S3-ensemble-{metric}'].reason
        assert by[f'T2-lstm-ge-gru-{metric}'].testable
    assert by['EV-site-sens-M1M2>M3M4'].subgroups
    assert not by['S3-testsets-1>2'].testable
    assert all(not c.testable and 'ImageNet' in c.reason
               for k, c in by.items() if k.startswith('T1-backbones'))


def test_claim_refuses_bad_fields():
    with pytest.raises(ValueError, match='direction'):
        Claim('x', 's', 't', ('a', 'b'), 'auc', '<')
    with pytest.raises(ValueError, match='metric'):
        Claim('x', 's', 't', ('a', 'b'), 'f1', '>')
    with pytest.raises(ValueError, match='models'):
        Claim('x', 's', 't', ('a', 'b', 'c'), 'auc', '>')
    with pytest.raises(ValueError, match='reason'):
        Claim('x', 's', 't', ('a', 'b'), 'auc', '>', testable=False)
