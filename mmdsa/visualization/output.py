"""The one function through which every picture, cine loop, DICOM object,
HTML page and sidecar written by the visualisation / reporting code goes.

Outputs appear atomically and get normal file permissions (``0o666`` minus
the process umask): :func:`mmdsa.utils.fileio.atomic_write` does the work.
"""
from typing import Callable

from mmdsa.utils.fileio import atomic_write


def write_output(path: str, write: Callable[[str], None]) -> str:
    """Create ``path`` atomically with normal permissions, through the
    project's one atomic writer (:func:`mmdsa.utils.fileio.atomic_write`).

    Args:
        path (str): Destination file; missing folders are created.
        write (callable): ``write(tmp_path)`` writes the whole content to
            ``tmp_path`` (a file in the same folder that keeps the
            destination's extension, so writers that pick the format from
            the name, e.g. matplotlib, Pillow, OpenCV, see the right one).

    Returns:
        str: ``path``.
    """
    return atomic_write(path, writer=write)


def write_text(path: str, text: str) -> str:
    """Write a UTF-8 text file through :func:`write_output`."""

    def _write(tmp):
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(text)

    return write_output(path, _write)


def write_json(path: str, payload) -> str:
    """Write ``payload`` as indented JSON through :func:`write_output`."""
    import json
    return write_text(path, json.dumps(payload, indent=2) + '\n')


def save_figure(fig, path: str, dpi: int = 110) -> str:
    """Save a matplotlib figure through :func:`write_output`."""
    return write_output(
        path, lambda tmp: fig.savefig(tmp, dpi=dpi, bbox_inches='tight'))
