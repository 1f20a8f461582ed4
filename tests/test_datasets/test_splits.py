import json
import random

import pytest

from mmdsa.datasets import (chronological_kfold, load_split,
                            stratified_group_kfold, validate_split,
                            write_split)


def _records(n_patients=23, seed=0):
    rng = random.Random(seed)
    recs = []
    for p in range(n_patients):
        day = rng.randrange(1, 28)
        for s in range(rng.randint(1, 4)):
            recs.append(
                dict(patient_id=f'P{p:02d}', label=int(rng.random() < 0.3),
                     acquisition_datetime=f'2023-{p % 12 + 1:02d}-{day:02d}'
                     f'T{10 + s}:00:00'))
    return recs


def _check_partition(split, patients):
    for fold in split['folds']:
        train, val, test = set(fold['train']), set(fold['val']), set(
            split['test'])
        assert not train & val and not train & test and not val & test
        assert train | val | test == patients
    vals = [p for f in split['folds'] for p in f['val']]
    assert len(vals) == len(set(vals))
    assert set(vals) | set(split['test']) == patients


def test_chronological_kfold():
    recs = _records()
    split = chronological_kfold(recs, test_fraction=0.2, folds=5)
    patients = {r['patient_id'] for r in recs}
    _check_partition(split, patients)
    first = {}
    for r in recs:
        first[r['patient_id']] = min(first.get(r['patient_id'], 'z'),
                                     r['acquisition_datetime'])
    order = sorted(patients, key=lambda p: (first[p], p))
    n_test = round(0.2 * len(patients))
    # the chronologically first patients form the test set
    assert split['test'] == order[:n_test]
    # folds are contiguous chronological blocks, in order
    assert [p for f in split['folds'] for p in f['val']] == order[n_test:]
    sizes = [len(f['val']) for f in split['folds']]
    assert max(sizes) - min(sizes) <= 1


def test_chronological_needs_times():
    with pytest.raises(ValueError, match="patient 'P1'.*acquisition"):
        chronological_kfold([dict(patient_id='P1', label=0,
                                  acquisition_datetime=None)])
    with pytest.raises(ValueError, match='test_fraction'):
        chronological_kfold(_records(), test_fraction=1.0)


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_stratified_group_kfold(seed):
    recs = _records(n_patients=40, seed=seed)
    split = stratified_group_kfold(recs, folds=10, seed=seed)
    patients = {r['patient_id'] for r in recs}
    assert split['test'] == []
    _check_partition(split, patients)
    pos, neg = {}, {}
    for r in recs:
        pos[r['patient_id']] = pos.get(r['patient_id'], 0) + r['label']
        neg[r['patient_id']] = neg.get(r['patient_id'], 0) + 1 - r['label']
    fold_pos = [sum(pos[p] for p in f['val']) for f in split['folds']]
    fold_neg = [sum(neg[p] for p in f['val']) for f in split['folds']]
    # greedy balancing bound: spread <= the largest per-patient count
    assert max(fold_pos) - min(fold_pos) <= max(pos.values())
    assert max(fold_neg) - min(fold_neg) <= max(neg.values())
    assert stratified_group_kfold(recs, folds=10, seed=seed) == split


def test_too_many_folds():
    with pytest.raises(ValueError, match='at most as many folds'):
        stratified_group_kfold(_records(n_patients=3), folds=5)


def test_write_and_validate(tmp_path):
    split = chronological_kfold(_records(), folds=3)
    out = write_split(split, str(tmp_path / 'sub' / 'split.json'))
    assert load_split(out) == json.loads(json.dumps(split))
    assert [p.name for p in (tmp_path / 'sub').iterdir()] == ['split.json']
    bad = dict(split, test=split['test'] + [split['folds'][0]['val'][0]])
    with pytest.raises(ValueError, match='also in "test"'):
        validate_split(bad)
    bad = json.loads(json.dumps(split))
    bad['folds'][1]['val'].append(bad['folds'][0]['val'][0])
    with pytest.raises(ValueError, match=r'folds\[\d\]'):
        validate_split(bad)


def test_make_splits_cli(cls_root, tmp_path):
    from tests.conftest import run_tool
    out = tmp_path / 'split.json'
    proc = run_tool(['tools/misc/make_splits.py',
                     str(cls_root / 'thrombus.json'), '--method',
                     'chronological_kfold', '--test-fraction', '0.25',
                     '--folds', '3', '--out', str(out)])
    split = load_split(str(out))
    assert split['test'] == ['P0'] and len(split['folds']) == 3
    assert 'fold 2' in proc.stdout
    bad = run_tool(['tools/misc/make_splits.py',
                    str(cls_root / 'thrombus.json'), '--method',
                    'stratified_group_kfold', '--folds', '9', '--out',
                    str(tmp_path / 'x.json')], check=False)
    assert bad.returncode == 2 and 'at most as many folds' in bad.stderr
    assert not (tmp_path / 'x.json').exists()
