"""The record a study part keeps in ``WORK/parts/<part>.json``.

Both study tools (``reproduce.py`` and ``reproduce_thrombus.py``) train a
part, stop and resume; a part's record says which scale it ran at, so a
resumed run never mixes the quick and the full scale. While a part runs,
``<part>.json.session`` marks when its session started, so that the time
of a session that was killed or cut off still counts towards the part.
"""
import json
import os
import os.path as osp
import time
from typing import Dict, List, Tuple

__all__ = ['part_file', 'load_part_record', 'load_parts', 'begin_session',
           'end_session']


def part_file(work_dir: str, part: str) -> str:
    """``WORK/parts/<part>.json`` (absolute)."""
    return osp.join(osp.abspath(work_dir), 'parts', f'{part}.json')


def load_part_record(path: str, quick: bool, **same) -> Dict:
    """The earlier record of a part, ``{}`` when it has not run yet.

    Args:
        path (str): The part's record (:func:`part_file`).
        quick (bool): The scale of this run.
        **same: Other fields this run must share with the record (for
            example ``difficulty='hard'``); a record without the field
            passes.

    Raises:
        mmdsa.utils.cli.ToolError: the record was written at the other
            scale (``quick``) or with another value of a field of
            ``same``; it names the file, the field and both values.
    """
    if not osp.isfile(path):
        return {}
    with open(path) as f:
        old = json.load(f)
    checks = dict(same, quick=quick)
    for key, value in checks.items():
        if (key == 'quick' or key in old) and old.get(key) != value:
            from mmdsa.utils.cli import ToolError
            raise ToolError(f'{path}: this part was run with {key}='
                            f'{old.get(key)}, now {key}={value}: '
                            'use another work folder for this run')
    return old


def _interrupted_minutes(path: str) -> List[float]:
    """Minutes of an earlier session of the part that ended without its
    record: from its start to the last file it wrote under the work
    folder (``[minutes]``, or ``[]`` when there was none)."""
    marker = path + '.session'
    if not osp.isfile(marker):
        return []
    with open(marker) as f:
        start = json.load(f)['start']
    work = osp.dirname(osp.dirname(path))
    last = start
    for root, _, files in os.walk(work):
        for name in files:
            last = max(last, osp.getmtime(osp.join(root, name)))
    return [round((last - start) / 60, 1)]


def begin_session(path: str) -> Tuple[float, List[float]]:
    """Mark a part's session as started.

    Args:
        path (str): The part's record (:func:`part_file`).

    Returns:
        tuple[float, list[float]]: The session's start (``time.time()``)
        and the minutes of an earlier session that ended without writing
        the record (killed or cut off; ``[]`` when there was none), which
        count towards the part's run time.
    """
    from mmdsa.utils.fileio import write_json_atomic
    interrupted = _interrupted_minutes(path)
    start = time.time()
    write_json_atomic(path + '.session', dict(start=start))
    return start, interrupted


def end_session(path: str) -> None:
    """Remove the session marker once the part's record is written."""
    if osp.isfile(path + '.session'):
        os.remove(path + '.session')


def load_parts(work_dir: str, names) -> Dict[str, Dict]:
    """The finished parts' records among ``names``, by name; each with
    ``_dir``, the folder its relative prediction paths start from."""
    out = {}
    for name in names:
        path = part_file(work_dir, name)
        if osp.isfile(path):
            with open(path) as f:
                out[name] = dict(json.load(f), _dir=osp.dirname(path))
    return out
