"""The record a study part keeps in ``WORK/parts/<part>.json``.

Both study tools (``reproduce.py`` and ``reproduce_thrombus.py``) train a
part, stop and resume; a part's record says which scale it ran at, so a
resumed run never mixes the quick and the full scale.
"""
import json
import os.path as osp
from typing import Dict

__all__ = ['part_file', 'load_part_record']


def part_file(work_dir: str, part: str) -> str:
    """``WORK/parts/<part>.json`` (absolute)."""
    return osp.join(osp.abspath(work_dir), 'parts', f'{part}.json')


def load_part_record(path: str, quick: bool) -> Dict:
    """The earlier record of a part, ``{}`` when it has not run yet.

    Raises:
        mmdsa.utils.cli.ToolError: the record was written at the other
            scale (``quick``); it names the file and both values.
    """
    if not osp.isfile(path):
        return {}
    with open(path) as f:
        old = json.load(f)
    if old.get('quick') != quick:
        from mmdsa.utils.cli import ToolError
        raise ToolError(f'{path}: this part was run with quick='
                        f"{old.get('quick')}, now quick={quick}: "
                        'use another --work-dir for the other scale')
    return old
