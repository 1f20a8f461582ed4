"""CNN + RNN recognizer for thrombus classification of DSA series."""
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel

from mmdsa.registry import MODELS
from mmdsa.utils.precision import feature_autocast, uses_channels_last


def _grid(grid_size) -> Tuple[int, int]:
    if isinstance(grid_size, int):
        grid_size = (grid_size, grid_size)
    if not isinstance(grid_size, (tuple, list)) or len(grid_size) != 2 or \
            not all(isinstance(g, int) and g >= 1 for g in grid_size):
        raise ValueError('CNNRNNRecognizer.grid_size: expected a positive '
                         f'int or a pair of them, got {grid_size!r}')
    return tuple(grid_size)


@MODELS.register_module()
class CNNRNNRecognizer(BaseModel):
    """Backbone over frame groups + recurrent encoder + binary head.

    Mittmann et al. (IJCARS 2022), see docs: each series arrives as G groups
    of 3 consecutive frames stacked as RGB (the ``GroupFrames`` transform).
    All real groups of all series of a batch run through the backbone as
    one tensor (padded groups never do); the last backbone feature map is
    adaptively pooled to a ``grid_size`` grid (7 x 7 ResNet18, 4 x 4
    EfficientNet(V2), 3 x 3 RegNetY in the authors' code) and flattened;
    the encoder (``RecurrentSequenceEncoder``: LayerNorm + LeakyReLU +
    BiGRU/BiLSTM) runs over each series' true length (packed); the head
    (``BinarySequenceClsHead``) reads the RNN out and gives one logit.

    Args:
        backbone (dict): backbone config, e.g. ``dict(type=
            'mmpretrain.TIMMBackbone', model_name='resnet18',
            pretrained=True)``; must return a tensor or a tuple of
            (N, C, h, w) maps (the one at ``backbone_out_index`` is used).
        encoder (dict): ``RecurrentSequenceEncoder`` config without
            ``in_channels`` (filled with ``backbone_channels * grid``).
        head (dict): ``BinarySequenceClsHead`` config without
            ``in_channels`` (filled with the encoder's output size).
        grid_size (int | tuple[int, int]): pooled grid. Defaults to 7.
        pool_type (str): ``'avg'`` or ``'max'`` adaptive pooling.
        backbone_channels (int, optional): C of the used backbone map;
            inferred by a dry run on a 64 x 64 input when None.
        backbone_out_index (int): which backbone output. Defaults to -1.
        data_preprocessor (dict, optional): defaults to
            ``DSAClassificationDataPreprocessor``.
        init_cfg (dict, optional): MMEngine init config.
    """

    def __init__(self,
                 backbone: dict,
                 encoder: dict,
                 head: dict,
                 grid_size: Union[int, Tuple[int, int]] = 7,
                 pool_type: str = 'avg',
                 backbone_channels: Optional[int] = None,
                 backbone_out_index: int = -1,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if data_preprocessor is None:
            data_preprocessor = dict(type='DSAClassificationDataPreprocessor')
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if pool_type not in ('avg', 'max'):
            raise ValueError("CNNRNNRecognizer.pool_type: expected 'avg' or "
                             f"'max', got {pool_type!r}")
        for name, cfg in (('backbone', backbone), ('encoder', encoder),
                          ('head', head)):
            if not isinstance(cfg, dict):
                raise TypeError(f'CNNRNNRecognizer.{name}: expected a config '
                                f'dict, got {type(cfg).__name__}')
        self.grid_size = _grid(grid_size)
        self.pool_type = pool_type
        self.backbone_out_index = backbone_out_index
        self.backbone = MODELS.build(backbone)
        if backbone_channels is None:
            backbone_channels = self._infer_backbone_channels()
        self.backbone_channels = int(backbone_channels)
        feat_dim = self.backbone_channels * self.grid_size[0] * \
            self.grid_size[1]
        self.encoder = MODELS.build(dict(encoder, in_channels=feat_dim))
        self.head = MODELS.build(
            dict(head, in_channels=self.encoder.out_channels))

    @torch.no_grad()
    def _infer_backbone_channels(self) -> int:
        was_training = self.backbone.training
        self.backbone.eval()
        out = self._backbone_map(torch.zeros(1, 3, 64, 64))
        self.backbone.train(was_training)
        return out.shape[1]

    def _backbone_map(self, groups: torch.Tensor) -> torch.Tensor:
        out = self.backbone(groups)
        if isinstance(out, (tuple, list)):
            out = out[self.backbone_out_index]
        if not isinstance(out, torch.Tensor) or out.dim() != 4:
            raise ValueError(
                'CNNRNNRecognizer: expected the backbone to return (N, C, h, '
                f'w) maps, got {getattr(out, "shape", type(out))}')
        return out

    def group_features(self, groups: torch.Tensor) -> torch.Tensor:
        """Backbone + grid pooling + flatten.

        Args:
            groups (Tensor): (N, 3, H, W) frame groups.

        Returns:
            Tensor: (N, backbone_channels * grid_h * grid_w).
        """
        maps = self._backbone_map(groups)
        if maps.shape[1] != self.backbone_channels:
            raise ValueError(
                'CNNRNNRecognizer: expected backbone maps with '
                f'{self.backbone_channels} channels (backbone_channels), got '
                f'{maps.shape[1]}')
        pool = F.adaptive_avg_pool2d if self.pool_type == 'avg' \
            else F.adaptive_max_pool2d
        return pool(maps, self.grid_size).flatten(1)

    @staticmethod
    def _check_inputs(inputs: torch.Tensor,
                      lengths: Optional[torch.Tensor]) -> torch.Tensor:
        if not isinstance(inputs, torch.Tensor) or inputs.dim() != 5:
            raise ValueError(
                'CNNRNNRecognizer: expected inputs (B, G, 3, H, W), got '
                f'{getattr(inputs, "shape", type(inputs).__name__)}')
        b, g = inputs.shape[:2]
        if lengths is None:
            return torch.full((b, ), g, dtype=torch.long,
                              device=inputs.device)
        lengths = torch.as_tensor(lengths, device=inputs.device).long()
        if lengths.shape != (b, ) or bool((lengths < 1).any()) or \
                bool((lengths > g).any()):
            raise ValueError(
                f'CNNRNNRecognizer: expected lengths of shape ({b},) in '
                f'[1, {g}], got {lengths.tolist()}')
        return lengths

    def extract_feat(self, inputs: torch.Tensor,
                     lengths: Optional[torch.Tensor] = None,
                     precision: str = 'fp32'
                     ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Per-step RNN outputs of a padded batch.

        Args:
            inputs (Tensor): (B, G_max, 3, H, W).
            lengths (Tensor, optional): (B,) true group counts; all G_max
                when None.
            precision (str): ``'fp32'``, or ``'bf16'`` / ``'fp16'``: the
                backbone runs under autocast (channels_last groups for bf16
                on a CPU); its pooled features are cast to float32 before
                the recurrent encoder and the head
                (:mod:`mmdsa.utils.precision`).

        Returns:
            tuple: outputs (B, G_max, encoder.out_channels) and lengths (B,).
        """
        lengths = self._check_inputs(inputs, lengths)
        b, g = inputs.shape[:2]
        valid = torch.arange(g, device=inputs.device)[None] < lengths[:, None]
        groups = inputs[valid]
        if uses_channels_last(precision, groups.device):
            groups = groups.contiguous(memory_format=torch.channels_last)
        with feature_autocast(precision, groups.device):
            feats = self.group_features(groups)  # (sum L, F), one pass
        feats = feats.float()
        padded = feats.new_zeros((b, g, feats.shape[1]))
        padded[valid] = feats
        return self.encoder(padded, lengths), lengths

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List] = None,
                mode: str = 'tensor',
                lengths: Optional[torch.Tensor] = None,
                precision: str = 'fp32'
                ) -> Union[Dict[str, torch.Tensor], List, torch.Tensor]:
        """MMEngine entry point.

        Args:
            inputs (Tensor): (B, G_max, 3, H, W) from the preprocessor.
            data_samples (list[DataSample], optional): ``gt_label`` for
                ``'loss'``; receive ``pred_score`` / ``pred_label`` in
                ``'predict'``.
            mode (str): ``'loss'``, ``'predict'`` or ``'tensor'`` (logits
                (B,)).
            lengths (Tensor, optional): (B,) true group counts.
            precision (str): see :meth:`extract_feat` (inference).
        """
        if mode not in ('loss', 'predict', 'tensor'):
            raise ValueError("CNNRNNRecognizer: expected mode 'loss', "
                             f"'predict' or 'tensor', got {mode!r}")
        if mode == 'loss' and data_samples is None:
            raise ValueError("CNNRNNRecognizer: mode='loss' needs "
                             'data_samples with gt_label')
        outputs, lengths = self.extract_feat(inputs, lengths, precision)
        if mode == 'tensor':
            return self.head(outputs, lengths)
        if mode == 'loss':
            return self.head.loss(outputs, lengths, data_samples)
        return self.head.predict(outputs, lengths, data_samples)
