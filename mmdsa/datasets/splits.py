"""Patient-level data splits used by the two publications.

Split file format (``docs/contracts.md``)::

    {"method": "chronological_kfold" | "stratified_group_kfold",
     "unit": "patient", "test": ["P0001", ...],
     "folds": [{"train": [...], "val": [...]}, ...]}

Guarantees (tested): a patient is in exactly one place per fold (test, or
train, or val); the val sets of the folds are disjoint and, with the test
set, cover every patient.
"""
import json
import random
from datetime import datetime
from typing import Dict, List, Sequence

import numpy as np

from mmdsa.utils.fileio import write_json_atomic

SPLIT_METHODS = ('chronological_kfold', 'stratified_group_kfold')



class SplitError(ValueError):
    """A split file, split name or fold that cannot be used; the message
    names the file (or dataset) and the field."""

def _parse_time(value, patient_id):
    if value is None:
        raise SplitError(
            f'chronological split: patient {patient_id!r}: expected an '
            'acquisition_datetime (ISO string), got None')
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise SplitError(
            f'chronological split: patient {patient_id!r}: expected an ISO '
            f'acquisition_datetime, got {value!r}') from exc


def _check_folds(folds, n_patients, where):
    if not isinstance(folds, int) or isinstance(folds, bool) or folds < 2:
        raise SplitError(f'{where}: expected folds >= 2, got {folds!r}')
    if folds > n_patients:
        raise SplitError(f'{where}: expected at most as many folds as '
                         f'patients ({n_patients}), got {folds}')


def chronological_kfold(records: Sequence[dict],
                        test_fraction: float = 0.2,
                        folds: int = 5) -> Dict:
    """Classification-paper split (Mittmann et al.).

    The chronologically first ``test_fraction`` of the patients (ordered by
    their earliest acquisition, ties by patient id) form the test set; the
    remaining patients, kept in chronological order, are cut into ``folds``
    contiguous blocks (non-random k-fold: fold ``k`` validates on block
    ``k`` and trains on the others).

    Args:
        records (list[dict]): one per series with ``patient_id`` and
            ``acquisition_datetime`` (ISO string).
        test_fraction (float): in [0, 1).
        folds (int): number of folds (>= 2).

    Returns:
        dict: a split in the format above.
    """
    if not 0 <= test_fraction < 1:
        raise SplitError('chronological split: expected test_fraction in '
                         f'[0, 1), got {test_fraction!r}')
    first = {}
    for rec in records:
        pid = rec['patient_id']
        t = _parse_time(rec.get('acquisition_datetime'), pid)
        if t.tzinfo is not None:
            t = t.replace(tzinfo=None) - t.utcoffset()
        first[pid] = min(first.get(pid, t), t)
    order = sorted(first, key=lambda p: (first[p], p))
    n_test = int(round(test_fraction * len(order)))
    test, rest = order[:n_test], order[n_test:]
    _check_folds(folds, len(rest), 'chronological split')
    blocks = [list(b) for b in np.array_split(np.array(rest, dtype=object),
                                              folds)]
    out_folds = []
    for k in range(folds):
        train = [p for j, b in enumerate(blocks) if j != k for p in b]
        out_folds.append(dict(train=train, val=blocks[k]))
    return dict(method='chronological_kfold', unit='patient', test=test,
                folds=out_folds,
                params=dict(test_fraction=test_fraction, folds=folds))


def stratified_group_kfold(records: Sequence[dict],
                           folds: int = 10,
                           seed: int = 0) -> Dict:
    """Detection-paper split (Su et al.): stratified, grouped by patient.

    Patients are shuffled with ``seed``, then ordered by their number of
    positive series and number of series (largest first) and each is given
    greedily to the fold with the fewest positive series (patients with
    positives) or the fewest negative series (patients with none); ties go
    to the fold with fewer series, then the lower index. This keeps every
    patient in one fold and balances positives per fold to within the
    largest per-patient positive count.

    Args:
        records (list[dict]): one per series with ``patient_id`` and
            ``label`` (0/1).
        folds (int): number of folds (>= 2).
        seed (int): shuffling seed (ties among equal patients).

    Returns:
        dict: a split in the format above (``test`` is empty: the paper
        reports cross-validation only).
    """
    pos, tot = {}, {}
    for rec in records:
        pid = rec['patient_id']
        pos[pid] = pos.get(pid, 0) + int(rec['label'] == 1)
        tot[pid] = tot.get(pid, 0) + 1
    patients = sorted(pos)
    _check_folds(folds, len(patients), 'stratified group split')
    random.Random(seed).shuffle(patients)
    patients.sort(key=lambda p: (-pos[p], -tot[p]))  # stable sort
    fold_pos, fold_neg = [0] * folds, [0] * folds
    members: List[List[str]] = [[] for _ in range(folds)]
    for p in patients:
        load = fold_pos if pos[p] > 0 else fold_neg
        k = min(range(folds),
                key=lambda j: (load[j], fold_pos[j] + fold_neg[j], j))
        members[k].append(p)
        fold_pos[k] += pos[p]
        fold_neg[k] += tot[p] - pos[p]
    out_folds = []
    for k in range(folds):
        val = sorted(members[k])
        train = sorted(p for j in range(folds) if j != k for p in members[j])
        out_folds.append(dict(train=train, val=val))
    return dict(method='stratified_group_kfold', unit='patient', test=[],
                folds=out_folds, params=dict(folds=folds, seed=seed))


def validate_split(split: Dict, where: str = 'split') -> Dict:
    """Check a split's structure and its patient-exclusivity guarantees.

    Raises:
        ValueError: naming ``where`` and the offending key / patient.
    """
    if not isinstance(split, dict):
        raise SplitError(f'{where}: expected a JSON object, got '
                         f'{type(split).__name__}')
    for key, typ in (('test', list), ('folds', list)):
        if not isinstance(split.get(key), typ):
            raise SplitError(f'{where}: field "{key}": expected a list, got '
                             f'{split.get(key)!r:.80}')
    test = set(split['test'])
    seen_val = {}
    for k, fold in enumerate(split['folds']):
        if not isinstance(fold, dict) or not all(
                isinstance(fold.get(s), list) for s in ('train', 'val')):
            raise SplitError(f'{where}: folds[{k}]: expected an object with '
                             f'"train" and "val" lists, got {fold!r:.80}')
        train, val = set(fold['train']), set(fold['val'])
        for name, group in (('train', train), ('val', val)):
            both = sorted(group & test)
            if both:
                raise SplitError(f'{where}: folds[{k}].{name}: patient '
                                 f'{both[0]!r} is also in "test"')
        both = sorted(train & val)
        if both:
            raise SplitError(f'{where}: folds[{k}]: patient {both[0]!r} is '
                             'in both train and val')
        for p in val:
            if p in seen_val:
                raise SplitError(f'{where}: folds[{k}].val: patient {p!r} '
                                 f'is also in folds[{seen_val[p]}].val')
            seen_val[p] = k
    return split


def load_split(path: str) -> Dict:
    """Read and validate a split file (errors name the file)."""
    try:
        with open(path, encoding='utf-8') as f:
            split = json.load(f)
    except (OSError, json.JSONDecodeError) as exc:
        raise SplitError(f'{path}: cannot read split file ({exc})') from exc
    return validate_split(split, where=path)


def split_patients(split: Dict, name: str, fold=None, where='split'):
    """Patient ids of ``name`` ('train'|'val'|'test') (``fold`` for
    train/val)."""
    if name == 'test':
        return set(split['test'])
    if name not in ('train', 'val'):
        raise SplitError(f"{where}: expected split 'train', 'val' or "
                         f"'test', got {name!r}")
    n = len(split['folds'])
    if not isinstance(fold, int) or isinstance(fold, bool) or \
            not 0 <= fold < n:
        raise SplitError(f'{where}: split={name!r} needs fold in '
                         f'[0, {n - 1}], got {fold!r}')
    return set(split['folds'][fold][name])


def write_split(split: Dict, out: str) -> str:
    """Write ``split`` as JSON atomically
    (:func:`mmdsa.utils.fileio.write_json_atomic`)."""
    validate_split(split, where=out)
    return write_json_atomic(out, split)
