"""Optimizer wrappers."""
from .amp_if_available import AmpIfAvailableOptimWrapper

__all__ = ['AmpIfAvailableOptimWrapper']
