"""docs/reproduction.json (written by tools/analysis_tools/reproduce.py)
holds what the perforation study promises, and the README quotes it.

The claims ledger (``reproduce.py --report``, ``format`` ``'claims-ledger'``):
every claim of the ledger with its verdict (``'not run'`` while the part
that trains its models has not run, naming them), each part a default run
within 80 minutes, every failing claim and controlled model read from its
measurements; the thrombus ledger (``reproduce_thrombus.py
--ledger-report``) in the same format.
"""
import json
import re

import pytest

from tests.conftest import REPO_ROOT

DOCS = REPO_ROOT / 'docs'
VERDICTS = ('reproduced', 'consistent', 'not reproduced', 'contradicted',
            'not testable here', 'not run')


@pytest.fixture(scope='module')
def study():
    return json.loads((DOCS / 'reproduction.json').read_text())


def test_both_reports_are_claims_ledgers(study):
    assert study['format'] == 'claims-ledger'
    thrombus = json.loads((DOCS / 'reproduction_thrombus.json').read_text())
    assert thrombus['format'] == 'claims-ledger'


# ------------------------------------------------------ the claims ledger
def test_ledger_holds_every_claim_with_a_verdict(study):
    from mmdsa.evaluation.claims import PERFORATION_CLAIMS
    by = {c['id']: c for c in study['claims']}
    assert set(by) == {c.id for c in PERFORATION_CLAIMS}
    for c in by.values():
        assert c['verdict'] in VERDICTS, c['id']
        for key in ('statement', 'source', 'models', 'metric', 'paper',
                    'a', 'b', 'p', 'p_holm'):
            assert key in c
        if c['verdict'] == 'not run':
            # the models its part trains are named, and none of them ran
            assert 'models not run yet' in c['reason'], c['id']
            assert c['p_holm'] is None
        elif c['verdict'] != 'not testable here':
            assert c['p_holm'] is None or 0 <= c['p_holm'] <= 1
        else:
            assert c['reason']
        if c['verdict'] in ('not reproduced', 'contradicted'):
            assert c['explanation']['text'], c['id']


def test_ledger_parts_are_default_runs_within_80_minutes(study):
    assert study['quick'] is False
    for name, part in study['parts'].items():
        assert part['quick'] is False, name
        assert part['run_min'] <= 80, name


def test_controlled_check_is_reported_and_read(study):
    if not study.get('controlled'):
        pytest.skip('the controlled part has not run')
    targets = study['controlled_targets']
    md = (DOCS / 'reproduction.md').read_text()
    for name, v in study['controlled'].items():
        met = v['auc'] <= targets['single_frame_max'] if name == 'RN' \
            else v['auc'] >= targets['temporal_min']
        assert v['target_met'] is met, name
        if not met:  # a failure is read from its measurements
            assert v.get('train_auc') is not None, name
        assert f"| {name} | {v['auc']:.3f} |" in md, name


def test_readme_states_the_ledger_counts(study):
    readme = (REPO_ROOT / 'README.md').read_text()
    total = len(study['claims'])
    for verdict, n in study['counts'].items():
        assert re.search(rf'\b{n} {verdict}\b', readme), verdict
    assert re.search(rf'\bof {total} claims\b', readme)


# ------------------------------------------- the thrombus claims ledger
def test_thrombus_ledger_and_readme_counts():
    path = DOCS / 'reproduction_thrombus.json'
    data = json.loads(path.read_text())
    from mmdsa.evaluation.claims import THROMBUS_CLAIMS
    by = {c['id']: c for c in data['claims']}
    assert set(by) == {c.id for c in THROMBUS_CLAIMS}
    assert data['quick'] is False
    for c in by.values():
        assert c['verdict'] in VERDICTS, c['id']
        if c['verdict'] in ('not reproduced', 'contradicted'):
            assert c['explanation']['text'], c['id']
        if c['verdict'] == 'not testable here':
            assert c['reason'], c['id']
    for name, part in data['parts'].items():
        assert part['quick'] is False, name
        assert 0 < part['run_min'] <= 80, name
    # the level neither saturates nor sits at chance for any network
    for key, check in data['level_check'].items():
        assert check['state'] == 'informative', key
    readme = (REPO_ROOT / 'README.md').read_text()
    section = readme[readme.index('The thrombus claims ledger'):]
    section = section[:section.index('\n\n')]
    for verdict, n in data['counts'].items():
        assert re.search(rf'\b{n} {verdict}\b', section), verdict
    assert re.search(rf'\bof {len(data["claims"])} claims\b', section)
