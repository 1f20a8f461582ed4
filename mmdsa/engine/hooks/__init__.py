from .atomic_checkpoint_hook import AtomicCheckpointHook
from .epoch_seed_hook import (EpochSeedHook, seed_everything,
                              seed_worker_from_torch)
from .non_finite_guard_hook import NonFiniteGuardHook
from .safe_checkpoint_loader_hook import SafeCheckpointLoaderHook
from .strict_load_hook import StrictLoadHook

__all__ = [
    'AtomicCheckpointHook', 'EpochSeedHook', 'NonFiniteGuardHook',
    'SafeCheckpointLoaderHook',
    'StrictLoadHook', 'seed_everything', 'seed_worker_from_torch'
]
