"""Transforms for DSA series: loading, shared augmentation, grouping,
packing."""
from .augment import (RandomBlur, RandomContrast, RandomDownscale, RandomNoise,
                      RandomOneOf)
from .broadcast import BroadcastFrames
from .formatting import PackDSADetInputs, PackDSASequenceInputs
from .geometric import ShiftScaleRotate, shift_scale_rotate_matrix
from .grouping import GroupFrames
from .intensity import to_uint8
from .loading import LoadDSASeries, LoadDSAWindow, read_series

__all__ = [
    'RandomBlur', 'RandomContrast', 'RandomDownscale', 'RandomNoise',
    'RandomOneOf', 'BroadcastFrames', 'PackDSADetInputs',
    'PackDSASequenceInputs', 'ShiftScaleRotate', 'shift_scale_rotate_matrix',
    'GroupFrames', 'to_uint8', 'LoadDSASeries', 'LoadDSAWindow', 'read_series'
]
