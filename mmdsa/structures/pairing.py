"""PA+LAT pairing: the one rule every caller uses (numpy only).

Mittmann et al. (papers.md A) acquire each exam as two simultaneous views,
posterior-anterior (PA) and lateral (LAT), with one model per view. A pair
is positive if either view is (label = max of the two), and the pair's
probability is the equal-weight mean of the two views' probabilities.

The rule for grouping series into pairs (:func:`group_pairs`):

- series are grouped by ``pair_id``;
- a pair is complete when it holds exactly one ``'PA'`` and exactly one
  ``'LAT'`` series and nothing else;
- a view present twice in one pair (two PA series, or views mixed up so
  that both say PA) is always refused with a ``ValueError``;
- an incomplete pair (a view missing, a view ``'unknown'`` or otherwise
  not PA/LAT) and a series without ``pair_id`` are refused with a
  ``ValueError`` naming the pair id, the views present and what was
  expected; with ``incomplete='skip'`` they are left out and a warning
  lists them (for callers that report pairs next to series, e.g. the
  validation metric, whose series metrics must not be lost). Records of
  which none has a ``pair_id`` (unpaired data) then give no pairs and no
  warning.

The metrics, the ensembles, the operating point, the report, the pair
dataset and :func:`mmdsa.apis.inference_pair` all use this module.
"""
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

from .views import PAIR_VIEW, PAIR_VIEWS

__all__ = [
    'INCOMPLETE_CHOICES', 'pair_label', 'pair_score', 'group_pairs',
    'pair_records', 'check_pair_views'
]

#: What :func:`group_pairs` does with an incomplete pair.
INCOMPLETE_CHOICES = ('raise', 'skip')

_LISTED = 10  # pairs named in a message


def pair_score(pa_score: float, lat_score: float) -> float:
    """The pair's probability: the mean of its two views' probabilities
    (equal weights, papers.md A). For two values the median is the same."""
    return float((float(pa_score) + float(lat_score)) / 2.0)


def pair_label(pa_label: int, lat_label: int) -> int:
    """The pair's label: positive when either view is (papers.md A)."""
    return int(max(int(pa_label), int(lat_label)))


def _describe(views: Dict[str, List[dict]], id_key: str) -> str:
    got = ', '.join(f'{view} {[r.get(id_key) for r in rs]}'
                    for view, rs in views.items())
    return got or 'no series'


def _listing(items: List[str]) -> str:
    shown = '; '.join(items[:_LISTED])
    more = len(items) - _LISTED
    return shown + (f'; and {more} more' if more > 0 else '')


def group_pairs(records: Sequence[dict],
                where: str,
                incomplete: str = 'raise',
                id_key: str = 'series_id') -> List[Tuple[str, dict, dict]]:
    """Group series records into complete PA+LAT pairs.

    Args:
        records (Sequence[dict]): series records (prediction records, data
            infos, annotation entries) with ``pair_id``, ``view`` and
            ``id_key``.
        where (str): the caller or file, named first in messages.
        incomplete (str): ``'raise'`` (default) refuses incomplete pairs
            and series without ``pair_id``; ``'skip'`` leaves them out
            with a warning listing them.
        id_key (str): the field naming a series in messages.

    Returns:
        list[tuple[str, dict, dict]]: ``(pair_id, pa_record, lat_record)``
        per complete pair, in the order the pairs first appear
        (``pair_id`` as a string).

    Raises:
        ValueError: a view present more than once in a pair (always); an
            incomplete pair or a series without ``pair_id`` (``'raise'``);
            ``incomplete`` not in :data:`INCOMPLETE_CHOICES`.
    """
    if incomplete not in INCOMPLETE_CHOICES:
        raise ValueError(f'{where}: expected incomplete in '
                         f'{INCOMPLETE_CHOICES}, got {incomplete!r}')
    groups: Dict[str, Dict[str, List[dict]]] = {}
    unpaired = []
    for r in records:
        pid = r.get('pair_id')
        if pid is None or pid == '':
            unpaired.append(r.get(id_key))
            continue
        groups.setdefault(str(pid), {}).setdefault(
            str(r.get('view')), []).append(r)
    duplicated = [
        f'pair_id={pid!r}: expected one PA and one LAT series, got '
        f'{_describe(views, id_key)}'
        for pid, views in groups.items()
        if any(len(rs) > 1 for rs in views.values())
    ]
    if duplicated:
        raise ValueError(
            f'{where}: {len(duplicated)} pairs with a view present more '
            'than once (duplicated or mixed-up views): ' +
            _listing(duplicated))
    bad = [
        f'pair_id={pid!r}: expected one PA and one LAT series, got '
        f'{_describe(views, id_key)}'
        for pid, views in groups.items()
        if sorted(views) != sorted(PAIR_VIEWS)
    ]
    problems = []
    if bad:
        problems.append(f'{len(bad)} pairs without exactly one PA and one '
                        'LAT series: ' + _listing(bad))
    if unpaired:
        problems.append(f'{len(unpaired)} series without pair_id '
                        f'(expected a pair id): {unpaired[:_LISTED]}')
    if problems and incomplete == 'raise':
        raise ValueError(f'{where}: ' + '; '.join(problems))
    if problems and groups:  # nothing is left out of unpaired data
        warnings.warn(f'{where}: left out of the PA+LAT pairs: ' +
                      '; '.join(problems))
    return [(pid, views['PA'][0], views['LAT'][0])
            for pid, views in groups.items()
            if sorted(views) == sorted(PAIR_VIEWS)]


def pair_records(records: Sequence[dict],
                 where: str,
                 incomplete: str = 'raise') -> List[dict]:
    """One combined record per complete PA+LAT pair (:func:`group_pairs`).

    Args:
        records (Sequence[dict]): series records with ``series_id``,
            ``pair_id``, ``view``, ``label`` and ``score``; optional
            ``patient_id``, ``occlusion_level``.
        where (str): the caller or file, for messages.
        incomplete (str): see :func:`group_pairs`.

    Returns:
        list[dict]: per pair, sorted by pair id: ``series_id`` and
        ``pair_id`` (the pair id), ``view`` = ``'PA+LAT'``, ``patient_id``
        (the PA series'), ``label`` (:func:`pair_label`), ``score``
        (:func:`pair_score`), ``occlusion_level`` (the first view's that
        is known, else None).
    """
    return [
        dict(series_id=pid, pair_id=pid, view=PAIR_VIEW,
             patient_id=pa.get('patient_id'),
             label=pair_label(pa['label'], lat['label']),
             score=pair_score(pa['score'], lat['score']),
             occlusion_level=pa.get('occlusion_level')
             or lat.get('occlusion_level'))
        for pid, pa, lat in sorted(group_pairs(records, where, incomplete),
                                   key=lambda t: t[0])
    ]


def check_pair_views(pa_view: Optional[str], lat_view: Optional[str],
                     pa_name: str, lat_name: str) -> None:
    """Refuse two series given as PA and LAT whose own view says otherwise.

    A series whose view is unknown (``'unknown'`` / None: no positioner
    angles, no ViewPosition) is taken in the role it was given.

    Args:
        pa_view (str, optional): the view read from the series given as PA.
        lat_view (str, optional): the view read from the series given as
            LAT.
        pa_name (str): the PA series' file, for the message.
        lat_name (str): the LAT series' file, for the message.

    Raises:
        ValueError: a series reports the other view (or both the same one).
    """
    for name, role, view in ((pa_name, 'PA', pa_view),
                             (lat_name, 'LAT', lat_view)):
        if view in PAIR_VIEWS and view != role:
            raise ValueError(
                f'{name}: given as the {role} series of a PA+LAT pair, but '
                f'its view is {view!r} (expected {role!r} or unknown; PA '
                f'series {pa_name}: {pa_view!r}, LAT series {lat_name}: '
                f'{lat_view!r}). Are the two files swapped?')
