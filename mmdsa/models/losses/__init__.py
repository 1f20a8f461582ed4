from .dr_iou_loss import DRIoULoss, dr_iou_loss
from .iou_loss_check import IOU_LOSS_TYPES, check_iou_loss_config

__all__ = [
    'DRIoULoss', 'dr_iou_loss', 'IOU_LOSS_TYPES', 'check_iou_loss_config'
]
