"""PA + LAT pairing of series records (:func:`pair_records`)."""
from typing import Dict, List


def pair_records(records: List[dict], where: str) -> List[dict]:
    """Combine PA and LAT series of the same ``pair_id`` (mean score).

    Args:
        records (list[dict]): Series records with ``series_id``, ``pair_id``,
            ``view``, ``label`` and ``score``.
        where (str): Caller name used in messages.

    Returns:
        list[dict]: One record per complete pair (``series_id`` = pair id,
        ``view`` = 'PA+LAT', label = max of the views' labels, score = mean
        of the views' scores); pairs missing a view are left out.
    """
    groups: Dict[str, Dict[str, dict]] = {}
    for r in records:
        pid = r.get('pair_id')
        if pid is None:
            continue
        views = groups.setdefault(str(pid), {})
        if r['view'] in views:
            raise ValueError(f'{where}: pair {pid!r} has two {r["view"]} '
                             f'series ({views[r["view"]]["series_id"]!r} and '
                             f'{r["series_id"]!r})')
        views[r['view']] = r
    out = []
    for pid in sorted(groups):
        views = groups[pid]
        if set(views) != {'PA', 'LAT'}:
            continue
        pa, lat = views['PA'], views['LAT']
        out.append(
            dict(series_id=pid, pair_id=pid, view='PA+LAT',
                 patient_id=pa.get('patient_id'),
                 label=int(max(pa['label'], lat['label'])),
                 score=float((pa['score'] + lat['score']) / 2.0),
                 occlusion_level=pa.get('occlusion_level')
                 or lat.get('occlusion_level')))
    return out
