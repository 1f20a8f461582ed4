"""mmdsa/synth/pathology.py: the difficulty levels' knobs."""
import collections
import json

import numpy as np
import pytest

from mmdsa.synth import DIFFICULTIES
from mmdsa.synth.pathology import check_difficulty

SITES = {'ICA-T', 'M1', 'M2', 'M3', 'M4+'}


def test_every_level_draws_valid_sites():
    for name, knobs in DIFFICULTIES.items():
        probs = knobs['occlusion_levels']
        assert set(probs) <= SITES, name
        assert sum(probs.values()) == pytest.approx(1.0), name


def test_mixed_is_medium_with_every_site():
    mixed, medium = DIFFICULTIES['mixed'], DIFFICULTIES['medium']
    assert set(mixed['occlusion_levels']) == SITES
    distal = sum(mixed['occlusion_levels'][s] for s in ('M3', 'M4+'))
    assert distal == pytest.approx(0.3)
    # everything but the sites is medium's
    for key in set(medium) | set(mixed):
        if key != 'occlusion_levels':
            assert mixed[key] == medium[key], key


def test_mixed_series_hold_proximal_and_distal_occlusions(tmp_path):
    from mmdsa.synth import ensure_synthetic_dataset
    ann = ensure_synthetic_dataset(
        str(tmp_path / 'd'), task='thrombus', num_pairs=16, seed=5,
        image_size=48, num_frames=(4, 5), difficulty='mixed',
        progress=False)
    with open(ann) as f:
        data = json.load(f)
    sites = collections.Counter(r.get('occlusion_level')
                                for r in data['data_list']
                                if r.get('occlusion_level'))
    assert sites.keys() & {'ICA-T', 'M1', 'M2'}
    assert sites.keys() & {'M3', 'M4+'}
    assert np.all([s in SITES for s in sites])


def test_unknown_level_is_refused():
    with pytest.raises(ValueError, match="expected one of .*'mixed'.*got "
                       "'nightmare'"):
        check_difficulty('nightmare')
