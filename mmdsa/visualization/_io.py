"""Atomic figure output."""
from mmdsa.utils.fileio import atomic_write


def save_figure_atomic(fig, out_file: str, dpi: int = 110) -> str:
    """Save a matplotlib figure to ``out_file`` atomically
    (:func:`mmdsa.utils.fileio.atomic_write`).

    Args:
        fig: A ``matplotlib.figure.Figure``.
        out_file (str): Destination ``.png`` path; folders are created.
        dpi (int): Resolution.

    Returns:
        str: ``out_file``.
    """
    return atomic_write(
        out_file,
        writer=lambda tmp: fig.savefig(tmp, dpi=dpi, bbox_inches='tight'))
