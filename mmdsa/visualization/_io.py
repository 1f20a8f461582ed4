"""Atomic figure output."""
import os
import tempfile


def save_figure_atomic(fig, out_file: str, dpi: int = 110) -> str:
    """Save a matplotlib figure to ``out_file`` atomically (temp + rename).

    Args:
        fig: A ``matplotlib.figure.Figure``.
        out_file (str): Destination ``.png`` path; folders are created.
        dpi (int): Resolution.

    Returns:
        str: ``out_file``.
    """
    folder = os.path.dirname(os.path.abspath(out_file))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix='.png', dir=folder)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=dpi, bbox_inches='tight')
        os.replace(tmp, out_file)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return out_file
