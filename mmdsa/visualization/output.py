"""The one function through which every picture, cine loop, DICOM object,
HTML page and sidecar written by the visualisation / reporting code goes.

Outputs appear atomically (written to a temporary file in the destination
folder, then ``os.replace``) and get normal file permissions (``0o666``
minus the process umask, like ``open(path, 'w')``), not the ``0o600`` of
:func:`tempfile.mkstemp`.
"""
import os
import tempfile
from typing import Callable


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_output(path: str, write: Callable[[str], None]) -> str:
    """Create ``path`` atomically with normal permissions.

    Args:
        path (str): Destination file; missing folders are created.
        write (callable): ``write(tmp_path)`` writes the whole content to
            ``tmp_path`` (a file in the same folder that keeps the
            destination's extension, so writers that pick the format from
            the name, e.g. matplotlib, Pillow, OpenCV, see the right one).

    Returns:
        str: ``path``.
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    name = os.path.basename(path)
    suffix = os.path.splitext(name)[1]
    fd, tmp = tempfile.mkstemp(prefix=f'.{name}.', suffix=f'.tmp{suffix}',
                               dir=folder)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


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
