"""Transforms for DSA series: loading, shared augmentation, grouping,
packing."""
from .augment import RandomBlur, RandomContrast, RandomDownscale, RandomNoise
from .broadcast import BroadcastFrames
from .formatting import PackDSADetInputs, PackDSASequenceInputs
from .grouping import GroupFrames
from .intensity import to_uint8
from .loading import LoadDSASeries, LoadDSAWindow, read_series

__all__ = [
    'RandomBlur', 'RandomContrast', 'RandomDownscale', 'RandomNoise',
    'BroadcastFrames', 'PackDSADetInputs', 'PackDSASequenceInputs',
    'GroupFrames', 'to_uint8', 'LoadDSASeries', 'LoadDSAWindow', 'read_series'
]
