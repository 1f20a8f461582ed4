"""``read_dsa_series``: one entry point for every supported series layout."""
import warnings

from .dicom import DEFAULT_MODALITIES
from .errors import DSAReadError
from .series import DSASeries
from .source import open_dsa_series
from .subtraction import log_subtract


def read_dsa_series(path, subtract_mask=None, modalities=DEFAULT_MODALITIES):
    """Read a DSA (or raw X-ray) series into a :class:`DSASeries`.

    Supported inputs:

    - a DICOM file, multi-frame (XA/RF cine) or single-frame, uncompressed
      or compressed (decoded through pydicom's pixel-data plugins);
    - a folder of single-frame DICOM files of one series, ordered by
      InstanceNumber, then acquisition date-time, then file name;
    - a folder of greyscale PNG frames or of ``.npy`` (H, W) frames, in
      natural file-name order (``f2`` before ``f10``);
    - a ``.npy`` file holding (T, H, W) frames (or one (H, W) frame).

    ``frames`` hold the stored values after the Modality LUT / rescale, with
    MONOCHROME1 inverted to MONOCHROME2 semantics. ``frame_times_ms`` come
    from FrameTimeVector, FrameTime, CineRate or RecommendedDisplayFrameRate
    (first present wins); PNG/NPY input and DICOM without these tags get
    frames 1000 ms apart with ``frame_time_source == 'none'``.

    Args:
        path (str | os.PathLike): File or folder.
        subtract_mask (int, optional): When given, the frames are turned into
            DSA with :func:`log_subtract` using this frame index as the mask;
            ``meta['subtraction']`` records it.
        modalities (tuple[str] | str): DICOM Modality values accepted:
            XA and RF by default, plus secondary-capture objects with
            Modality XA/RF/OT or none (vendors' DSA exports); ``'any'``
            reads every modality (CT, MR, ...).

    Returns:
        DSASeries: frames float32 (T, H, W), frame_times_ms (T,), source,
        meta.

    Raises:
        DSAReadError: the input is missing, not DICOM/PNG/NPY, truncated,
            has no or empty pixel data, is a non-image object (structured
            report, RT dose...), uses a transfer syntax without an installed
            decoder, is not greyscale, has zero frames, has a header that
            disagrees with its pixel data (NumberOfFrames, Rows, Columns),
            a malformed integer field, a NaN / infinite / zero
            RescaleSlope, a modality outside ``modalities``, would not fit
            in memory, or a folder is empty, mixes file kinds or series,
            holds one SOP instance twice or frames of different sizes.
        TypeError: ``path`` is not a str / os.PathLike.
    """
    series = open_dsa_series(path, modalities).read_series()
    if subtract_mask is not None:
        series = _subtract(series, subtract_mask)
    return series


def _subtract(series, mask_index):
    """Apply log mask subtraction to a freshly read series."""
    if series.meta.get('pixel_intensity_relationship') == 'LOG':
        warnings.warn(
            f'{series.meta["path"]}: PixelIntensityRelationship is LOG; log '
            'subtraction expects linear intensities')
    try:
        frames = log_subtract(series.frames, mask_index=mask_index)
    except ValueError as exc:
        raise DSAReadError(series.meta['path'],
                           f'cannot subtract the mask: {exc}') from exc
    meta = dict(series.meta)
    meta['subtraction'] = dict(method='log', mask_index=int(mask_index))
    meta['window_center'] = None
    meta['window_width'] = None
    return DSASeries(frames, series.frame_times_ms, series.frame_time_source,
                     meta)
