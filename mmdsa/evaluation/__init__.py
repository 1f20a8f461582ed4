"""Evaluation: numpy-only metric functions and MMEngine metrics.

``mmdsa.evaluation.functional`` needs only numpy and scipy; the MMEngine
metrics (``mmdsa.evaluation.metrics``) are imported when first used, e.g.
``from mmdsa.evaluation import SeriesClassificationMetric``.
"""
from importlib import import_module

from . import functional  # noqa: F401


def __getattr__(name):
    if name.startswith('__'):
        raise AttributeError(name)
    metrics = import_module('.metrics', __name__)
    try:
        return getattr(metrics, name)
    except AttributeError:
        raise AttributeError(
            f"module {__name__!r} has no attribute {name!r}") from None
