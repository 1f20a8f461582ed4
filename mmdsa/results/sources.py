"""The source series a result refers to: its DICOM headers in frame order
and the (instance, frame number) of every frame."""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

REQUIRED = ('SOPClassUID', 'SOPInstanceUID', 'StudyInstanceUID',
            'SeriesInstanceUID', 'Rows', 'Columns')


class ResultExportError(ValueError):
    """The source cannot carry DICOM results (not DICOM, headers missing),
    or an output file is taken by a file this export did not write."""


def read_source_datasets(path: str, modalities='any') -> List:
    """Headers (no pixels) of the source series in frame order.

    A multi-frame file gives one dataset; a folder of single-frame files
    gives one per frame, ordered as :func:`mmdsa.fileio.read_dsa_series`
    orders the frames (InstanceNumber, then acquisition time, then name).

    Args:
        path (str): A DICOM file or a folder of single-frame DICOM files.
        modalities: DICOM Modality values to accept (see
            :func:`mmdsa.fileio.read_dsa_series`); ``'any'`` (default)
            accepts what the inference already read.

    Returns:
        list[pydicom.Dataset]: Source headers, see :func:`check_sources`.

    Raises:
        ResultExportError: The source is PNG / NPY frames, or its headers
            lack what results need (the message names the file and field).
        mmdsa.fileio.DSAReadError: The DICOM files cannot be read.
    """
    import pydicom
    from mmdsa.fileio import DSAReadError
    from mmdsa.fileio.folder import list_frame_files, scan_dicom_folder
    if osp.isdir(path):
        kind, files = list_frame_files(path)
    else:
        ext = osp.splitext(path)[1].lower()
        kind, files = ('npy' if ext == '.npy' else
                       'png' if ext == '.png' else 'dicom'), [path]
    if kind != 'dicom':
        raise ResultExportError(
            f'{path}: DICOM results need a DICOM source series (its '
            f'patient, study and instances are referenced), got '
            f'{kind.upper()} frames')
    if osp.isdir(path):
        _, datasets, _ = scan_dicom_folder(path, files, modalities)
        names = files
    else:
        try:
            datasets = [pydicom.dcmread(path, stop_before_pixels=True)]
        except (pydicom.errors.InvalidDicomError, OSError, ValueError,
                EOFError) as exc:
            raise DSAReadError(path, f'cannot read the DICOM header: {exc}')
        names = [path]
    check_sources(datasets, where=path, names=names)
    return datasets


def _frames_of(ds) -> int:
    return int(ds.get('NumberOfFrames', 1) or 1)


def check_sources(source_datasets: Sequence,
                  num_frames: Optional[int] = None,
                  where: str = 'source_datasets',
                  names: Optional[Sequence[str]] = None) -> None:
    """Check that the headers describe one series of ``num_frames`` frames.

    Accepted: one dataset (multi-frame, ``NumberOfFrames`` = the number of
    frames) or one single-frame dataset per frame, all of one study and
    series, each with the UIDs, Rows and Columns.

    Raises:
        ResultExportError: naming ``where`` (and the file), the field,
            what was expected and what came.
    """
    if not source_datasets:
        raise ResultExportError(f'{where}: expected the source DICOM '
                                'headers, got none')
    names = list(names or [f'{where}[{i}]'
                           for i in range(len(source_datasets))])
    for name, ds in zip(names, source_datasets):
        for key in REQUIRED:
            if ds.get(key) in (None, ''):
                raise ResultExportError(
                    f'{name}: field {key}: expected a value in the source '
                    'header, got none')
    first = source_datasets[0]
    for name, ds in zip(names[1:], source_datasets[1:]):
        for key in ('StudyInstanceUID', 'SeriesInstanceUID', 'Rows',
                    'Columns'):
            if ds.get(key) != first.get(key):
                raise ResultExportError(
                    f'{name}: field {key}: expected {first.get(key)} as in '
                    f'{names[0]} (one series), got {ds.get(key)}')
    if len(source_datasets) > 1 and any(
            _frames_of(ds) != 1 for ds in source_datasets):
        raise ResultExportError(
            f'{where}: expected one multi-frame dataset or single-frame '
            'datasets, got several multi-frame ones')
    if num_frames is not None:
        have = (_frames_of(first) if len(source_datasets) == 1 else
                len(source_datasets))
        if have != num_frames:
            raise ResultExportError(
                f'{where}: expected headers of the {num_frames} frames the '
                f'result has, got {have} frame(s)')


def frame_reference(source_datasets: Sequence,
                    frame: int) -> Tuple[object, Optional[int]]:
    """Which instance holds frame ``frame`` (0-based, as in the result).

    Returns:
        tuple: ``(dataset, frame_number)``; ``frame_number`` is 1-based
        (DICOM Referenced Frame Number) for a multi-frame instance and
        None for a single-frame instance.
    """
    if len(source_datasets) == 1 and 'NumberOfFrames' in source_datasets[0]:
        return source_datasets[0], int(frame) + 1
    return source_datasets[int(frame)], None
