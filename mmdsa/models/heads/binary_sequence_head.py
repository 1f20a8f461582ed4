"""Binary classification head over the per-step outputs of a sequence RNN."""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmdsa.registry import MODELS

READOUTS = ('last', 'mean')


def smooth_binary_targets(targets: torch.Tensor,
                          label_smoothing: float) -> torch.Tensor:
    """Label smoothing for binary targets: ``t * (1 - eps) + eps / 2``.

    ``eps = 0.428`` gives the classification authors' soft targets
    0.214 / 0.786.

    Args:
        targets (Tensor): (B,) targets in [0, 1].
        label_smoothing (float): eps in [0, 1).

    Returns:
        Tensor: (B,) smoothed targets.
    """
    return targets * (1.0 - label_smoothing) + 0.5 * label_smoothing


@MODELS.register_module()
class BinarySequenceClsHead(BaseModule):
    """Read out a sequence RNN's outputs and predict P(positive).

    Read-outs (``readout``), for per-step outputs ``out`` (B, G_max, C) of
    a series of true length L (steps ``0..L-1``; padded steps are ignored):

    - ``'last'`` (the classification authors' code): ``out[:, L - 1]``.
      For a bidirectional RNN this is the concatenation of the forward
      direction's output at its last valid step (it has seen the whole
      series) and the backward direction's output at step L - 1 (it has
      seen only that step), exactly what an unpadded ``nn.GRU`` run on the
      series alone returns at index -1, as the authors' batch-1 code reads.
    - ``'mean'``: the mean of ``out`` over the L valid steps.

    Then ``Linear(C, 1)`` gives one logit. The loss is a registered,
    swappable loss module (``loss``; by default mmpretrain's
    ``CrossEntropyLoss(use_sigmoid=True)``, i.e. binary cross-entropy with
    logits, with optional ``pos_weight``: the weight of the positive term,
    as ``torch.nn.BCEWithLogitsLoss``) on binary label-smoothed targets
    ``t * (1 - eps) + eps / 2``. The smoothing stays in the head
    (:func:`smooth_binary_targets`): mmpretrain's ``LabelSmoothLoss`` reads
    (N, 1) labels as class indices, so it cannot serve a single logit.

    Args:
        in_channels (int): C, e.g. 1024 for a bidirectional RNN of 512.
        readout (str): ``'last'`` or ``'mean'``. Defaults to ``'last'``.
        pos_weight (float, optional): positive-class weight of the default
            loss. Defaults to None (1).
        label_smoothing (float): eps in [0, 1). Defaults to 0.
        loss_weight (float): multiplier of the default loss. Defaults to 1.
        threshold (float): ``pred_label = P >= threshold``. Defaults to 0.5.
        loss (dict, optional): config of the loss on (B,) logits and (B,)
            smoothed targets, taking ``weight``, ``avg_factor`` and
            ``reduction_override`` (e.g. ``dict(type='mmdet.CrossEntropyLoss',
            use_sigmoid=True)``). Defaults to None:
            ``dict(type='mmpretrain.CrossEntropyLoss', use_sigmoid=True,
            pos_weight=pos_weight, loss_weight=loss_weight)``. When given,
            ``pos_weight`` and ``loss_weight`` belong inside it.
        init_cfg (dict, optional): MMEngine init config.
    """

    def __init__(self,
                 in_channels: int,
                 readout: str = 'last',
                 pos_weight: Optional[float] = None,
                 label_smoothing: float = 0.0,
                 loss_weight: float = 1.0,
                 threshold: float = 0.5,
                 loss: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if not isinstance(in_channels, int) or in_channels < 1:
            raise ValueError('BinarySequenceClsHead.in_channels: expected a '
                             f'positive int, got {in_channels!r}')
        if readout not in READOUTS:
            raise ValueError('BinarySequenceClsHead.readout: expected one of '
                             f'{READOUTS}, got {readout!r}')
        if pos_weight is not None and not float(pos_weight) > 0:
            raise ValueError('BinarySequenceClsHead.pos_weight: expected a '
                             f'positive number or None, got {pos_weight!r}')
        if not 0.0 <= float(label_smoothing) < 1.0:
            raise ValueError('BinarySequenceClsHead.label_smoothing: '
                             f'expected a value in [0, 1), got '
                             f'{label_smoothing!r}')
        if not 0.0 <= float(threshold) <= 1.0:
            raise ValueError('BinarySequenceClsHead.threshold: expected a '
                             f'value in [0, 1], got {threshold!r}')
        self.in_channels = in_channels
        self.readout = readout
        self.pos_weight = None if pos_weight is None else float(pos_weight)
        self.label_smoothing = float(label_smoothing)
        self.loss_weight = float(loss_weight)
        self.threshold = float(threshold)
        self.fc = nn.Linear(in_channels, 1)
        if loss is None:
            import mmpretrain.registry  # noqa: F401  (the mmpretrain scope)
            loss = dict(type='mmpretrain.CrossEntropyLoss', use_sigmoid=True,
                        pos_weight=self.pos_weight,
                        loss_weight=self.loss_weight)
        elif self.pos_weight is not None or self.loss_weight != 1.0:
            raise ValueError(
                'BinarySequenceClsHead: with a loss config, set pos_weight '
                'and loss_weight inside it; got loss='
                f'{loss!r}, pos_weight={pos_weight!r}, '
                f'loss_weight={loss_weight!r}')
        self.loss_module = MODELS.build(loss)

    def pool(self, outputs: torch.Tensor,
             lengths: torch.Tensor) -> torch.Tensor:
        """Read-out (B, G_max, C) outputs with (B,) lengths -> (B, C)."""
        if outputs.dim() != 3 or outputs.shape[-1] != self.in_channels:
            raise ValueError(
                'BinarySequenceClsHead: expected outputs (B, G, '
                f'{self.in_channels}), got {tuple(outputs.shape)}')
        lengths = lengths.to(outputs.device)
        if self.readout == 'last':
            index = torch.arange(outputs.shape[0], device=outputs.device)
            return outputs[index, lengths - 1]
        steps = torch.arange(outputs.shape[1], device=outputs.device)
        mask = (steps[None] < lengths[:, None]).to(outputs.dtype)
        summed = (outputs * mask[..., None]).sum(1)
        return summed / lengths[:, None].to(outputs.dtype)

    def forward(self, outputs: torch.Tensor,
                lengths: torch.Tensor) -> torch.Tensor:
        """Return logits (B,) of P(positive)."""
        return self.fc(self.pool(outputs, lengths)).squeeze(-1)

    def loss_by_logits(self,
                       logits: torch.Tensor,
                       targets: torch.Tensor,
                       weight: Optional[torch.Tensor] = None,
                       avg_factor: Optional[float] = None,
                       reduction_override: Optional[str] = None
                       ) -> torch.Tensor:
        """The loss module on label-smoothed targets.

        Args:
            logits (Tensor): (B,) logits.
            targets (Tensor): (B,) labels in {0, 1} (or soft in [0, 1]).
            weight (Tensor, optional): (B,) per-sample weights.
            avg_factor (float, optional): divide the sum by this instead of
                B when the reduction is ``'mean'``.
            reduction_override (str, optional): ``'none'``, ``'mean'`` or
                ``'sum'``. Defaults to ``'mean'``.

        Returns:
            Tensor: scalar loss (or (B,) for ``'none'``), x ``loss_weight``
            (applied by the default loss module).
        """
        reduction = reduction_override or 'mean'
        if reduction not in ('none', 'mean', 'sum'):
            raise ValueError('BinarySequenceClsHead: reduction_override: '
                             "expected 'none', 'mean' or 'sum', got "
                             f'{reduction_override!r}')
        targets = smooth_binary_targets(targets.to(logits.dtype),
                                        self.label_smoothing)
        if weight is not None:
            weight = weight.to(logits.dtype)
        return self.loss_module(
            logits,
            targets,
            weight=weight,
            # the 'mean' divisor; ignored (not refused) by 'none' and 'sum'
            avg_factor=avg_factor if reduction == 'mean' else None,
            reduction_override=reduction)

    @staticmethod
    def get_targets(data_samples: Sequence) -> torch.Tensor:
        """Stack ``gt_label`` of the data samples into (B,) float."""
        labels = []
        for i, sample in enumerate(data_samples):
            if 'gt_label' not in sample:
                raise ValueError(f'BinarySequenceClsHead: data sample {i} '
                                 '(series '
                                 f"{sample.metainfo.get('series_id')}) has "
                                 'no gt_label')
            label = sample.gt_label.reshape(-1)
            if label.numel() != 1 or float(label[0]) not in (0.0, 1.0):
                raise ValueError(
                    f'BinarySequenceClsHead: data sample {i}: expected '
                    f'gt_label [0] or [1], got {label.tolist()}')
            labels.append(label[0].float())
        return torch.stack(labels)

    def loss(self, outputs: torch.Tensor, lengths: torch.Tensor,
             data_samples: Sequence) -> Dict[str, torch.Tensor]:
        """Loss dict ``{'loss_cls': ..., 'accuracy': ...}``."""
        logits = self(outputs, lengths)
        targets = self.get_targets(data_samples).to(logits.device)
        loss = self.loss_by_logits(logits, targets)
        with torch.no_grad():
            acc = ((logits.sigmoid() >= self.threshold).float() ==
                   targets).float().mean()
        return dict(loss_cls=loss, accuracy=acc)

    def predict(self, outputs: torch.Tensor, lengths: torch.Tensor,
                data_samples: Optional[List] = None) -> List:
        """Set ``pred_score`` (1,) = P(positive) and ``pred_label`` (1,)."""
        from mmpretrain.structures import DataSample
        scores = self(outputs, lengths).float().sigmoid()
        if data_samples is None:
            data_samples = [DataSample() for _ in range(scores.shape[0])]
        for sample, score in zip(data_samples, scores):
            score = score.detach().reshape(1)
            sample.set_field(score, 'pred_score', dtype=torch.Tensor)
            sample.set_field((score >= self.threshold).long(), 'pred_label',
                             dtype=torch.Tensor)
        return data_samples
