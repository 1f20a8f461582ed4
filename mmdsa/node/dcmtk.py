"""Finding dcmtk's command-line programs (Debian ``dcmtk``).

pynetdicom installs console scripts with dcmtk's names (``storescu``,
``echoscu``, ``findscu``, ...) into the virtual environment, and an
activated environment puts them first on ``PATH``; they take other
options. The tools and tests that drive dcmtk use this one lookup.
"""
import os
import shutil
from typing import Optional


def dcmtk_executable(name: str) -> Optional[str]:
    """The first ``name`` on ``PATH`` that is dcmtk's, not a pynetdicom
    console script of the same name.

    Args:
        name (str): A dcmtk program, e.g. ``'storescu'``.

    Returns:
        str | None: Its path; None when dcmtk's is not installed.
    """
    for folder in os.environ.get('PATH', '').split(os.pathsep):
        path = shutil.which(name, path=folder) if folder else None
        if path is None:
            continue
        with open(path, 'rb') as f:
            head = f.read(512)
        if b'pynetdicom' not in head:
            return path
    return None
