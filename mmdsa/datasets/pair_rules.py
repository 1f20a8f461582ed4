"""Mittmann et al.'s labelling rules for PA+LAT pairs (papers.md A).

- A pair is positive if either view shows a thrombus; both views then get
  label 1 (:func:`harmonise_pair_labels`).
- Pairs are excluded for a missing view, vertebral-only or ECA-only
  injections; "test set 1" also leaves out the uncertain pairs, "test set
  2" keeps them (:func:`exclude_flagged`).

The dataset and the annotation converter both call these functions.
"""
from collections import defaultdict
from typing import Iterable, List, Sequence, Tuple

from .annotations import SERIES_FLAGS

# The paper's exclusions (every split); test set 1 adds 'uncertain'.
PAPER_EXCLUSIONS = ('missing_view', 'vertebral_only', 'eca_only')
TEST_SET_1_EXCLUSIONS = PAPER_EXCLUSIONS + ('uncertain', )
TEST_SET_2_EXCLUSIONS = PAPER_EXCLUSIONS


def _pair_key(entry: dict):
    """Entries of one pair share a key; an unpaired series is alone."""
    pid = entry.get('pair_id')
    return ('pair', pid) if pid is not None else ('series',
                                                  entry['series_id'])


def harmonise_pair_labels(entries: Sequence[dict],
                          label_key: str = 'label') -> Tuple[List[dict], int]:
    """Set every series of a pair positive when any of its views is.

    The occlusion level of a view made positive is taken from its positive
    partner when it has none (the same clot seen from the other side).

    Args:
        entries (Sequence[dict]): series dicts with ``series_id``,
            ``pair_id`` (None = unpaired) and ``label_key``; optional
            ``occlusion_level``.
        label_key (str): the label field (``'label'`` in annotation
            entries, ``'gt_label'`` in data infos).

    Returns:
        tuple[list[dict], int]: new dicts (the input is not modified) and
        the number of series whose label changed from 0 to 1.
    """
    groups = defaultdict(list)
    for e in entries:
        if e.get('pair_id') is not None:
            groups[e['pair_id']].append(e)
    out, changed = [], 0
    for e in entries:
        e = dict(e)
        mates = groups.get(e.get('pair_id'), []) \
            if e.get('pair_id') is not None else []
        positives = [m for m in mates if int(m[label_key]) == 1]
        if int(e[label_key]) == 0 and positives:
            e[label_key] = 1
            changed += 1
            if 'occlusion_level' in e and e['occlusion_level'] is None:
                levels = [m.get('occlusion_level') for m in positives
                          if m.get('occlusion_level') is not None]
                e['occlusion_level'] = levels[0] if levels else None
        out.append(e)
    return out, changed


def check_flags(flags: Iterable[str], where: str) -> Tuple[str, ...]:
    """Validate a tuple of exclusion flags (names from ``SERIES_FLAGS``)."""
    if isinstance(flags, str):
        raise ValueError(f'{where}: expected exclude_flags as a list of '
                         f'{SERIES_FLAGS}, got the string {flags!r}')
    flags = tuple(flags)
    bad = [f for f in flags if f not in SERIES_FLAGS]
    if bad:
        raise ValueError(f'{where}: expected exclude_flags from '
                         f'{SERIES_FLAGS}, got {bad}')
    return flags


def exclude_flagged(entries: Sequence[dict],
                    exclude: Iterable[str]) -> Tuple[List[dict], int]:
    """Drop every pair (both views) in which a series has a flag in
    ``exclude``.

    Args:
        entries (Sequence[dict]): series dicts with ``series_id``,
            ``pair_id`` and ``flags`` (list of str).
        exclude (Iterable[str]): flags that exclude a pair.

    Returns:
        tuple[list[dict], int]: the kept entries (in order) and the number
        of series dropped.
    """
    exclude = set(exclude)
    if not exclude:
        return list(entries), 0
    bad = {_pair_key(e) for e in entries
           if exclude & set(e.get('flags') or ())}
    kept = [e for e in entries if _pair_key(e) not in bad]
    return kept, len(entries) - len(kept)
