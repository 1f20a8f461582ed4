from .atomic_checkpoint_hook import AtomicCheckpointHook
from .strict_load_hook import StrictLoadHook

__all__ = ['AtomicCheckpointHook', 'StrictLoadHook']
