"""Single-image augmentations the two papers use that mmcv/mmdet lack.

Each draws its random parameters in one ``@cache_randomness`` method, so
inside :class:`BroadcastFrames` every frame of a series (and both views of
a pair) gets the same parameters. They work on uint8 ``img`` of shape
(H, W) or (H, W, C) and keep dtype and shape.
"""
import random
from typing import Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmdsa.registry import TRANSFORMS


def _check_prob(prob, where):
    if not isinstance(prob, (int, float)) or not 0 <= prob <= 1:
        raise ValueError(f'{where}: expected prob in [0, 1], got {prob!r}')
    return float(prob)


def _check_range(value, where, name, low=None):
    if not (isinstance(value, (tuple, list)) and len(value) == 2
            and value[0] <= value[1] and (low is None or value[0] >= low)):
        raise ValueError(f'{where}: expected {name} = (min, max) with min <= '
                         f'max{"" if low is None else f" and min >= {low}"}'
                         f', got {value!r}')
    return tuple(float(v) for v in value)


@TRANSFORMS.register_module()
class RandomContrast(BaseTransform):
    """Random brightness / contrast: ``out = alpha * img + beta``.

    ``alpha`` in ``contrast_range``, ``beta`` in ``brightness_range``,
    applied with probability ``prob``. With ``brightness_mode='absolute'``
    ``beta`` is in grey levels; with ``'mean'`` it is a fraction of the
    image's mean grey value (albumentations' ``RandomBrightnessContrast``
    with ``brightness_by_max=False``, the classification authors' setting;
    inside :class:`BroadcastFrames` the mean is each frame's, the authors
    took the whole stack's).

    Required Keys: img.  Modified Keys: img.

    Args:
        contrast_range (tuple[float]): range of ``alpha`` (e.g. (0.8, 1.2)).
        brightness_range (tuple[float]): range of ``beta`` (grey levels, or
            fractions of the mean in ``'mean'`` mode).
        prob (float): probability of applying.
        brightness_mode (str): ``'absolute'`` or ``'mean'``.
    """

    MODES = ('absolute', 'mean')

    def __init__(self,
                 contrast_range: Sequence[float] = (0.8, 1.2),
                 brightness_range: Sequence[float] = (-20.0, 20.0),
                 prob: float = 0.5,
                 brightness_mode: str = 'absolute'):
        if brightness_mode not in self.MODES:
            raise ValueError('RandomContrast: expected brightness_mode in '
                             f'{self.MODES}, got {brightness_mode!r}')
        self.brightness_mode = brightness_mode
        self.contrast_range = _check_range(contrast_range, 'RandomContrast',
                                           'contrast_range', 0)
        self.brightness_range = _check_range(brightness_range,
                                             'RandomContrast',
                                             'brightness_range')
        self.prob = _check_prob(prob, 'RandomContrast')

    @cache_randomness
    def _params(self) -> Tuple[bool, float, float]:
        return (random.random() < self.prob,
                random.uniform(*self.contrast_range),
                random.uniform(*self.brightness_range))

    def transform(self, results: dict) -> dict:
        apply, alpha, beta = self._params()
        if apply:
            img = results['img'].astype(np.float32)
            if self.brightness_mode == 'mean':
                beta = beta * float(img.mean())
            img = img * alpha + beta
            results['img'] = np.clip(np.rint(img), 0, 255).astype(np.uint8)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(contrast_range={self.contrast_range}'
                f', brightness_range={self.brightness_range}, '
                f'prob={self.prob}, brightness_mode='
                f'{self.brightness_mode!r})')


@TRANSFORMS.register_module()
class RandomBlur(BaseTransform):
    """Gaussian or median blur with a random odd kernel size.

    Required Keys: img.  Modified Keys: img.

    Args:
        kernel_sizes (tuple[int]): odd kernel sizes to choose from.
        mode (str): ``'gaussian'``, ``'median'`` or ``'random'`` (either).
        prob (float): probability of applying.
    """

    MODES = ('gaussian', 'median', 'random')

    def __init__(self,
                 kernel_sizes: Sequence[int] = (3, ),
                 mode: str = 'random',
                 prob: float = 0.5):
        if not kernel_sizes or not all(
                isinstance(k, int) and k >= 3 and k % 2 == 1
                for k in kernel_sizes):
            raise ValueError('RandomBlur: expected odd kernel sizes >= 3, '
                             f'got {kernel_sizes!r}')
        if mode not in self.MODES:
            raise ValueError(f'RandomBlur: expected mode in {self.MODES}, '
                             f'got {mode!r}')
        self.kernel_sizes = tuple(kernel_sizes)
        self.mode = mode
        self.prob = _check_prob(prob, 'RandomBlur')

    @cache_randomness
    def _params(self) -> Tuple[bool, str, int]:
        mode = self.mode if self.mode != 'random' else random.choice(
            ('gaussian', 'median'))
        return (random.random() < self.prob, mode,
                random.choice(self.kernel_sizes))

    def transform(self, results: dict) -> dict:
        apply, mode, k = self._params()
        if apply:
            img = results['img']
            out = cv2.GaussianBlur(img, (k, k), 0) if mode == 'gaussian' \
                else cv2.medianBlur(np.ascontiguousarray(img), k)
            results['img'] = out.reshape(img.shape)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(kernel_sizes={self.kernel_sizes}, '
                f'mode={self.mode!r}, prob={self.prob})')


@TRANSFORMS.register_module()
class RandomNoise(BaseTransform):
    """Gaussian (additive) or multiplicative noise.

    The decision and the strength are shared by all frames of a sample; the
    noise field itself is drawn per frame (as sensor noise is).

    Required Keys: img.  Modified Keys: img.

    Args:
        mode (str): ``'gaussian'`` (``img + N(0, sigma)``, sigma in grey
            levels) or ``'multiplicative'`` (``img * U(1 - s, 1 + s)``).
        strength_range (tuple[float]): range of sigma (gaussian) or s
            (multiplicative).
        prob (float): probability of applying.
    """

    MODES = ('gaussian', 'multiplicative')

    def __init__(self,
                 mode: str = 'gaussian',
                 strength_range: Sequence[float] = (2.0, 8.0),
                 prob: float = 0.5):
        if mode not in self.MODES:
            raise ValueError(f'RandomNoise: expected mode in {self.MODES}, '
                             f'got {mode!r}')
        self.mode = mode
        self.strength_range = _check_range(strength_range, 'RandomNoise',
                                           'strength_range', 0)
        self.prob = _check_prob(prob, 'RandomNoise')

    @cache_randomness
    def _params(self) -> Tuple[bool, float]:
        return random.random() < self.prob, random.uniform(
            *self.strength_range)

    def transform(self, results: dict) -> dict:
        apply, s = self._params()
        if apply:
            img = results['img'].astype(np.float32)
            if self.mode == 'gaussian':
                img = img + np.random.normal(0.0, s, img.shape)
            else:
                img = img * np.random.uniform(1 - s, 1 + s, img.shape)
            results['img'] = np.clip(np.rint(img), 0, 255).astype(np.uint8)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(mode={self.mode!r}, strength_range='
                f'{self.strength_range}, prob={self.prob})')


@TRANSFORMS.register_module()
class RandomDownscale(BaseTransform):
    """Down-scale then up-scale back (loss of detail), e.g. half resolution.

    Required Keys: img.  Modified Keys: img (same shape).

    Args:
        scale_range (tuple[float]): range of the down-scale factor in
            (0, 1]; (0.5, 0.5) is the classification paper's half
            resolution.
        prob (float): probability of applying.
    """

    def __init__(self,
                 scale_range: Sequence[float] = (0.5, 0.5),
                 prob: float = 0.5):
        self.scale_range = _check_range(scale_range, 'RandomDownscale',
                                        'scale_range', 0.01)
        if self.scale_range[1] > 1:
            raise ValueError('RandomDownscale: expected scale_range within '
                             f'(0, 1], got {scale_range!r}')
        self.prob = _check_prob(prob, 'RandomDownscale')

    @cache_randomness
    def _params(self) -> Tuple[bool, float]:
        return random.random() < self.prob, random.uniform(*self.scale_range)

    def transform(self, results: dict) -> dict:
        apply, s = self._params()
        if apply:
            img = results['img']
            h, w = img.shape[:2]
            size = (max(1, round(w * s)), max(1, round(h * s)))
            small = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
            results['img'] = cv2.resize(
                small, (w, h), interpolation=cv2.INTER_LINEAR).reshape(
                    img.shape)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale_range={self.scale_range}, '
                f'prob={self.prob})')


@TRANSFORMS.register_module()
class RandomOneOf(BaseTransform):
    """With probability ``prob`` apply one of ``transforms``, chosen with
    probabilities proportional to ``weights`` (albumentations ``OneOf``).

    The coin and the choice are drawn once per sample, so inside
    :class:`BroadcastFrames` every frame gets the same choice (mmcv's
    ``RandomChoice`` fails there: its choice counts as drawn twice per
    frame under ``cache_random_params``). The chosen transform is applied as
    configured (give it ``prob=1`` for albumentations' forced apply).

    Required Keys: those of the wrapped transforms.  Modified Keys: idem.

    Args:
        transforms (list[dict | callable]): the candidates.
        weights (list[float], optional): non-negative, not all zero;
            uniform when None.
        prob (float): probability of applying one of them.
    """

    def __init__(self, transforms, weights=None, prob: float = 1.0):
        if not isinstance(transforms, (list, tuple)) or not transforms:
            raise ValueError('RandomOneOf: expected a non-empty list of '
                             f'transforms, got {transforms!r}')
        self.transforms = [
            TRANSFORMS.build(t) if isinstance(t, dict) else t
            for t in transforms
        ]
        if weights is None:
            weights = [1.0] * len(self.transforms)
        if (not isinstance(weights, (list, tuple))
                or len(weights) != len(self.transforms)
                or any(not isinstance(w, (int, float)) or w < 0
                       for w in weights) or sum(weights) <= 0):
            raise ValueError('RandomOneOf: expected one non-negative weight '
                             f'per transform ({len(self.transforms)}), not '
                             f'all zero, got {weights!r}')
        total = float(sum(weights))
        self.weights = tuple(float(w) / total for w in weights)
        self.prob = _check_prob(prob, 'RandomOneOf')

    def __iter__(self):
        return iter(self.transforms)

    @cache_randomness
    def _choice(self) -> int:
        """Index of the chosen transform, -1 for none."""
        if random.random() >= self.prob:
            return -1
        u, acc = random.random(), 0.0
        for i, w in enumerate(self.weights):
            acc += w
            if u < acc:
                return i
        return len(self.weights) - 1

    def transform(self, results: dict) -> dict:
        idx = self._choice()
        return results if idx < 0 else self.transforms[idx](results)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(transforms={self.transforms}, '
                f'weights={self.weights}, prob={self.prob})')
