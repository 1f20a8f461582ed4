"""Header parsing for DSA DICOM files: timing, view, date-time and geometry.

Each helper reads a :class:`pydicom.Dataset` and never touches pixel data.
Attributes are looked up at the top level first and then in the first item of
the Shared Functional Groups Sequence (Enhanced XA / XRF objects keep e.g.
the rescale, pixel spacing and positioner angles there).
"""
import math
import warnings
from datetime import datetime

import numpy as np
from pydicom.uid import UID
from pydicom.valuerep import DA, DT, TM

from .errors import DSAReadError
from .series import DEFAULT_FRAME_INTERVAL_MS

#: Largest deviation (degrees) from a canonical orientation that still counts
#: as that view: PA = primary ~0 (or ~180) degrees, LAT = primary ~+-90
#: degrees, both with |secondary| within the tolerance. 45 degrees assigns
#: every projection with a moderate angulation to its nearest canonical view.
VIEW_ANGLE_TOLERANCE = 45.0

_SHARED_GROUPS_TAG = 0x52009229  # SharedFunctionalGroupsSequence
_PA_VIEW_POSITIONS = {'AP', 'PA'}
_LAT_VIEW_POSITIONS = {'LL', 'RL', 'LAT', 'LATERAL', 'LLD', 'RLD'}


def lookup(ds, keyword):
    """Value of ``keyword`` at the top level or in shared functional groups.

    Args:
        ds (pydicom.Dataset): The header.
        keyword (str): DICOM keyword, e.g. ``'RescaleSlope'``.

    Returns:
        The element value, or None when absent or empty.
    """
    value = ds.get(keyword)
    if value is not None and value != '':
        return value
    if _SHARED_GROUPS_TAG not in ds:  # cheap test on the tag (most files)
        return None
    shared = ds[_SHARED_GROUPS_TAG].value
    if shared:
        for elem in shared[0]:
            if elem.VR == 'SQ' and len(elem.value) > 0:
                value = elem.value[0].get(keyword)
                if value is not None and value != '':
                    return value
    return None


def int_field(ds, keyword, path, default=None):
    """An integer attribute, or DSAReadError naming the file and the field.

    Args:
        ds (pydicom.Dataset): The header.
        keyword (str): DICOM keyword, e.g. ``'NumberOfFrames'``.
        path (str): For error messages.
        default: Returned when the attribute is absent or empty.

    Returns:
        int | default: The value.

    Raises:
        DSAReadError: the value is not one integer (``"abc"``, ``"x1"``,
            ``"2.5"``, a multi-valued element).
    """
    try:
        value = ds.get(keyword)
    except Exception as exc:  # pydicom raises many types on bad values
        raise DSAReadError(
            path, f'{keyword}: cannot parse the value ({exc}); expected an '
            'integer') from exc
    if value is None or value == '':
        return default
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(str(value).strip()) if not isinstance(value, int) \
            else int(value)
    except (TypeError, ValueError):
        raise DSAReadError(
            path, f'{keyword}: expected an integer, got {value!r}') from None


def _as_list(value):
    """A DICOM value (single or multi-valued) as a list."""
    if isinstance(value, (str, bytes)) or not hasattr(value, '__iter__'):
        return [value]
    return list(value)


def _number(value, path, keyword):
    """``float(value)`` or a DSAReadError naming the tag."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DSAReadError(
            path, f'{keyword}: expected a number, got {value!r}') from None
    if not math.isfinite(number):
        raise DSAReadError(
            path, f'{keyword}: expected a finite number, got {value!r}')
    return number


def _optional_number(ds, keyword, path, first=True):
    """First value of an optional numeric tag, None when absent/malformed."""
    value = lookup(ds, keyword)
    if value is None:
        return None
    values = _as_list(value)
    try:
        numbers = [float(v) for v in values]
    except (TypeError, ValueError):
        warnings.warn(f'{path}: ignoring malformed {keyword} {value!r}')
        return None
    if not numbers:
        return None
    return numbers[0] if first else numbers


def frame_times(ds, num_frames, path, allow_vector=True):
    """Frame acquisition times relative to the first frame.

    Sources, in order of precedence: FrameTimeVector (0018,1065: increments
    in ms, the first one 0), FrameTime (0018,1063: ms per frame), CineRate
    (0018,0040: frames/s), RecommendedDisplayFrameRate (0008,2144:
    frames/s). Without any of them the frames are assumed
    :data:`DEFAULT_FRAME_INTERVAL_MS` apart and the source is ``'none'``.

    Args:
        ds (pydicom.Dataset): The header.
        num_frames (int): T.
        path (str): For error messages.
        allow_vector (bool): Use FrameTimeVector (False for a folder of
            single-frame files, whose vectors describe one frame each).

    Returns:
        tuple[np.ndarray, str]: float64 times (T,) in ms with ``t[0] == 0``,
        and the source name.

    Raises:
        DSAReadError: a timing tag that is present is malformed (wrong
            length, negative increments, a non-positive rate or frame time).
    """
    steps = np.arange(num_frames, dtype=np.float64)
    vector = lookup(ds, 'FrameTimeVector') if allow_vector else None
    if vector is not None:
        values = np.array([
            _number(v, path, 'FrameTimeVector (0018,1065)')
            for v in _as_list(vector)
        ], dtype=np.float64)
        if values.shape != (num_frames, ):
            raise DSAReadError(
                path, 'FrameTimeVector (0018,1065): expected one increment '
                f'per frame ({num_frames}), got {values.size}')
        if (values[1:] < 0).any():
            raise DSAReadError(
                path, 'FrameTimeVector (0018,1065): expected non-negative '
                f'increments, got {values.tolist()}')
        times = np.cumsum(values)
        return times - times[0], 'FrameTimeVector'
    for keyword, per_second in (('FrameTime', False), ('CineRate', True),
                                ('RecommendedDisplayFrameRate', True)):
        value = lookup(ds, keyword)
        if value is None:
            continue
        number = _number(value, path, keyword)
        if number <= 0:
            raise DSAReadError(
                path, f'{keyword}: expected a positive value, got {value!r}')
        interval = 1000.0 / number if per_second else number
        return steps * interval, keyword
    return steps * DEFAULT_FRAME_INTERVAL_MS, 'none'


def view_from_dataset(ds, path):
    """'PA', 'LAT' or 'unknown' from the positioner angles or ViewPosition.

    The positioner angles (PositionerPrimaryAngle / PositionerSecondaryAngle)
    take precedence: PA when the primary angle is within
    :data:`VIEW_ANGLE_TOLERANCE` of 0 or 180 degrees, LAT when it is within
    the tolerance of +-90 degrees, in both cases only with |secondary| within
    the tolerance. Otherwise ViewPosition (AP/PA -> 'PA', LL/RL/LAT... ->
    'LAT') decides, else 'unknown'.
    """
    primary = _optional_number(ds, 'PositionerPrimaryAngle', path)
    secondary = _optional_number(ds, 'PositionerSecondaryAngle', path)
    if primary is not None:
        primary = (primary + 180.0) % 360.0 - 180.0
        secondary = 0.0 if secondary is None else secondary
        if abs(secondary) <= VIEW_ANGLE_TOLERANCE:
            if min(abs(primary), 180.0 - abs(primary)) <= VIEW_ANGLE_TOLERANCE:
                return 'PA'
            if abs(abs(primary) - 90.0) <= VIEW_ANGLE_TOLERANCE:
                return 'LAT'
    position = str(ds.get('ViewPosition', '') or '').strip().upper()
    if position in _PA_VIEW_POSITIONS:
        return 'PA'
    if position in _LAT_VIEW_POSITIONS:
        return 'LAT'
    return 'unknown'


def acquisition_datetime(ds, path):
    """ISO 8601 acquisition date-time, or None.

    Sources in order: AcquisitionDateTime; AcquisitionDate + AcquisitionTime;
    ContentDate + ContentTime; SeriesDate + SeriesTime; StudyDate +
    StudyTime; then the first of those dates alone (ISO date only).
    Malformed values are skipped with a warning.
    """
    value = ds.get('AcquisitionDateTime')
    if value:
        try:
            return DT(str(value)).isoformat()
        except ValueError:
            warnings.warn(f'{path}: ignoring malformed AcquisitionDateTime '
                          f'{value!r}')
    first_date = None
    for prefix in ('Acquisition', 'Content', 'Series', 'Study'):
        date_value = ds.get(f'{prefix}Date')
        time_value = ds.get(f'{prefix}Time')
        if not date_value:
            continue
        try:
            date = DA(str(date_value))
        except ValueError:
            warnings.warn(f'{path}: ignoring malformed {prefix}Date '
                          f'{date_value!r}')
            continue
        first_date = first_date or date
        if not time_value:
            continue
        try:
            time = TM(str(time_value))
        except ValueError:
            warnings.warn(f'{path}: ignoring malformed {prefix}Time '
                          f'{time_value!r}')
            continue
        return datetime.combine(date, time).isoformat()
    return None if first_date is None else first_date.isoformat()


def dicom_meta(ds, path, num_frames):
    """The ``meta`` dict of a :class:`DSASeries` read from ``ds``.

    Window centre / width are the first values of (0028,1050) / (0028,1051),
    in the same domain as the frames (after rescale); the caller mirrors the
    centre when it inverts MONOCHROME1 data. ``pixel_spacing`` is
    ImagerPixelSpacing, else PixelSpacing, as [row, column] in mm.
    """
    spacing = _optional_number(ds, 'ImagerPixelSpacing', path, first=False)
    if spacing is None:
        spacing = _optional_number(ds, 'PixelSpacing', path, first=False)
    sop_class = ds.get('SOPClassUID') or ds.file_meta.get(
        'MediaStorageSOPClassUID')
    syntax = ds.file_meta.get('TransferSyntaxUID')

    def text(keyword):
        value = ds.get(keyword)
        return None if value in (None, '') else str(value)

    return dict(
        modality=text('Modality'),
        sop_class_uid=None if sop_class is None else str(sop_class),
        rows=int(ds.Rows),
        columns=int(ds.Columns),
        bits_stored=int(ds.BitsStored),
        photometric_interpretation=str(ds.PhotometricInterpretation).strip(),
        view=view_from_dataset(ds, path),
        patient_id=text('PatientID'),
        study_uid=text('StudyInstanceUID'),
        series_uid=text('SeriesInstanceUID'),
        acquisition_datetime=acquisition_datetime(ds, path),
        pixel_spacing=spacing,
        window_center=_optional_number(ds, 'WindowCenter', path),
        window_width=_optional_number(ds, 'WindowWidth', path),
        path=str(path),
        num_frames=int(num_frames),
        source_format='dicom',
        transfer_syntax_uid=None if syntax is None else str(syntax),
        transfer_syntax=None if syntax is None else UID(syntax).name,
        positioner_primary_angle=_optional_number(
            ds, 'PositionerPrimaryAngle', path),
        positioner_secondary_angle=_optional_number(
            ds, 'PositionerSecondaryAngle', path),
        pixel_intensity_relationship=text('PixelIntensityRelationship'),
    )
