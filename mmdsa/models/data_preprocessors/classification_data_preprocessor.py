"""Data preprocessor for series of frame groups of different lengths."""
from typing import List, Optional, Sequence, Union

import torch
from mmengine.model import BaseDataPreprocessor

from mmdsa.registry import MODELS
from mmdsa.utils.deprecation import register_renamed

_NAME = 'DSAClassificationDataPreprocessor'  # in messages


def _check_stat(name: str, value, num_channels: int) -> torch.Tensor:
    """Turn a mean / std config entry into a (C, 1, 1) tensor."""
    if isinstance(value, (int, float)):
        value = [float(value)] * num_channels
    if not isinstance(value, (list, tuple)) or len(value) != num_channels:
        raise ValueError(
            f'{_NAME}.{name}: expected a number or a sequence of '
            f'{num_channels} numbers, got {value!r}')
    return torch.tensor([float(v) for v in value]).view(-1, 1, 1)


@MODELS.register_module()
class DSAClassificationDataPreprocessor(BaseDataPreprocessor):
    """Normalise series of frame groups and pad a batch to one tensor.

    Each sample's ``inputs`` is a tensor (G_i, C, H, W) of G_i frame groups
    (usually C = 3 consecutive frames stacked as RGB, see ``GroupFrames``).
    Series of a batch may have different numbers of groups; they are padded
    at the end with zeros to (B, G_max, C, H, W) and their true lengths are
    kept in ``lengths`` (B,) so that the recognizer never runs padded groups
    through its backbone and its RNN sees each series' true length.

    Normalisation (applied before padding, so padding stays 0):

    - ``mean`` / ``std``: fixed per-channel statistics on the input scale
      (0-255 for uint8 frames), as mmpretrain's ``ClsDataPreprocessor``.
    - ``per_series_norm=True``: z-score each series with its own mean and
      standard deviation over all its pixels (what the classification
      authors' code does); applied after ``mean`` / ``std`` if both are set.

    Args:
        mean (float | Sequence[float], optional): per-channel mean. Defaults
            to None (no shift).
        std (float | Sequence[float], optional): per-channel std. Defaults
            to None (no scaling). ``mean`` and ``std`` come together.
        per_series_norm (bool): z-score each series. Defaults to False.
        num_channels (int): channels per group. Defaults to 3.
        eps (float): added to the per-series std. Defaults to 1e-6.
        non_blocking (bool): see ``BaseDataPreprocessor``.

    Returns of :meth:`forward`: ``dict(inputs=Tensor (B, G_max, C, H, W)
    float32, data_samples=list | None, lengths=LongTensor (B,))``.
    """

    def __init__(self,
                 mean: Optional[Union[float, Sequence[float]]] = None,
                 std: Optional[Union[float, Sequence[float]]] = None,
                 per_series_norm: bool = False,
                 num_channels: int = 3,
                 eps: float = 1e-6,
                 non_blocking: bool = False):
        super().__init__(non_blocking=non_blocking)
        if (mean is None) != (std is None):
            raise ValueError(
                f'{_NAME}: expected mean and std both set or both None, '
                f'got mean={mean!r}, std={std!r}')
        if not isinstance(num_channels, int) or num_channels < 1:
            raise ValueError(f'{_NAME}.num_channels: '
                             f'expected a positive int, got {num_channels!r}')
        self.num_channels = num_channels
        self._enable_norm = mean is not None
        if self._enable_norm:
            std_t = _check_stat('std', std, num_channels)
            if bool((std_t <= 0).any()):
                raise ValueError(f'{_NAME}.std: expected '
                                 f'positive values, got {std!r}')
            self.register_buffer('mean',
                                 _check_stat('mean', mean, num_channels),
                                 False)
            self.register_buffer('std', std_t, False)
        self.per_series_norm = bool(per_series_norm)
        self.eps = float(eps)

    def _to_list(self, inputs) -> List[torch.Tensor]:
        """Accept a list of (G, C, H, W) tensors or a stacked 5-D tensor."""
        if isinstance(inputs, torch.Tensor):
            if inputs.dim() != 5:
                raise ValueError(
                    f'{_NAME}: expected inputs as a list of '
                    '(G, C, H, W) tensors or one (B, G, C, H, W) tensor, got '
                    f'a tensor of shape {tuple(inputs.shape)}')
            inputs = list(inputs)
        if not isinstance(inputs, (list, tuple)) or len(inputs) == 0:
            raise TypeError(
                f'{_NAME}: expected a non-empty list of '
                f'(G, C, H, W) tensors, got {type(inputs).__name__}')
        shape = None
        for i, x in enumerate(inputs):
            if not isinstance(x, torch.Tensor) or x.dim() != 4 \
                    or x.shape[0] < 1 or x.shape[1] != self.num_channels:
                got = tuple(x.shape) if isinstance(x, torch.Tensor) \
                    else type(x).__name__
                raise ValueError(
                    f'{_NAME}: sample {i}: expected a '
                    f'(G>=1, {self.num_channels}, H, W) tensor, got {got}')
            if shape is None:
                shape = x.shape[2:]
            elif x.shape[2:] != shape:
                raise ValueError(
                    f'{_NAME}: sample {i}: expected frames '
                    f'of size {tuple(shape)} like sample 0, got '
                    f'{tuple(x.shape[2:])}; resize in the pipeline')
        return list(inputs)

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        """Normalise one series (G, C, H, W) -> float (G, C, H, W)."""
        x = x.float()
        if self._enable_norm:
            x = (x - self.mean) / self.std
        if self.per_series_norm:
            x = (x - x.mean()) / (x.std(unbiased=False) + self.eps)
        return x

    def forward(self, data: dict, training: bool = False) -> dict:
        """Normalise, pad and report the lengths of a batch.

        Args:
            data (dict): ``inputs`` (list of (G_i, C, H, W) tensors or a
                (B, G, C, H, W) tensor) and optional ``data_samples``.
            training (bool): unused (no batch augmentation).

        Returns:
            dict: ``inputs`` (B, G_max, C, H, W) float, ``data_samples``,
            ``lengths`` (B,) int64 = G_i.
        """
        data = self.cast_data(data)
        inputs = self._to_list(data['inputs'])
        lengths = torch.tensor([x.shape[0] for x in inputs],
                               dtype=torch.long,
                               device=inputs[0].device)
        g_max = int(lengths.max())
        first = inputs[0]
        padded = first.new_zeros(
            (len(inputs), g_max) + tuple(first.shape[1:]),
            dtype=torch.float32)
        for i, x in enumerate(inputs):
            padded[i, :x.shape[0]] = self.normalize(x)
        return dict(
            inputs=padded,
            data_samples=data.get('data_samples', None),
            lengths=lengths)


register_renamed(MODELS, DSAClassificationDataPreprocessor)
