"""Loading transforms: whole series and T-frame windows around a key frame.

Frames are decoded on demand (:func:`mmdsa.fileio.open_dsa_series`): a
window loader decodes only the ``num_frames`` frames of its window, not the
whole series. The intensity mapping still uses one range for the whole
series (e.g. its 0.5 / 99.5 percentiles); that range is computed once per
series and setting and kept in a small persistent cache
(:class:`~.series_cache.IntensityStatsCache`, keyed by the path, size and
modification time of the series' files), so the frames are the same, to the
last grey value, as mapping the whole decoded series.

DICOM files with 8- or 16-bit stored integers are not converted to float32:
each stored integer's grey value is computed once (a table built with the
float32 mapping itself) and applied by :class:`~.intensity.StoredToUint8`,
which gives the same uint8 frames; other inputs (PNG, NPY, folders of
single-frame files) take the float32 path.

Each process (DataLoader worker) also keeps the ``cache_size`` most
recently used series (their headers and the frames decoded so far) in an
LRU cache. With ``prepared_cache`` set, series written by
``tools/misc/prepare_cache.py`` are read from there (memory-mapped uint8 at
the loader's output size) and nothing is decoded.
"""
import os.path as osp
import warnings
from collections import OrderedDict
from typing import List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmdsa.fileio import (DEFAULT_MODALITIES, open_dsa_series,
                          read_dsa_series, series_key)
from mmdsa.registry import TRANSFORMS
from mmdsa.structures.window import window_indices
from .intensity import (INTENSITY_MODES, StoredToUint8, intensity_range,
                        map_to_uint8, padding_mask)
from .series_cache import (IntensityStatsCache, prepared_paths, read_prepared,
                           settings_key, write_prepared)


def read_series(path: str) -> Tuple[np.ndarray, dict]:
    """Float32 (T, H, W) frames and the meta dict of any series input
    (:func:`mmdsa.fileio.read_dsa_series`)."""
    series = read_dsa_series(path)
    return series.frames, dict(series.meta)


class _Entry:
    """One opened series in a loader's LRU cache."""

    def __init__(self, source=None, prepared=None, value_range=None,
                 ori_shape=None, length=0, decoded=None):
        self.source = source  # SeriesSource, None for a prepared entry
        self.prepared = prepared  # uint8 (T, h, w) memory map or None
        self.value_range = value_range
        self.ori_shape = ori_shape
        self.length = length
        self.decoded = decoded  # float32 series decoded for the statistics
        self.frames = {}  # frame index -> uint8 frame at output size
        self.mapper = None  # StoredToUint8 of the stored frames' dtype
        # (low, high) values of padding pixels (PixelPaddingValue), or None
        self.padding = None if source is None else \
            source.meta.get('padding_range')
        self.pad_table = None  # bool table of padding stored values


class _SeriesLoaderBase(BaseTransform):
    """Shared intensity mapping, resize-on-load and caches."""

    def __init__(self,
                 intensity: str = 'minmax',
                 percentiles: Sequence[float] = (0.5, 99.5),
                 bits: Optional[int] = None,
                 resize: Optional[Union[int, Tuple[int, int]]] = None,
                 cache_size: int = 4,
                 stats_cache: Optional[str] = 'auto',
                 prepared_cache: Optional[str] = None,
                 modalities: Union[str, Sequence[str]] = DEFAULT_MODALITIES):
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
        if modalities != 'any':
            if isinstance(modalities, str) or not all(
                    isinstance(m, str) for m in modalities):
                raise ValueError(f"{type(self).__name__}: expected "
                                 "modalities = 'any' or a list of DICOM "
                                 f"Modality codes, got {modalities!r}")
            modalities = tuple(m.upper() for m in modalities)
        self.intensity = intensity
        self.percentiles = tuple(float(p) for p in percentiles)
        self.bits = bits
        self.resize = resize
        self.cache_size = cache_size
        self.stats_cache = stats_cache
        self.prepared_cache = prepared_cache
        self.modalities = modalities
        self._stats = IntensityStatsCache(stats_cache)
        self._cache: OrderedDict = OrderedDict()
        self._warned_prepared = False

    def output_settings(self) -> dict:
        """Everything that determines the uint8 frames (prepared-cache
        key)."""
        return dict(kind='prepared', intensity=self.intensity,
                    percentiles=list(self.percentiles), bits=self.bits,
                    resize=None if self.resize is None else list(self.resize))

    def _value_range(self, path: str, key: str, source) -> tuple:
        """((lo, hi), float frames decoded to compute it or None)."""
        if self.intensity == 'minmax':
            stats_key = settings_key(key, dict(
                kind='intensity', intensity='minmax',
                percentiles=list(self.percentiles)))
            cached = self._stats.get(stats_key)
            if cached is not None:
                return cached, None
            frames = source.read_frames()
            value = intensity_range(frames, 'minmax', self.percentiles,
                                    where=path,
                                    padding=source.meta.get('padding_range'))
            self._stats.put(stats_key, value, source=osp.abspath(path))
            return value, frames
        meta = source.meta
        bits = self.bits if self.bits is not None else meta.get(
            'bits_stored')
        window = (meta.get('window_center'), meta.get('window_width'))
        if self.intensity == 'window' and None in window:
            window = None
        return intensity_range(None, self.intensity, self.percentiles, bits,
                               window, where=path), None

    def _open(self, path: str, key: str) -> _Entry:
        if self.prepared_cache is not None:
            hit = read_prepared(self.prepared_cache,
                                settings_key(key, self.output_settings()))
            if hit is not None:
                frames, info = hit
                return _Entry(prepared=frames,
                              ori_shape=tuple(info['ori_shape']),
                              length=int(frames.shape[0]))
            if not self._warned_prepared:
                warnings.warn(
                    f'{type(self).__name__}: {path} is not in the prepared '
                    f'cache {self.prepared_cache} (new or changed file, or '
                    'other loader settings); decoding it. Run '
                    'tools/misc/prepare_cache.py to refresh the cache')
                self._warned_prepared = True
        source = open_dsa_series(path, self.modalities)
        value_range, decoded = self._value_range(path, key, source)
        return _Entry(source=source, value_range=value_range,
                      ori_shape=source.frame_shape,
                      length=source.num_frames, decoded=decoded)

    def _entry(self, path: str) -> _Entry:
        if not osp.exists(path):
            raise FileNotFoundError(f'{type(self).__name__}: series file '
                                    f'or folder {path} not found')
        key = series_key(path)
        entry = self._cache.get(key)
        if entry is not None:
            self._cache.move_to_end(key)
            return entry
        entry = self._open(path, key)
        if self.cache_size:
            self._cache[key] = entry
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return entry

    def _to_output(self, floats: np.ndarray, value_range,
                   overwrite: bool = False, padding=None) -> np.ndarray:
        """uint8 frames at output size; padding pixels become 0."""
        mask = padding_mask(floats, padding)
        out = map_to_uint8(floats, *value_range, overwrite)
        if mask is not None:
            out[mask] = 0
        return self._resize(out)

    @staticmethod
    def _map_stored(entry: _Entry, stored) -> np.ndarray:
        """uint8 (N, H, W) of :class:`~mmdsa.fileio.source.StoredFrames`:
        the same values as mapping :meth:`read_frames`' floats."""
        frames = stored.frames
        dtype = frames[0].dtype
        if entry.mapper is None or entry.mapper.dtype != dtype:
            entry.mapper = StoredToUint8(stored.values, dtype, stored.valid,
                                         *entry.value_range)
        out = np.empty((len(frames), ) + frames[0].shape, np.uint8)
        if entry.padding is not None and entry.pad_table is None:
            entry.pad_table = padding_mask(stored.values, entry.padding)
        for frame, dst in zip(frames, out):
            entry.mapper(frame, dst)
            if entry.pad_table is not None:
                unsigned = np.dtype(f'u{frame.dtype.itemsize}')
                dst[entry.pad_table[frame.view(unsigned)]] = 0
        return out

    def _resize(self, imgs: np.ndarray) -> np.ndarray:
        if self.resize is not None and (imgs.shape[2],
                                        imgs.shape[1]) != self.resize:
            imgs = np.stack([
                cv2.resize(f, self.resize, interpolation=cv2.INTER_AREA)
                for f in imgs
            ])
        return imgs

    def _frames(self, entry: _Entry, indices: Sequence[int]) -> List:
        missing = sorted({i for i in indices if i not in entry.frames})
        if missing:
            if entry.prepared is not None:
                new = np.array(entry.prepared[missing])
            else:
                stored = None if entry.decoded is not None else \
                    entry.source.read_stored(missing)
                if stored is not None:
                    new = self._resize(self._map_stored(entry, stored))
                else:
                    floats = entry.decoded[missing] \
                        if entry.decoded is not None \
                        else entry.source.read_frames(missing)
                    # a fresh array either way (decoded[missing] copies)
                    new = self._to_output(floats, entry.value_range,
                                          overwrite=True,
                                          padding=entry.padding)
            entry.frames.update(zip(missing, new))
        entry.decoded = None  # only kept for the request that opened it
        return [entry.frames[i] for i in indices]

    def load(self, path: str) -> Tuple[np.ndarray, Tuple[int, int]]:
        """uint8 (T, H, W) frames of ``path`` and its original (H, W)."""
        entry = self._entry(path)
        return (np.stack(self._frames(entry, range(entry.length))),
                entry.ori_shape)

    def prepare(self, path: str, cache_dir: str) -> Tuple[str, bool]:
        """Write ``path``'s output frames into the prepared cache.

        The frames are exactly what this loader returns (intensity-mapped
        uint8 at its output size), keyed by :func:`mmdsa.fileio.series_key`
        and :meth:`output_settings`.

        Args:
            path (str): Any series input.
            cache_dir (str): Prepared-cache folder.

        Returns:
            tuple[str, bool]: The ``.npy`` path and whether it was written
            (False: an entry for the same files and settings exists).
        """
        key = series_key(path)
        cache_key = settings_key(key, self.output_settings())
        npy, _ = prepared_paths(cache_dir, cache_key)
        if read_prepared(cache_dir, cache_key) is not None:
            return npy, False
        source = open_dsa_series(path, self.modalities)
        value_range, decoded = self._value_range(path, key, source)
        floats = decoded if decoded is not None else source.read_frames()
        frames = self._to_output(floats, value_range,
                                 padding=source.meta.get('padding_range'))
        write_prepared(cache_dir, cache_key, frames, dict(
            source=osp.abspath(path), series_key=key,
            ori_shape=list(source.frame_shape),
            settings=self.output_settings()))
        return npy, True

    def _repr_args(self) -> str:
        return (f'intensity={self.intensity!r}, percentiles='
                f'{self.percentiles}, bits={self.bits}, resize={self.resize}'
                f', cache_size={self.cache_size}, stats_cache='
                f'{self.stats_cache!r}, prepared_cache='
                f'{self.prepared_cache!r}, modalities={self.modalities!r}')


def check_annotation_size(results: dict, path: str,
                          ori_shape: Tuple[int, int]) -> None:
    """Raise ValueError if the annotation's width/height differ from the
    file's frames (boxes would be clipped against the wrong size)."""
    width, height = results.get('width'), results.get('height')
    if width is None or height is None:
        return
    if (int(height), int(width)) != tuple(ori_shape):
        entry = ', '.join(f'{k}={results[k]!r}' for k in
                          ('series_id', 'img_id', 'frame_id') if k in results)
        raise ValueError(
            f'{path}: the annotation entry ({entry or "no id"}) says width x '
            f'height = {width} x {height}, the file\'s frames are '
            f'{ori_shape[1]} x {ori_shape[0]}; fix the annotation file')


@TRANSFORMS.register_module()
class LoadDSASeries(_SeriesLoaderBase):
    """Load every frame of a series (or of both views of a pair).

    Required Keys:
        - img_path (str | list[str]): any input of
          :func:`mmdsa.fileio.read_dsa_series` (DICOM file or folder, PNG /
          NPY frame folder, .npy file); a list in pair mode (PA, LAT).
        - width, height (int, optional): checked against the file.

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
        cache_size (int): opened series (header and the frames decoded so
            far) kept per process (LRU); 0 disables it.
        stats_cache (str, optional): folder of the persistent intensity
            statistics cache; ``'auto'`` (default): ``$MMDSA_CACHE_DIR`` or
            ``~/.cache/mmdsa``, under ``intensity_stats/``; None: memory
            only.
        prepared_cache (str, optional): folder written by
            ``tools/misc/prepare_cache.py``; series found there (same
            files, same settings) are read from it.
        modalities (str | list[str]): DICOM Modality values accepted
            (default XA, RF and secondary-capture exports); ``'any'`` reads
            every modality.
    """

    def transform(self, results: dict) -> dict:
        paths = results['img_path']
        paths = list(paths) if isinstance(paths, (list, tuple)) else [paths]
        imgs, lengths, frame_ids, shapes = [], [], [], []
        for path in paths:
            entry = self._entry(path)
            if len(paths) == 1:
                check_annotation_size(results, path, entry.ori_shape)
            imgs.extend(self._frames(entry, range(entry.length)))
            lengths.append(entry.length)
            frame_ids.extend(range(entry.length))
            shapes.append(entry.ori_shape)
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
    at ``key_frame_index = num_frames // 2``
    (:func:`mmdsa.structures.window_indices`, the rule the whole-series
    inference uses too).

    Required Keys:
        - img_path (str): any input of :func:`mmdsa.fileio.read_dsa_series`.
        - frame_id (int)
        - series_length (int, optional): checked against the file.
        - width, height (int, optional): checked against the file.

    Added Keys:
        - imgs (list[np.ndarray]): ``num_frames`` uint8 (H, W) frames.
        - img_shape, ori_shape (tuple): (H, W).
        - frame_ids (list[int]): series indices of the window's frames.
        - key_frame_index (int): ``num_frames // 2``.
        - num_frames (int): ``num_frames``.

    Args:
        num_frames (int): window length T (odd: 1, 3, 5).
        stride (int): step between window frames.
        intensity, percentiles, bits, cache_size, stats_cache,
            prepared_cache, modalities: see :class:`LoadDSASeries`
            (``resize`` is not offered here: use mmdet ``Resize`` so boxes
            and ``scale_factor`` follow).
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
        """Series indices of the window around ``frame_id`` (clamped,
        :func:`mmdsa.structures.window_indices`)."""
        return window_indices(frame_id, self.num_frames, length, self.stride)

    def transform(self, results: dict) -> dict:
        path = results['img_path']
        entry = self._entry(path)
        ori_shape, length = entry.ori_shape, entry.length
        check_annotation_size(results, path, ori_shape)
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
            imgs=self._frames(entry, idx), img_shape=ori_shape,
            ori_shape=ori_shape, frame_ids=idx,
            key_frame_index=self.num_frames // 2,
            num_frames=self.num_frames)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_frames={self.num_frames}, '
                f'stride={self.stride}, {self._repr_args()})')
