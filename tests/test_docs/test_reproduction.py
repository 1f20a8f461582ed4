"""docs/reproduction.json (written by tools/analysis_tools/reproduce.py)
holds what the perforation study promises, and the README quotes it."""
import json
import math
import re

import pytest

from tests.conftest import REPO_ROOT

DOCS = REPO_ROOT / 'docs'
NECKS = ('RN+TCM', 'RN+TAM', 'RN+BiLSTM', 'RN+BiGRU')


@pytest.fixture(scope='module')
def study():
    return json.loads((DOCS / 'reproduction.json').read_text())


def test_the_study_is_a_full_default_run(study):
    assert study['quick'] is False
    assert study['seeds'] == [0, 1, 2]
    assert study['level'] == 'temporal'
    assert study['study_wall_min'] is not None
    assert study['study_wall_min'] <= 90


def test_orderings_and_controlled_check_have_their_keys(study):
    assert len(study['orderings']) == 14
    for o in study['orderings']:
        assert isinstance(o['ordering'], str) and isinstance(o['holds'], bool)
        assert o['p'] is None or 0.0 <= o['p'] <= 1.0
        assert len(o['p_per_seed']) == len(study['seeds'])
        # holds is read off the seed means
        ge = '>=' in o['ordering']
        assert o['holds'] == (o['a'] >= o['b'] if ge else o['a'] > o['b'])
    assert set(study['controlled']) == {'RN', *NECKS}
    for v in study['controlled'].values():
        assert 0.0 <= v <= 1.0


def test_every_variant_has_every_seed(study):
    for name in ('RN', 'RN-DIoU', *NECKS, *(n + '+SO' for n in NECKS),
                 'median ensemble'):
        auc = study['variants'][name]['auc']
        assert auc['n'] == len(study['seeds']) and not math.isnan(
            auc['mean']), name


def test_readme_quotes_the_study(study):
    readme = (REPO_ROOT / 'README.md').read_text()
    section = readme[readme.index('The perforation study'):]
    section = section[:section.index('\n\n')]
    for name in ('RN', *NECKS):
        mean = study['variants'][name]['auc']['mean']
        assert f'{mean:.3f}' in section, name
    held = sum(o['holds'] for o in study['orderings'])
    assert re.search(rf'\b{held} of the paper\'s 14 orderings', section)
