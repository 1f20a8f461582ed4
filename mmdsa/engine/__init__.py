"""Training-loop pieces: parameter schedulers and optimizer wrappers."""
from .optimizers import AmpIfAvailableOptimWrapper
from .schedulers import TrainLossPlateauLR

__all__ = ['AmpIfAvailableOptimWrapper', 'TrainLossPlateauLR']
