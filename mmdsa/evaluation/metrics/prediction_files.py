"""Read and write series prediction files (``docs/contracts.md``).

```
{"task": "thrombus"|"perforation", "model": "...",
 "predictions": [{"series_id", "pair_id", "view", "patient_id", "label",
                  "score", "occlusion_level"}]}
```
``occlusion_level`` (ICA-T / M1 / M2 / M3 / M4+ or null) is optional on
reading.
Series ids are unique and scores finite in [0, 1].
"""
import json
import math
import os
import tempfile
from typing import Dict, List, Optional

PREDICTION_KEYS = ('series_id', 'pair_id', 'view', 'patient_id', 'label',
                   'score', 'occlusion_level')


def write_json_atomic(path: str, payload: dict) -> None:
    """Dump ``payload`` to ``path`` through a temporary file in the same
    folder and ``os.replace``."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix='.' + os.path.basename(path), suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'w') as f:
            json.dump(payload, f, indent=1)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_prediction_file(path: str,
                          task: str,
                          model: str,
                          records: List[dict],
                          extra: Optional[Dict] = None) -> None:
    """Write series records as a prediction file (atomically).

    Args:
        path (str): Output JSON path.
        task (str): 'thrombus' or 'perforation'.
        model (str): Free text naming the model.
        records (list[dict]): Records with the keys of ``PREDICTION_KEYS``.
        extra (dict, optional): More top-level keys (e.g. ``metrics``).
    """
    payload = dict(
        task=task,
        model=model,
        predictions=[{k: r.get(k) for k in PREDICTION_KEYS}
                     for r in records])
    payload.update(extra or {})
    write_json_atomic(path, payload)


def load_prediction_file(path: str) -> dict:
    """Load and validate a prediction file.

    Returns:
        dict: The file's content; ``predictions`` with int labels and float
        scores.

    Raises:
        ValueError: Unreadable JSON, missing fields, duplicated series ids,
            labels outside {0, 1} or scores that are NaN / outside [0, 1];
            the message names the file and the offending series ids.
    """
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f'{path}: cannot read prediction file: {err}')
    preds = data.get('predictions') if isinstance(data, dict) else None
    if not isinstance(preds, list):
        raise ValueError(f'{path}: expected a JSON object with a '
                         '"predictions" list')
    seen, dupes, bad_scores, bad_labels = set(), [], [], []
    for k, p in enumerate(preds):
        for key in ('series_id', 'label', 'score'):
            if not isinstance(p, dict) or key not in p:
                raise ValueError(f'{path}: prediction {k}: expected field '
                                 f'{key!r}')
        sid = str(p['series_id'])
        if sid in seen:
            dupes.append(sid)
        seen.add(sid)
        score = p['score']
        if not isinstance(score, (int, float)) or isinstance(score, bool) \
                or not math.isfinite(score) or not 0.0 <= score <= 1.0:
            bad_scores.append(sid)
        if p['label'] not in (0, 1):
            bad_labels.append(sid)
    if dupes:
        raise ValueError(f'{path}: duplicated series ids: {dupes[:10]}')
    if bad_scores:
        raise ValueError(f'{path}: scores NaN, missing or outside [0, 1] '
                         f'for series {bad_scores[:10]}')
    if bad_labels:
        raise ValueError(f'{path}: labels not in {{0, 1}} for series '
                         f'{bad_labels[:10]}')
    for p in preds:
        p['series_id'] = str(p['series_id'])
        p['label'] = int(p['label'])
        p['score'] = float(p['score'])
    return data
