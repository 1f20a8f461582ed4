"""What an importer reads from a DICOM series' header (no pixels)."""
import os.path as osp
from typing import Any, Dict, Optional

from .errors import ConversionError


def dicom_datetime(ds) -> Optional[str]:
    """ISO acquisition date-time of a header, or None when it has none.

    AcquisitionDateTime, else AcquisitionDate/Time, else StudyDate/Time.
    """
    dt = str(getattr(ds, 'AcquisitionDateTime', '') or '')
    if not dt:
        d = str(getattr(ds, 'AcquisitionDate', '') or getattr(
            ds, 'StudyDate', '') or '')
        t = str(getattr(ds, 'AcquisitionTime', '') or getattr(
            ds, 'StudyTime', '') or '')
        dt = d + t if d else ''
    if len(dt) < 8:
        return None
    out = f'{dt[:4]}-{dt[4:6]}-{dt[6:8]}'
    if len(dt) >= 12:
        out += f'T{dt[8:10]}:{dt[10:12]}:{dt[12:14] or "00"}'
    return out


def _folder_header(path, where):
    """A folder of single-frame DICOM files, through the series reader."""
    from mmdsa.fileio import DSAReadError, open_dsa_series
    try:
        src = open_dsa_series(path)
    except DSAReadError as exc:
        raise ConversionError(f'{where}: {exc}') from exc
    meta = src.meta
    if meta.get('source_format') != 'dicom':
        raise ConversionError(
            f'{where}: {path}: expected a DICOM series (a file or a folder '
            f'of DICOM files), got a folder of {meta.get("source_format")} '
            'frames')
    return dict(path=path, patient_id=meta.get('patient_id') or '',
                num_frames=src.num_frames, width=src.frame_shape[1],
                height=src.frame_shape[0], view=meta.get('view') or 'unknown',
                acquisition_datetime=meta.get('acquisition_datetime'))


def read_dicom_header(path: str, where: str) -> Dict[str, Any]:
    """Series facts from a DICOM file's header (or a folder's).

    Args:
        path (str): The DICOM file, or a folder of single-frame DICOM files
            (read with :func:`mmdsa.fileio.open_dsa_series`).
        where (str): The file / row that named it, for messages.

    Returns:
        dict: ``path``, ``patient_id`` (may be ``''``), ``num_frames``,
        ``width``, ``height``, ``view`` (the reader's rule,
        :func:`mmdsa.fileio.dicom_meta.view_from_dataset`) and
        ``acquisition_datetime`` (ISO string or None).

    Raises:
        ConversionError: a missing file, an unreadable header, a header
            without Rows / Columns or with a non-integer size field.
    """
    from mmdsa.fileio import DSAReadError, int_field
    from mmdsa.fileio.dicom_meta import view_from_dataset
    if osp.isdir(path):
        return _folder_header(path, where)
    if not osp.isfile(path):
        raise ConversionError(f'{where}: field "file": expected a DICOM '
                              f'file, got {path!r} (not found)')
    from mmdsa.fileio.dicom import check_image_dataset, read_dicom_dataset
    try:
        ds = read_dicom_dataset(path, defer=True)
    except DSAReadError as exc:
        raise ConversionError(f'{where}: {exc}') from exc
    except Exception as exc:  # pydicom raises many types
        raise ConversionError(f'{where}: {path}: not a readable DICOM image '
                              f'({exc})') from exc
    try:  # refuse here what the loader would refuse mid-training (RGB,
        # broken Modality LUT, pixel data shorter than the header says)
        check_image_dataset(ds, path, modalities='any')
    except DSAReadError as exc:
        raise ConversionError(f'{where}: {exc}') from exc
    try:  # "field: expected an integer, got 'abc'" naming the file
        rows, cols = (int_field(ds, k, path) for k in ('Rows', 'Columns'))
        num_frames = int_field(ds, 'NumberOfFrames', path, default=1)
    except DSAReadError as exc:
        raise ConversionError(f'{where}: {exc}') from exc
    if rows is None or cols is None:
        raise ConversionError(f'{where}: {path}: not a DICOM image (no Rows '
                              '/ Columns)')
    try:
        view = view_from_dataset(ds, path)
    except Exception as exc:  # e.g. a non-numeric positioner angle
        raise ConversionError(f'{where}: {path}: view: {exc}') from exc
    return dict(path=path, patient_id=str(getattr(ds, 'PatientID', '') or ''),
                num_frames=num_frames, width=cols, height=rows, view=view,
                acquisition_datetime=dicom_datetime(ds))
