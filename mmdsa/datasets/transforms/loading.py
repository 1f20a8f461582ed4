"""Loading transforms: whole series and T-frame windows around a key frame.

Decoded series are kept in a small per-process LRU cache (one per transform
instance; each DataLoader worker process has its own copy), keyed by the
file path, its size and modification time. ``LoadDSAWindow`` is called once
per key frame, so without the cache a series of N frames would be decoded N
times per epoch. The cache holds the already intensity-mapped uint8 frames;
``cache_size`` series per process (default 4; 0 disables it).
"""
import os
import os.path as osp
from collections import OrderedDict
from typing import Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmdsa.registry import TRANSFORMS
from .intensity import INTENSITY_MODES, to_uint8


def read_series(path: str) -> Tuple[np.ndarray, dict]:
    """Read a series as float32 (T, H, W) frames and a meta dict.

    ``.npy`` files hold the (T, H, W) array (meta is empty); anything else
    is read as DICOM by :func:`mmdsa.fileio.read_dsa_series`.
    """
    if path.lower().endswith('.npy'):
        try:
            frames = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ValueError(f'{path}: cannot read NPY series ({exc})') \
                from exc
        if frames.ndim != 3:
            raise ValueError(f'{path}: expected a (T, H, W) array, got shape '
                             f'{frames.shape}')
        return frames.astype(np.float32), {}
    from mmdsa.fileio import read_dsa_series  # lazy: pydicom import
    series = read_dsa_series(path)
    return series.frames, dict(series.meta)


class _SeriesLoaderBase(BaseTransform):
    """Shared intensity mapping, resize-on-load and LRU cache."""

    def __init__(self,
                 intensity: str = 'minmax',
                 percentiles: Sequence[float] = (0.5, 99.5),
                 bits: Optional[int] = None,
                 resize: Optional[Union[int, Tuple[int, int]]] = None,
                 cache_size: int = 4):
        if intensity not in INTENSITY_MODES:
            raise ValueError(f'{type(self).__name__}: expected intensity in '
                             f'{INTENSITY_MODES}, got {intensity!r}')
        if resize is not None:
            if isinstance(resize, int) and not isinstance(resize, bool):
                resize = (resize, resize)
            if not (isinstance(resize, (tuple, list)) and len(resize) == 2
                    and all(isinstance(v, int) and v > 0 for v in resize)):
                raise ValueError(f'{type(self).__name__}: expected resize = '
                                 'None, an int or (width, height), got '
                                 f'{resize!r}')
            resize = tuple(resize)
        if not isinstance(cache_size, int) or cache_size < 0:
            raise ValueError(f'{type(self).__name__}: expected cache_size '
                             f'>= 0, got {cache_size!r}')
        self.intensity = intensity
        self.percentiles = tuple(percentiles)
        self.bits = bits
        self.resize = resize
        self.cache_size = cache_size
        self._cache: OrderedDict = OrderedDict()

    def _decode(self, path: str) -> Tuple[np.ndarray, Tuple[int, int]]:
        frames, meta = read_series(path)
        ori_shape = tuple(int(v) for v in frames.shape[1:3])
        bits = self.bits if self.bits is not None else meta.get(
            'bits_stored')
        window = (meta.get('window_center'), meta.get('window_width'))
        if self.intensity == 'window' and None in window:
            window = None
        imgs = to_uint8(frames, self.intensity, self.percentiles, bits,
                        window, where=path)
        if self.resize is not None and (imgs.shape[2],
                                        imgs.shape[1]) != self.resize:
            imgs = np.stack([
                cv2.resize(f, self.resize, interpolation=cv2.INTER_AREA)
                for f in imgs
            ])
        return imgs, ori_shape

    def load(self, path: str) -> Tuple[np.ndarray, Tuple[int, int]]:
        """uint8 (T, H, W) frames of ``path`` (cached) and original (H, W)."""
        if not osp.isfile(path):
            raise FileNotFoundError(f'{type(self).__name__}: series file '
                                    f'{path} not found')
        st = os.stat(path)
        key = (path, st.st_size, st.st_mtime_ns)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        value = self._decode(path)
        if self.cache_size:
            self._cache[key] = value
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return value

    def _repr_args(self) -> str:
        return (f'intensity={self.intensity!r}, percentiles='
                f'{self.percentiles}, bits={self.bits}, resize={self.resize}'
                f', cache_size={self.cache_size}')


@TRANSFORMS.register_module()
class LoadDSASeries(_SeriesLoaderBase):
    """Load every frame of a series (or of both views of a pair).

    Required Keys:
        - img_path (str | list[str]): a list in pair mode (PA, LAT).

    Added Keys:
        - imgs (list[np.ndarray]): T uint8 (H, W) frames (pair mode: the PA
          frames, then the LAT frames).
        - img_shape (tuple): (H, W) after resize-on-load.
        - ori_shape (tuple): (H, W) of the file.
        - scale_factor (tuple): (w_scale, h_scale) of resize-on-load.
        - frame_ids (list[int]): frame indices into the file(s).
        - key_frame_index (int): 0 (no key frame in classification).
        - view_lengths (list[int]): frames per view (one entry per file).

    Args:
        intensity (str): ``'minmax'`` (default), ``'bits'`` or
            ``'window'``; see :func:`to_uint8`.
        percentiles (tuple[float]): window of ``'minmax'``.
        bits (int, optional): bit depth for ``'bits'`` (default: the
            DICOM's BitsStored).
        resize (int | tuple[int, int], optional): (width, height) to resize
            to while loading (area interpolation), which makes later
            transforms on large (1024 px) series much faster. For detection
            use mmdet ``Resize`` instead (it tracks ``scale_factor``).
        cache_size (int): decoded series kept per process (LRU).
    """

    def transform(self, results: dict) -> dict:
        paths = results['img_path']
        paths = list(paths) if isinstance(paths, (list, tuple)) else [paths]
        imgs, lengths, frame_ids, shapes = [], [], [], []
        for path in paths:
            arr, ori_shape = self.load(path)
            imgs.extend(list(arr))
            lengths.append(len(arr))
            frame_ids.extend(range(len(arr)))
            shapes.append(ori_shape)
        h, w = imgs[0].shape[:2]
        results.update(
            imgs=imgs, img_shape=(h, w), ori_shape=shapes[0],
            scale_factor=(w / shapes[0][1], h / shapes[0][0]),
            frame_ids=frame_ids, key_frame_index=0, view_lengths=lengths)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self._repr_args()})'


@TRANSFORMS.register_module()
class LoadDSAWindow(_SeriesLoaderBase):
    """Load ``num_frames`` frames centred on the key frame.

    Frame ``k`` of the window is series frame ``frame_id + stride * (k -
    num_frames // 2)`` clamped to ``[0, series_length - 1]``: near the
    series' ends the edge frame is repeated, so the key frame always sits
    at ``key_frame_index = num_frames // 2``.

    Required Keys:
        - img_path (str)
        - frame_id (int)
        - series_length (int, optional): checked against the file.

    Added Keys:
        - imgs (list[np.ndarray]): ``num_frames`` uint8 (H, W) frames.
        - img_shape, ori_shape (tuple): (H, W).
        - frame_ids (list[int]): series indices of the window's frames.
        - key_frame_index (int): ``num_frames // 2``.
        - num_frames (int): ``num_frames``.

    Args:
        num_frames (int): window length T (odd: 1, 3, 5).
        stride (int): step between window frames.
        intensity, percentiles, bits, cache_size: see
            :class:`LoadDSASeries` (``resize`` is not offered here: use
            mmdet ``Resize`` so boxes and ``scale_factor`` follow).
    """

    def __init__(self, num_frames: int = 5, stride: int = 1, **kwargs):
        if 'resize' in kwargs:
            raise TypeError('LoadDSAWindow: resize-on-load is not supported '
                            '(use mmdet Resize in a BroadcastFrames wrapper '
                            'so boxes and scale_factor follow)')
        super().__init__(**kwargs)
        for name, value in (('num_frames', num_frames), ('stride', stride)):
            if not isinstance(value, int) or isinstance(value, bool) or \
                    value < 1:
                raise ValueError(f'LoadDSAWindow: expected {name} to be a '
                                 f'positive integer, got {value!r}')
        if num_frames % 2 == 0:
            raise ValueError('LoadDSAWindow: expected an odd num_frames so '
                             f'the key frame is centred, got {num_frames}')
        self.num_frames = num_frames
        self.stride = stride

    def window_indices(self, frame_id: int, length: int) -> list:
        """Series indices of the window around ``frame_id`` (clamped)."""
        half = self.num_frames // 2
        return [
            min(max(frame_id + self.stride * (k - half), 0), length - 1)
            for k in range(self.num_frames)
        ]

    def transform(self, results: dict) -> dict:
        path = results['img_path']
        arr, ori_shape = self.load(path)
        length = len(arr)
        expected = results.get('series_length')
        if expected is not None and expected != length:
            raise ValueError(f'{path}: annotation says series_length='
                             f'{expected}, the file has {length} frames')
        fid = results['frame_id']
        if not 0 <= fid < length:
            raise ValueError(f'{path}: expected frame_id in [0, '
                             f'{length - 1}], got {fid}')
        idx = self.window_indices(fid, length)
        results.update(
            imgs=[arr[i] for i in idx], img_shape=ori_shape,
            ori_shape=ori_shape, frame_ids=idx,
            key_frame_index=self.num_frames // 2,
            num_frames=self.num_frames)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_frames={self.num_frames}, '
                f'stride={self.stride}, {self._repr_args()})')
