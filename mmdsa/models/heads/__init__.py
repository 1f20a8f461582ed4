from .binary_sequence_head import BinarySequenceClsHead, smooth_binary_targets

__all__ = ['BinarySequenceClsHead', 'smooth_binary_targets']
