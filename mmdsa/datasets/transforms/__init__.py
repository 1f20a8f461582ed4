"""Transforms for DSA series: loading, shared augmentation, grouping,
packing."""
from mmdsa.utils.deprecation import renamed_getattr
from .augment import (RandomBlur, RandomContrast, RandomDownscale, RandomNoise,
                      RandomOneOf)
from .broadcast import BroadcastFrames
from .formatting import PackDSAClassificationInputs, PackDSADetectionInputs
from .geometric import ShiftScaleRotate, shift_scale_rotate_matrix
from .grouping import GroupFrames
from .intensity import to_uint8
from .loading import LoadDSASeries, LoadDSAWindow, read_series

__all__ = [
    'RandomBlur', 'RandomContrast', 'RandomDownscale', 'RandomNoise',
    'RandomOneOf', 'BroadcastFrames', 'PackDSADetectionInputs',
    'PackDSAClassificationInputs', 'ShiftScaleRotate',
    'shift_scale_rotate_matrix', 'GroupFrames', 'to_uint8', 'LoadDSASeries',
    'LoadDSAWindow', 'read_series'
]

# old names (mmdsa.utils.deprecation.RENAMED) for one release
__getattr__ = renamed_getattr(__name__, globals())
