"""Shared contract of the temporal necks.

A temporal neck fuses, per FPN level, the feature maps of a window of T
frames into one map for the key frame (the centre frame, index ``T // 2``).
The work is split in two so that series inference can cache per-frame work:

- :meth:`BaseTemporalNeck.precompute`: everything that depends on one frame
  only (e.g. the input half of the recurrent gate convolutions); run once per
  frame, batched over all frames.
- :meth:`BaseTemporalNeck.fuse`: the part that mixes the frames of a window.

``forward`` is ``fuse(precompute(x))`` per level, so a cached series inference
that calls the two halves separately gives the same numbers.
"""
from abc import abstractmethod
from typing import Sequence, Tuple

from mmengine.model import BaseModule
from torch import Tensor


class BaseTemporalNeck(BaseModule):
    """Base class: checks shapes and runs precompute + fuse per level.

    Args:
        in_channels (int): Channels C of every FPN level.
        num_frames (int): Frames T per window (odd, >= 1).
        num_levels (int): Number of FPN levels; each level has its own
            weights.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int = 256,
                 num_frames: int = 5,
                 num_levels: int = 5,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        for field, value in (('in_channels', in_channels),
                             ('num_frames', num_frames), ('num_levels',
                                                          num_levels)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{name}.{field}: expected a positive int, '
                                 f'got {value!r}')
        if num_frames % 2 == 0:
            raise ValueError(
                f'{name}.num_frames: expected an odd number (the key frame is '
                f'the centre of the window), got {num_frames}')
        self.in_channels = in_channels
        self.num_frames = num_frames
        self.num_levels = num_levels
        self.key_frame_index = num_frames // 2

    def precompute(self, level: int, x: Tensor) -> Tensor:
        """Per-frame part of the neck (identity unless overridden).

        Args:
            level (int): FPN level index.
            x (Tensor): Features of N frames, shape (N, C, H, W).

        Returns:
            Tensor: Per-frame cache, shape (N, C', H, W).
        """
        return x

    @abstractmethod
    def fuse(self, level: int, cache: Tensor) -> Tensor:
        """Fuse the per-frame caches of a window into the key frame's map.

        Args:
            level (int): FPN level index.
            cache (Tensor): Output of :meth:`precompute` for the window's
                frames, shape (B, T, C', H, W).

        Returns:
            Tensor: Key-frame features, shape (B, C, H, W).
        """

    def check_inputs(self, inputs: Sequence[Tensor]) -> None:
        """Raise ``ValueError`` unless inputs follow the neck's contract."""
        name = type(self).__name__
        if not isinstance(inputs, (tuple, list)) or \
                len(inputs) != self.num_levels:
            got = (f'{type(inputs).__name__} of length {len(inputs)}'
                   if isinstance(inputs, (tuple, list)) else
                   type(inputs).__name__)
            raise ValueError(f'{name}: expected a tuple of {self.num_levels} '
                             f'FPN levels, got {got}')
        batch = None
        for i, x in enumerate(inputs):
            shape = tuple(getattr(x, 'shape', ()))
            if len(shape) != 5 or shape[1] != self.num_frames or \
                    shape[2] != self.in_channels:
                raise ValueError(
                    f'{name}: expected level {i} of shape (B, '
                    f'T={self.num_frames}, C={self.in_channels}, H, W), got '
                    f'{shape}')
            if batch is None:
                batch = shape[0]
            elif shape[0] != batch:
                raise ValueError(f'{name}: expected the same batch size B='
                                 f'{batch} on every level, got {shape[0]} on '
                                 f'level {i}')

    def forward(self, inputs: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """Fuse every level.

        Args:
            inputs (tuple[Tensor]): Per level, shape (B, T, C, H, W).

        Returns:
            tuple[Tensor]: Per level, the key frame's (B, C, H, W).
        """
        self.check_inputs(inputs)
        outs = []
        for level, x in enumerate(inputs):
            b, t = x.shape[:2]
            cache = self.precompute(level, x.flatten(0, 1))
            outs.append(self.fuse(level, cache.unflatten(0, (b, t))))
        return tuple(outs)
