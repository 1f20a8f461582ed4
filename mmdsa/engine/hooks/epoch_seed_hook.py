"""Random streams that depend only on (seed, epoch, rank): a resumed run
draws exactly the random numbers the uninterrupted run draws.

MMEngine seeds Python, numpy and torch once when the runner starts. A run
resumed at epoch k therefore continues from the seed's initial state, not
from the state the uninterrupted run had reached, and its augmentations and
dropout masks differ from then on (MMEngine restores weights, optimiser,
schedulers and the sampler's epoch, but no random state).

:class:`EpochSeedHook` re-seeds every random stream that decides a training
epoch at the start of the epoch, from ``SeedSequence([seed, epoch, rank])``:

- Python's ``random`` (mmdsa's and mmcv's transforms), numpy's global
  generator (noise transforms) and torch's CPU and CUDA generators (dropout,
  the data loader's worker base seed);
- data-loader workers: MMEngine's default ``worker_init_fn`` gives every
  worker the same seed in every epoch, so workers would repeat one epoch's
  augmentations; it is replaced by one that seeds a worker from the base
  seed torch gives it (drawn from the re-seeded torch generator), i.e. from
  (seed, epoch, rank, worker id).

The sampler's order already depends on (seed, epoch) only
(``DefaultSampler`` + ``DistSamplerSeedHook``). With ``persistent_workers``
workers keep their streams across epochs and cannot be re-seeded; a warning
says so. Nothing needs to be stored in the checkpoint: the state at the
start of epoch k + 1 is a function of (seed, k + 1).
"""
import functools
import random

import numpy as np
import torch
from mmengine.dataset import worker_init_fn as mmengine_worker_init_fn
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from mmdsa.registry import HOOKS


def seed_everything(seed: int, epoch: int, rank: int = 0) -> None:
    """Seed Python, numpy and torch (CPU + CUDA) from (seed, epoch, rank)."""
    state = np.random.SeedSequence([int(seed), int(epoch),
                                    int(rank)]).generate_state(4)
    random.seed(int(state[0]) << 32 | int(state[1]))
    np.random.seed(int(state[2]))
    torch.manual_seed(int(state[3]) << 31 | int(state[0]) >> 1)


def seed_worker_from_torch(worker_id: int) -> None:
    """``worker_init_fn``: seed a data-loader worker's Python and numpy
    generators from the seed torch gave the worker (base seed + worker id,
    the base seed drawn in the main process for each epoch)."""
    seed = torch.initial_seed()
    random.seed(seed)
    np.random.seed(seed % 2**32)


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Re-seed all random streams at the start of every training epoch.

    Args:
        seed (int, optional): Base seed; by default the runner's
            ``randomness.seed`` (saved in and restored from checkpoints).
    """
    priority = 'ABOVE_NORMAL'

    def __init__(self, seed=None):
        self.seed = seed

    def before_train(self, runner) -> None:
        loader = runner.train_dataloader
        if getattr(loader, 'num_workers', 0) > 0:
            if getattr(loader, 'persistent_workers', False):
                runner.logger.warning(
                    'EpochSeedHook: persistent_workers=True keeps data-loader '
                    'workers and their random streams across epochs, so a '
                    'resumed run will not draw the same augmentations as an '
                    'uninterrupted one; set persistent_workers=False for '
                    'bit-identical resumption.')
            fn = loader.worker_init_fn
            if fn is None or (isinstance(fn, functools.partial)
                              and fn.func is mmengine_worker_init_fn):
                loader.worker_init_fn = seed_worker_from_torch

    def before_train_epoch(self, runner) -> None:
        seed = self.seed if self.seed is not None else runner.seed
        if seed is None:
            return
        seed_everything(seed, runner.epoch, get_rank())
