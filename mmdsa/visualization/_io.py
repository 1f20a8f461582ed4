"""Atomic figure output."""
from .output import save_figure


def save_figure_atomic(fig, out_file: str, dpi: int = 110) -> str:
    """Save a matplotlib figure to ``out_file`` atomically, with normal
    file permissions (see :func:`mmdsa.visualization.output.write_output`).

    Args:
        fig: A ``matplotlib.figure.Figure``.
        out_file (str): Destination ``.png`` path; folders are created.
        dpi (int): Resolution.

    Returns:
        str: ``out_file``.
    """
    return save_figure(fig, out_file, dpi=dpi)
