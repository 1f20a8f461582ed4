"""Open a DSA series and decode its frames on demand.

:func:`open_dsa_series` reads only headers (DICOM headers with the pixel
data left in the file, PNG headers, memory-mapped ``.npy`` arrays) and
returns a :class:`SeriesSource`; :meth:`SeriesSource.read_frames` then
decodes just the frames asked for: uncompressed DICOM pixel data is
memory-mapped, encapsulated (JPEG, JPEG-LS, JPEG 2000, RLE) frames are
decoded one by one, and a folder reads only the files of those frames.
:func:`mmdsa.fileio.read_dsa_series` is ``open_dsa_series(path)`` followed by
:meth:`SeriesSource.read_series`, so both give the same values to the last
bit.
"""
import hashlib
import os
import os.path as osp
from typing import List, NamedTuple, Tuple

import numpy as np

from .dicom import (DEFAULT_MODALITIES, check_allocation, check_image_dataset,
                    read_dicom_dataset, stored_range)
from .dicom_pixels import (decode_frames, decode_stored, series_meta,
                           value_table)
from .dicom_meta import frame_times
from .errors import DSAReadError
from .folder import (array_meta, check_finite, dicom_folder_meta,
                     list_frame_files, load_png, no_timing, open_npy_file,
                     open_npy_folder, open_png_folder, scan_dicom_folder)
from .series import DSASeries


#: What :func:`series_key` reads of each file: the first HEAD bytes (the
#: whole DICOM header of ordinary files) and SAMPLES blocks of BLOCK bytes
#: spread evenly over the rest (the pixel data), the last block included.
KEY_HEAD_BYTES = 1 << 16
KEY_SAMPLES = 16
KEY_BLOCK_BYTES = 1 << 12


def _file_digest(digest, path: str) -> None:
    """Feed ``path``'s size, modification time, header and pixel sample."""
    with open(path, 'rb') as f:
        st = os.fstat(f.fileno())
        digest.update(f'{st.st_size}:{st.st_mtime_ns}\n'.encode())
        digest.update(f.read(KEY_HEAD_BYTES))
        rest = st.st_size - KEY_HEAD_BYTES
        if rest <= 0:
            return
        if rest <= KEY_SAMPLES * KEY_BLOCK_BYTES:
            digest.update(f.read(rest))
            return
        span = rest - KEY_BLOCK_BYTES
        for k in range(KEY_SAMPLES):
            f.seek(KEY_HEAD_BYTES + span * k // (KEY_SAMPLES - 1))
            digest.update(f.read(KEY_BLOCK_BYTES))


def series_key(path):
    """A short hash identifying the current content of a series' files.

    Built from the absolute path and, for every file the reader reads (the
    file itself, or each frame file of a folder, chosen by the reader's own
    rule :func:`mmdsa.fileio.folder.list_frame_files`): its name, size,
    modification time in nanoseconds, its first :data:`KEY_HEAD_BYTES`
    bytes (the header) and :data:`KEY_SAMPLES` blocks of
    :data:`KEY_BLOCK_BYTES` spread over the rest (the pixel data). A file
    replaced by other content, even with the same size and time, changes
    the key. Not covered: an edit that keeps size and time and touches
    only pixel bytes between the sampled blocks (a deliberate forgery;
    delete the cache folder after such an edit). Costs one ``stat`` and
    about 128 KiB of reading per file. Non-UTF-8 names and symbolic-link
    loops are handled as the reader handles them (a loop is no frame
    file).

    Args:
        path (str | os.PathLike): File or folder.

    Returns:
        str: 40 hex digits.

    Raises:
        DSAReadError: ``path`` does not exist, cannot be read, or is a
            folder the reader refuses (empty, mixed kinds).
    """
    path = os.fspath(path)
    digest = hashlib.sha1(os.fsencode(osp.abspath(path)) + b'\n')
    try:
        if osp.isdir(path):
            files = list_frame_files(path)[1]
        elif osp.exists(path):
            files = [path]
        else:
            raise FileNotFoundError(path)
        for file in files:
            digest.update(os.fsencode(osp.basename(file)) + b'\n')
            _file_digest(digest, file)
    except FileNotFoundError:
        raise DSAReadError(path, 'no such file or folder') from None
    except OSError as exc:
        raise DSAReadError(
            path, f'cannot be read ({exc.strerror or exc})') from exc
    return digest.hexdigest()


class StoredFrames(NamedTuple):
    """Stored integer frames and the value of every stored integer.

    ``values[frame.view(unsigned)]`` equals the frame as
    :meth:`SeriesSource.read_frames` returns it, to the last bit.

    Attributes:
        frames (list[np.ndarray]): N (H, W) 8- or 16-bit integer frames,
            all of one dtype (read-only memory-map views for uncompressed
            DICOM data).
        values (np.ndarray): float32 (256,) or (65536,) value of each bit
            pattern of the frames' dtype.
        valid (tuple[int, int]): (lowest, highest) stored value that
            BitsStored can represent; other values are possible (bits above
            BitsStored set) and ``values`` covers them too.
    """
    frames: List[np.ndarray]
    values: np.ndarray
    valid: Tuple[int, int]


class SeriesSource:
    """The header of one series; frames are decoded when asked for.

    Attributes:
        path (str): File or folder as given.
        num_frames (int): T.
        frame_shape (tuple[int, int]): (H, W).
        meta (dict): As :attr:`DSASeries.meta`.
        frame_times_ms (np.ndarray): (T,) float64.
        frame_time_source (str): See :data:`FRAME_TIME_SOURCES`.
    """

    def __init__(self, path, num_frames, frame_shape, meta, frame_times_ms,
                 frame_time_source):
        self.path = str(path)
        self.num_frames = int(num_frames)
        self.frame_shape = tuple(int(v) for v in frame_shape)
        self.meta = meta
        self.frame_times_ms = frame_times_ms
        self.frame_time_source = frame_time_source

    def _indices(self, indices):
        if indices is None:
            return list(range(self.num_frames))
        out = [int(i) for i in indices]
        bad = [i for i in out if not 0 <= i < self.num_frames]
        if bad:
            raise IndexError(f'{self.path}: frame indices {bad} outside [0, '
                             f'{self.num_frames - 1}]')
        return out

    def read_frames(self, indices=None):
        """Decode frames.

        Args:
            indices (Sequence[int], optional): Frame indices (repeats
                allowed), all frames when None.

        Returns:
            np.ndarray: float32 (N, H, W), equal to
            ``read_dsa_series(path).frames[indices]``.

        Raises:
            IndexError: an index outside ``[0, T - 1]``.
            DSAReadError: the frames cannot be decoded.
        """
        indices = self._indices(indices)
        shape = (len(indices), ) + self.frame_shape
        check_allocation(self.path, shape)
        out = np.empty(shape, dtype=np.float32)
        self._fill(indices, out)
        return out

    def _fill(self, indices, out):
        """Write the frames ``indices`` into ``out`` (T', H, W) float32;
        every source kind (DICOM file, folder, NPY, PNG) implements it."""
        raise NotImplementedError(
            f'{type(self).__name__}: a series source must implement _fill')

    def read_stored(self, indices=None):
        """Stored integer frames and their value table, where available.

        Lets a caller map each stored integer once (a table) instead of
        every pixel; :meth:`read_frames` gives the same values.

        Args:
            indices (Sequence[int], optional): Frame indices (repeats
                allowed), all frames when None.

        Returns:
            StoredFrames | None: None where the source has no 8 / 16-bit
            stored integers of one mapping (PNG / NPY sources, folders of
            single-frame files, 32-bit data): use :meth:`read_frames`.

        Raises:
            IndexError, DSAReadError: as :meth:`read_frames`.
        """
        self._indices(indices)
        return None

    def read_series(self):
        """All frames as a :class:`DSASeries`."""
        return DSASeries(self.read_frames(), self.frame_times_ms,
                         self.frame_time_source, dict(self.meta))

    def __repr__(self):
        return (f'{type(self).__name__}(path={self.path!r}, num_frames='
                f'{self.num_frames}, frame_shape={self.frame_shape})')


class DicomFileSource(SeriesSource):
    """One multi- or single-frame DICOM file."""

    def __init__(self, path, modalities=DEFAULT_MODALITIES):
        ds = read_dicom_dataset(path, defer=True)
        num_frames = check_image_dataset(ds, path, modalities)
        times, source = frame_times(ds, num_frames, path)
        super().__init__(path, num_frames, (ds.Rows, ds.Columns),
                         series_meta(ds, path, num_frames), times, source)
        self._ds = ds
        self._tables = {}

    def _fill(self, indices, out):
        all_frames = indices == list(range(self.num_frames))
        decode_frames(self._ds, self.path, out=out,
                      num_frames=self.num_frames,
                      indices=None if all_frames else indices)

    def read_stored(self, indices=None):
        return _read_stored(self._ds, self.path, self.num_frames,
                            self._indices(indices), self._tables)


class DicomFolderSource(SeriesSource):
    """A folder of single-frame DICOM files (or one multi-frame file)."""

    def __init__(self, folder, files, modalities=DEFAULT_MODALITIES):
        paths, datasets, num_frames = scan_dicom_folder(
            folder, files, modalities)
        times, source, meta = dicom_folder_meta(folder, paths, datasets,
                                                num_frames)
        super().__init__(folder, num_frames,
                         (datasets[0].Rows, datasets[0].Columns), meta, times,
                         source)
        self._paths, self._datasets = paths, datasets
        self._tables = {}

    def read_stored(self, indices=None):
        indices = self._indices(indices)
        if len(self._paths) != 1:
            return None
        return _read_stored(self._datasets[0], self._paths[0],
                            self.num_frames, indices, self._tables)

    def _fill(self, indices, out):
        if len(self._paths) == 1:
            all_frames = indices == list(range(self.num_frames))
            decode_frames(self._datasets[0], self._paths[0], out=out,
                          num_frames=self.num_frames,
                          indices=None if all_frames else indices)
            return
        for j, i in enumerate(indices):
            decode_frames(self._datasets[i], self._paths[i],
                          out=out[j:j + 1], num_frames=1)


def _read_stored(ds, path, num_frames, indices, tables):
    """:meth:`SeriesSource.read_stored` of one DICOM file; ``tables``
    keeps the value tables per (dtype, masked)."""
    frames, masked = decode_stored(ds, path, num_frames, indices,
                                   as_list=True)
    if not frames:
        return None
    dtype = frames[0].dtype
    key = (dtype.str, masked)
    if key not in tables:
        tables[key] = value_table(ds, path, dtype, masked)
    if tables[key] is None or any(f.dtype != dtype or f.shape !=
                                  frames[0].shape for f in frames):
        return None
    return StoredFrames(frames, tables[key], stored_range(ds))


class PngFolderSource(SeriesSource):
    """Greyscale PNG frames (a folder, or one PNG file)."""

    def __init__(self, folder, files):
        shape, bits = open_png_folder(folder, files)
        num_frames = len(files)
        super().__init__(
            folder, num_frames, shape,
            array_meta(folder, (num_frames, ) + shape, 'png', bits, files),
            no_timing(num_frames), 'none')
        self._files = list(files)

    def _fill(self, indices, out):
        for j, i in enumerate(indices):
            arr = load_png(self._files[i])
            if arr.shape != self.frame_shape:
                raise DSAReadError(
                    self._files[i], f'expected a {self.frame_shape[0]} x '
                    f'{self.frame_shape[1]} frame, got {arr.shape}')
            out[j] = arr
            check_finite(out[j], self._files[i])


class NpyFolderSource(SeriesSource):
    """A folder of ``.npy`` (H, W) frames (memory-mapped)."""

    def __init__(self, folder, files):
        arrays, bits = open_npy_folder(folder, files)
        num_frames = len(files)
        shape = (num_frames, ) + arrays[0].shape
        super().__init__(folder, num_frames, arrays[0].shape,
                         array_meta(folder, shape, 'npy', bits, files),
                         no_timing(num_frames), 'none')
        self._arrays, self._files = arrays, list(files)

    def _fill(self, indices, out):
        for j, i in enumerate(indices):
            check_finite(self._arrays[i], self._files[i])
            out[j] = self._arrays[i]


class NpyFileSource(SeriesSource):
    """A ``.npy`` file of (T, H, W) frames or one (H, W) frame."""

    def __init__(self, path):
        arr, bits = open_npy_file(path)
        super().__init__(path, arr.shape[0], arr.shape[1:],
                         array_meta(path, arr.shape, 'npy', bits),
                         no_timing(arr.shape[0]), 'none')
        self._arr = arr

    def _fill(self, indices, out):
        if indices == list(range(self.num_frames)):
            check_finite(self._arr, self.path)
            out[...] = self._arr
            return
        for j, i in enumerate(indices):
            check_finite(self._arr[i], self.path)
            out[j] = self._arr[i]


def open_dsa_series(path, modalities=DEFAULT_MODALITIES):
    """Open a series for on-demand frame decoding.

    Accepts every input of :func:`mmdsa.fileio.read_dsa_series`.

    Args:
        path (str | os.PathLike): File or folder.
        modalities (tuple[str] | str): DICOM Modality values accepted
            (default XA / RF, plus secondary-capture DSA exports); ``'any'``
            accepts every modality.

    Returns:
        SeriesSource: Header information and :meth:`~SeriesSource.read_frames`.

    Raises:
        DSAReadError: see :func:`mmdsa.fileio.read_dsa_series`.
        TypeError: ``path`` is not a str / os.PathLike.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError('open_dsa_series: expected a str or os.PathLike '
                        f'path, got {type(path).__name__}')
    path = os.fspath(path)
    if osp.isdir(path):
        kind, files = list_frame_files(path)
        if kind == 'dicom':
            return DicomFolderSource(path, files, modalities)
        if kind == 'png':
            return PngFolderSource(path, files)
        return NpyFolderSource(path, files)
    if osp.isfile(path):
        ext = osp.splitext(path)[1].lower()
        if ext == '.npy':
            return NpyFileSource(path)
        if ext == '.png':
            return PngFolderSource(path, [path])
        return DicomFileSource(path, modalities)
    raise DSAReadError(path, 'no such file or folder')
