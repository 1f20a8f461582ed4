"""Distance-ReLU IoU loss (DR-IoU) of Su et al. (MedIA 2022).

``L = ReLU(1 - IoU + d^2 / c^2 - beta)``: ``d`` is the distance between the
box centres, ``c`` the diagonal of the smallest box enclosing both. Boxes whose
DIoU loss is below ``beta`` get neither loss nor gradient, because perforation
borders are ambiguous. With ``beta = 0`` it is the DIoU loss; the DIoU term is
computed by mmdet's ``diou_loss``.
"""
from typing import Optional

import torch
from mmdet.models.losses.iou_loss import diou_loss
from mmdet.models.losses.utils import weighted_loss
from torch import Tensor, nn

from mmdsa.registry import MODELS


def _check_boxes(pred: Tensor, target: Tensor) -> None:
    if pred.shape != target.shape or pred.shape[-1:] != (4, ):
        raise ValueError(
            'DRIoULoss: expected pred and target of the same shape (n, 4) '
            f'as (x1, y1, x2, y2), got {tuple(pred.shape)} and '
            f'{tuple(target.shape)}')


@weighted_loss
def dr_iou_loss(pred: Tensor,
                target: Tensor,
                beta: float = 0.25,
                eps: float = 1e-7) -> Tensor:
    """Element-wise DR-IoU loss: ``relu(mmdet diou_loss - beta)``.

    The DIoU term is mmdet's own ``diou_loss`` (unreduced), so the two losses
    share one geometry; only the margin is added here.

    Args:
        pred (Tensor): Predicted boxes (x1, y1, x2, y2), shape (n, 4).
        target (Tensor): Reference boxes (x1, y1, x2, y2), shape (n, 4).
        beta (float): Margin subtracted before the ReLU. Defaults to 0.25.
        eps (float): Added to the union and the squared diagonal to avoid
            division by zero (mmdet's DIoU ``eps``). Defaults to 1e-7.

    Returns:
        Tensor: Loss per box, shape (n, ).
    """
    _check_boxes(pred, target)
    diou = diou_loss(
        pred.reshape(-1, 4), target.reshape(-1, 4), eps=eps,
        reduction='none')
    return torch.relu(diou - beta).reshape(pred.shape[:-1])


@MODELS.register_module()
class DRIoULoss(nn.Module):
    """DR-IoU loss module following mmdet's IoU-loss conventions.

    Heads using it must decode boxes before the loss
    (``reg_decoded_bbox=True``); :func:`check_iou_loss_config` enforces it.

    Args:
        beta (float): Margin of the ReLU. Defaults to 0.25 (paper).
        eps (float): Numerical epsilon. Defaults to 1e-7 (as mmdet's DIoU).
        reduction (str): 'none', 'mean' or 'sum'. Defaults to 'mean'.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 beta: float = 0.25,
                 eps: float = 1e-7,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if reduction not in ('none', 'mean', 'sum'):
            raise ValueError("DRIoULoss.reduction: expected 'none', 'mean' "
                             f"or 'sum', got {reduction!r}")
        if beta < 0:
            raise ValueError(f'DRIoULoss.beta: expected >= 0, got {beta}')
        self.beta = float(beta)
        self.eps = eps
        self.reduction = reduction
        self.loss_weight = loss_weight

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                **kwargs) -> Tensor:
        """Compute the weighted, reduced loss.

        Args:
            pred (Tensor): Predicted boxes (x1, y1, x2, y2), shape (n, 4).
            target (Tensor): Reference boxes, shape (n, 4).
            weight (Tensor, optional): Weight per box (n, ) or per
                coordinate (n, 4) (averaged over the coordinates).
            avg_factor (float, optional): Divisor of the 'mean' reduction.
            reduction_override (str, optional): Overrides ``reduction``.

        Returns:
            Tensor: Scalar loss, or (n, ) with reduction 'none'.
        """
        if reduction_override not in (None, 'none', 'mean', 'sum'):
            raise ValueError('DRIoULoss.forward: reduction_override expected '
                             "None, 'none', 'mean' or 'sum', got "
                             f'{reduction_override!r}')
        if weight is not None and not torch.any(weight > 0):
            # no positive box: a zero that keeps the graph connected
            if pred.dim() == weight.dim() + 1:
                weight = weight.unsqueeze(1)
            return (pred * weight).sum()
        reduction = reduction_override or self.reduction
        if weight is not None and weight.dim() > 1:
            if weight.shape != pred.shape:
                raise ValueError(
                    'DRIoULoss.forward: expected weight of shape (n, ) or '
                    f'{tuple(pred.shape)}, got {tuple(weight.shape)}')
            weight = weight.mean(-1)
        return self.loss_weight * dr_iou_loss(
            pred,
            target,
            weight,
            beta=self.beta,
            eps=self.eps,
            reduction=reduction,
            avg_factor=avg_factor)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(beta={self.beta}, eps={self.eps},'
                f' reduction={self.reduction!r}, '
                f'loss_weight={self.loss_weight})')
