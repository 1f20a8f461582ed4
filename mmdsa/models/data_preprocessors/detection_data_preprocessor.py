"""Data preprocessor for windows of frames (B, T, C, H, W)."""
import math
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmdet.models.utils.misc import samplelist_boxtype2tensor
from mmengine.model import ImgDataPreprocessor
from torch import Tensor

from mmdsa.registry import MODELS
from mmdsa.utils.deprecation import register_renamed


@MODELS.register_module()
class DSADetectionDataPreprocessor(ImgDataPreprocessor):
    """Normalise, convert channels, pad and stack windows of T frames.

    The multi-frame counterpart of mmdet's ``DetDataPreprocessor``: each
    sample's ``inputs`` is a (T, C, H, W) tensor (``PackDSADetectionInputs``),
    the output a float (B, T, C, H', W') tensor where H', W' are the batch's
    largest height / width rounded up to ``pad_size_divisor`` (padding at the
    bottom / right, as mmdet). Every data sample (the key frame's
    ``DetDataSample``) gets ``batch_input_shape`` and ``pad_shape`` metainfo;
    with ``boxtype2tensor`` its boxes become plain tensors, as in mmdet.

    Args:
        mean (Sequence[float], optional): Per-channel mean (1 or 3 values).
        std (Sequence[float], optional): Per-channel std (1 or 3 values).
        pad_size_divisor (int): Pad H and W to a multiple of it.
            Defaults to 1.
        pad_value (float): Padding value. Defaults to 0.
        bgr_to_rgb (bool): Swap channel order 0 and 2. Defaults to False.
        rgb_to_bgr (bool): Same swap. Defaults to False.
        boxtype2tensor (bool): Convert box objects to tensors. Defaults to
            True.
        non_blocking (bool): Non-blocking device transfer.
    """

    def __init__(self,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 pad_size_divisor: int = 1,
                 pad_value: float = 0,
                 bgr_to_rgb: bool = False,
                 rgb_to_bgr: bool = False,
                 boxtype2tensor: bool = True,
                 non_blocking: Optional[bool] = False) -> None:
        name = type(self).__name__
        if bgr_to_rgb and rgb_to_bgr:
            raise ValueError(f'{name}: expected at most one of bgr_to_rgb '
                             'and rgb_to_bgr, got both True')
        if (mean is None) != (std is None):
            raise ValueError(f'{name}: expected mean and std both given or '
                             f'both None, got mean={mean}, std={std}')
        for field, value in (('mean', mean), ('std', std)):
            if value is not None and len(value) not in (1, 3):
                raise ValueError(f'{name}.{field}: expected 1 or 3 values, '
                                 f'got {len(value)}')
        if not isinstance(pad_size_divisor, int) or pad_size_divisor < 1:
            raise ValueError(f'{name}.pad_size_divisor: expected a positive '
                             f'int, got {pad_size_divisor!r}')
        super().__init__(mean, std, pad_size_divisor, pad_value, bgr_to_rgb,
                         rgb_to_bgr, non_blocking)
        self.boxtype2tensor = boxtype2tensor

    def _sample(self, x: Tensor, index: int) -> Tensor:
        """Check, convert and normalise one (T, C, H, W) window."""
        if not isinstance(x, Tensor) or x.dim() != 4:
            shape = tuple(x.shape) if isinstance(x, Tensor) else type(x)
            raise ValueError(
                f'{type(self).__name__}: expected inputs[{index}] of shape '
                f'(T, C, H, W), got {shape}')
        if self._channel_conversion:
            if x.shape[1] != 3:
                raise ValueError(
                    f'{type(self).__name__}: channel conversion expected 3 '
                    f'channels in inputs[{index}], got {x.shape[1]}')
            x = x[:, [2, 1, 0]]
        x = x.float()
        if self._enable_normalize:
            x = (x - self.mean) / self.std
        return x

    def forward(self, data: dict, training: bool = False) -> dict:
        """Preprocess a batch.

        Args:
            data (dict): ``inputs``: list of (T, C, H, W) tensors or a
                (B, T, C, H, W) tensor; ``data_samples``: list of B
                ``DetDataSample`` or None.
            training (bool): Unused (no batch augmentation).

        Returns:
            dict: ``inputs`` (B, T, C, H', W') float tensor and
            ``data_samples``.
        """
        data = self.cast_data(data)
        inputs = data['inputs']
        if isinstance(inputs, Tensor):
            if inputs.dim() != 5:
                raise ValueError(
                    f'{type(self).__name__}: expected inputs of shape (B, T, '
                    f'C, H, W), got {tuple(inputs.shape)}')
            inputs = list(inputs)
        if not isinstance(inputs, (list, tuple)) or not inputs:
            raise ValueError(f'{type(self).__name__}: expected a non-empty '
                             f'list of (T, C, H, W) tensors, got {inputs!r}')
        samples = [self._sample(x, i) for i, x in enumerate(inputs)]
        if len({x.shape[:2] for x in samples}) != 1:
            raise ValueError(
                f'{type(self).__name__}: expected the same T and C in every '
                'sample, got ' + str([tuple(x.shape[:2]) for x in samples]))
        div = self.pad_size_divisor
        height = math.ceil(max(x.shape[-2] for x in samples) / div) * div
        width = math.ceil(max(x.shape[-1] for x in samples) / div) * div
        batch = torch.stack([
            F.pad(x, (0, width - x.shape[-1], 0, height - x.shape[-2]),
                  value=self.pad_value) for x in samples
        ])
        data_samples = data.get('data_samples')
        if data_samples is not None:
            if len(data_samples) != len(samples):
                raise ValueError(
                    f'{type(self).__name__}: expected one data sample per '
                    f'input ({len(samples)}), got {len(data_samples)}')
            for sample in data_samples:
                sample.set_metainfo({
                    'batch_input_shape': (height, width),
                    'pad_shape': (height, width)
                })
            if self.boxtype2tensor:
                samplelist_boxtype2tensor(data_samples)
        return {'inputs': batch, 'data_samples': data_samples}


register_renamed(MODELS, DSADetectionDataPreprocessor)
