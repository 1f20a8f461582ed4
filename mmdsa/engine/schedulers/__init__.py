"""Parameter schedulers."""
from .train_loss_plateau import TrainLossPlateauLR

__all__ = ['TrainLossPlateauLR']
