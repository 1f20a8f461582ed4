"""The in-memory representation of one DSA series."""
from dataclasses import dataclass, field

import numpy as np

#: Frame-time sources in order of precedence; ``'none'`` means no timing tag
#: was found and the default interval was used.
FRAME_TIME_SOURCES = ('FrameTimeVector', 'FrameTime', 'CineRate',
                      'RecommendedDisplayFrameRate', 'none')

#: Interval between frames (ms) assumed when a series has no timing at all
#: (PNG / NPY input, or DICOM without any of the tags above).
DEFAULT_FRAME_INTERVAL_MS = 1000.0


@dataclass
class DSASeries:
    """One DSA run as read by :func:`mmdsa.fileio.read_dsa_series`.

    Attributes:
        frames (np.ndarray): float32 array of shape (T, H, W): the stored
            values after the Modality LUT / rescale slope + intercept, with
            MONOCHROME1 data inverted to MONOCHROME2 semantics (higher value =
            brighter). After log subtraction: see
            :func:`mmdsa.fileio.log_subtract` for the value convention.
        frame_times_ms (np.ndarray): float64 array of shape (T,): acquisition
            time of each frame in milliseconds relative to the first frame
            (``frame_times_ms[0] == 0``, non-decreasing).
        frame_time_source (str): Where the timing came from, one of
            :data:`FRAME_TIME_SOURCES`. ``'none'`` means no timing was
            available and frames are assumed :data:`DEFAULT_FRAME_INTERVAL_MS`
            apart.
        meta (dict): Header information: ``modality``, ``sop_class_uid``,
            ``rows``, ``columns``, ``bits_stored``,
            ``photometric_interpretation`` (as stored in the file),
            ``view`` ('PA' | 'LAT' | 'unknown'), ``patient_id``,
            ``study_uid``, ``series_uid``, ``acquisition_datetime`` (ISO
            string or None), ``pixel_spacing`` ([row, column] mm or None),
            ``window_center``, ``window_width``, ``path``, plus
            ``num_frames``, ``source_format`` and reader-specific extras.
            Missing values are None.
    """

    frames: np.ndarray
    frame_times_ms: np.ndarray
    frame_time_source: str = 'none'
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.frames, np.ndarray) or self.frames.ndim != 3:
            raise ValueError(
                'DSASeries.frames: expected a 3-D (T, H, W) numpy array, got '
                f'{type(self.frames).__name__} with shape '
                f'{getattr(self.frames, "shape", None)}')
        if self.frames.dtype != np.float32:
            raise TypeError('DSASeries.frames: expected dtype float32, got '
                            f'{self.frames.dtype}')
        times = np.asarray(self.frame_times_ms, dtype=np.float64)
        if times.shape != (self.frames.shape[0], ):
            raise ValueError(
                'DSASeries.frame_times_ms: expected shape '
                f'({self.frames.shape[0]},) (one time per frame), got '
                f'{times.shape}')
        self.frame_times_ms = times
        if self.frame_time_source not in FRAME_TIME_SOURCES:
            raise ValueError(
                'DSASeries.frame_time_source: expected one of '
                f'{FRAME_TIME_SOURCES}, got {self.frame_time_source!r}')

    @property
    def num_frames(self):
        """int: Number of frames T."""
        return int(self.frames.shape[0])

    def __repr__(self):
        return (f'{type(self).__name__}(frames={self.frames.shape}, '
                f'frame_time_source={self.frame_time_source!r}, '
                f'view={self.meta.get("view")!r}, '
                f'path={self.meta.get("path")!r})')
