"""Persistent per-series caches of the loading transforms.

- :class:`IntensityStatsCache`: the ``(lo, hi)`` intensity range of a
  series (e.g. the 0.5 / 99.5 percentiles over all its frames), computed
  once and kept as one small JSON file per series and setting, so a window
  loader decodes only the frames of its window.
- :func:`prepared_paths` / :func:`write_prepared` / :func:`read_prepared`:
  the optional preprocessed cache written by ``tools/misc/prepare_cache.py``
  (each series once as memory-mappable uint8 at the loader's output size).

Both are keyed by :func:`mmdsa.fileio.series_key` (path, size,
modification time, header and a sample of the pixel data of every file of
the series) and the loader's settings,
so a changed source file or setting never reads a stale entry. Files are
written atomically (temporary file + rename), so DataLoader workers may
share a folder.
"""
import hashlib
import json
import os
import os.path as osp
import warnings
from typing import Optional, Tuple

import numpy as np

from mmdsa.fileio.folder import load_npy
from mmdsa.utils.fileio import atomic_write

#: Version of the cached values; bump when their computation changes.
CACHE_VERSION = 2   # 2: padding pixels left out of the window


def default_cache_dir() -> str:
    """``$MMDSA_CACHE_DIR``, else ``~/.cache/mmdsa``."""
    return os.environ.get('MMDSA_CACHE_DIR') or osp.join(
        osp.expanduser('~'), '.cache', 'mmdsa')


def settings_key(series_key: str, settings: dict) -> str:
    """Hash of a series key, loader settings and :data:`CACHE_VERSION`."""
    text = json.dumps(dict(series=series_key, version=CACHE_VERSION,
                           **settings), sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()


def _atomic_write(path: str, write) -> None:
    """Call ``write(file_object)`` on a temporary sibling, then rename
    (:func:`mmdsa.utils.fileio.atomic_write`)."""

    def _writer(tmp):
        with open(tmp, 'wb') as f:
            write(f)

    atomic_write(path, writer=_writer, fsync=False, overwrite=True)


class IntensityStatsCache:
    """``(lo, hi)`` per series and intensity setting, in memory and on disk.

    Args:
        cache_dir (str | None): Folder of the JSON files; ``'auto'`` is
            ``default_cache_dir()/intensity_stats``; None keeps the values
            in memory only (per process).
    """

    def __init__(self, cache_dir: Optional[str] = 'auto'):
        if cache_dir == 'auto':
            cache_dir = osp.join(default_cache_dir(), 'intensity_stats')
        self.cache_dir = cache_dir
        self._memory: dict = {}
        self._warned = False

    def _file(self, key: str) -> str:
        return osp.join(self.cache_dir, key[:2], f'{key}.json')

    def get(self, key: str) -> Optional[Tuple[float, float]]:
        """The cached range of ``key`` (a :func:`settings_key`), or None."""
        if key in self._memory:
            return self._memory[key]
        if self.cache_dir is None:
            return None
        try:
            with open(self._file(key), encoding='utf-8') as f:
                entry = json.load(f)
            value = (float(entry['lo']), float(entry['hi']))
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent or unreadable: recompute and rewrite
        self._memory[key] = value
        return value

    def put(self, key: str, value: Tuple[float, float],
            source: str = '') -> None:
        """Remember ``value``; on disk too unless the folder is unwritable
        (then one warning and memory only)."""
        value = (float(value[0]), float(value[1]))
        self._memory[key] = value
        if self.cache_dir is None:
            return
        data = json.dumps(dict(lo=value[0], hi=value[1], source=source,
                               version=CACHE_VERSION)).encode()
        try:
            _atomic_write(self._file(key), lambda f: f.write(data))
        except OSError as exc:
            if not self._warned:
                warnings.warn(f'intensity statistics cache {self.cache_dir} '
                              f'is not writable ({exc}); keeping the values '
                              'in memory only')
                self._warned = True


def prepared_paths(cache_dir: str, key: str) -> Tuple[str, str]:
    """(``.npy`` frames, ``.json`` info) of a prepared-cache entry."""
    base = osp.join(cache_dir, key[:2], key)
    return base + '.npy', base + '.json'


def write_prepared(cache_dir: str, key: str, frames: np.ndarray,
                   info: dict) -> str:
    """Store uint8 (T, H, W) ``frames`` and ``info`` (atomically).

    The ``.npy`` file is renamed into place after its ``.json`` info, and a
    reader only trusts the pair when both exist.

    Returns:
        str: The ``.npy`` path.
    """
    frames = np.ascontiguousarray(frames, dtype=np.uint8)
    npy, meta = prepared_paths(cache_dir, key)
    text = json.dumps(dict(info, shape=list(frames.shape),
                           version=CACHE_VERSION), indent=1).encode()
    _atomic_write(meta, lambda f: f.write(text))
    _atomic_write(npy, lambda f: np.save(f, frames, allow_pickle=False))
    return npy


def read_prepared(cache_dir: str, key: str):
    """(memory-mapped uint8 (T, H, W) frames, info) or None when absent."""
    npy, meta = prepared_paths(cache_dir, key)
    if not (osp.isfile(npy) and osp.isfile(meta)):
        return None
    try:
        with open(meta, encoding='utf-8') as f:
            info = json.load(f)
        frames = load_npy(npy)  # the one .npy rule (mmdsa.fileio)
    except (OSError, ValueError):  # DSAReadError is a ValueError
        return None
    if frames.dtype != np.uint8 or list(frames.shape) != info.get('shape'):
        return None
    return frames, info
