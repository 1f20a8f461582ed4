"""Training-loop pieces registered in the ``mmdsa`` scope: hooks,
parameter schedulers and optimizer wrappers."""
from .hooks import *  # noqa: F401,F403
from .optimizers import AmpIfAvailableOptimWrapper
from .schedulers import TrainLossPlateauLR

__all__ = ['AmpIfAvailableOptimWrapper', 'TrainLossPlateauLR']
