from . import (data_preprocessors, detectors, heads, losses, necks,
               recognizers)  # noqa: F401

__all__ = [
    'data_preprocessors', 'detectors', 'heads', 'losses', 'necks',
    'recognizers'
]
