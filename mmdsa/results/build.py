"""Build and write all result objects of one series result (the API the
tools and the DICOM node call)."""
import copy
import os
import os.path as osp
import time
import warnings
from typing import Dict, List, Optional, Sequence

from .findings import DEFAULT_BOX_SCORE_THR, result_frames, summarise
from .sources import ResultExportError, check_sources
from .uids import ResultUIDs, check_sha256

PROVENANCE_KEYS = ('mmdsa_version', 'git_commit', 'config',
                   'checkpoint_sha256')
#: Type 2 patient / study attributes the result objects copy; written
#: empty when the source lacks them.
_TYPE2 = ('PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex',
          'StudyDate', 'StudyTime', 'StudyID', 'AccessionNumber',
          'ReferringPhysicianName')


def check_provenance(provenance: Dict) -> Dict:
    """Return ``provenance`` after checking its fields (see
    :mod:`mmdsa.apis.provenance`).

    Raises:
        ValueError: naming the missing or malformed field.
    """
    if not isinstance(provenance, dict):
        raise ValueError('provenance: expected a dict with '
                         f'{PROVENANCE_KEYS}, got {type(provenance).__name__}')
    missing = [k for k in PROVENANCE_KEYS if k not in provenance]
    if missing:
        raise ValueError(f'provenance: expected the fields {PROVENANCE_KEYS},'
                         f' got no {missing}')
    check_sha256(provenance['checkpoint_sha256'])
    if not provenance['mmdsa_version']:
        raise ValueError('provenance: field "mmdsa_version": expected a '
                         'version string, got '
                         f'{provenance["mmdsa_version"]!r}')
    return provenance


def header_copy(ds):
    """A copy of ``ds`` without its pixel data (group 7FE0).

    The pixel data is neither read (a deferred element stays in its file)
    nor copied; the other elements are deep-copied (still encoded ones stay
    encoded, with the source's encoding), so the copy can be changed
    without changing ``ds``.
    """
    from pydicom.dataset import Dataset
    header = Dataset()
    implicit, little = ds.original_encoding
    if implicit is not None:
        header.set_original_encoding(implicit, little,
                                     ds.original_character_set)
    for tag in ds.keys():
        if tag.group != 0x7FE0:
            header[tag] = copy.deepcopy(ds.get_item(tag, keep_deferred=True))
    return header


def _headers(source_datasets: Sequence) -> List:
    """Copies of the source headers without pixel data, with the Type 2
    patient / study attributes present (empty where the source has none)."""
    out = []
    for ds in source_datasets:
        ds = header_copy(ds)
        for key in _TYPE2:
            if key not in ds:
                setattr(ds, key, '')
        out.append(ds)
    return out


def build_result_datasets(result: Dict, source_datasets: Sequence,
                          provenance: Dict, *, task: str, model_name: str,
                          include_sc: bool = False,
                          box_score_thr: float = DEFAULT_BOX_SCORE_THR,
                          sc_compression: str = 'jpeg',
                          timings: Optional[Dict[str, float]] = None
                          ) -> List:
    """The DICOM result objects of one series result.

    Args:
        result (dict): One series result of
            :func:`mmdsa.apis.inference_series` (with ``decision``, and
            ``scope`` when the scope check ran).
        source_datasets (list[pydicom.Dataset]): The source headers in
            frame order (:func:`mmdsa.results.read_source_datasets`): one
            multi-frame dataset, or one single-frame dataset per frame.
        provenance (dict): ``mmdsa_version``, ``git_commit``, ``config``,
            ``checkpoint_sha256`` (:mod:`mmdsa.apis.provenance`).
        task (str): ``'perforation'`` or ``'thrombus'``.
        model_name (str): The algorithm's name in the objects (e.g. the
            config's file name without extension).
        include_sc (bool): Also build the Secondary Capture picture (needs
            the result's ``frames``).
        box_score_thr (float): Lowest detector box score reported (the
            kept trajectory is always reported).
        sc_compression (str): ``'jpeg'`` (baseline, default) or
            ``'lossless'`` (JPEG-LS) for the Secondary Capture.
        timings (dict, optional): When given, the seconds each step took
            are stored in it: ``prepare`` (headers, boxes, UIDs), ``sr``,
            ``gsps``, ``kos``, ``sc`` (the objects built).

    Returns:
        list[pydicom.Dataset]: The SR; the GSPS when there are boxes; the
        KOS when the verdict is positive; the SC when asked. UIDs are
        derived from the source and the checkpoint
        (:mod:`mmdsa.results.uids`): a re-run gives the same UIDs.

    Raises:
        ResultExportError: The headers do not describe the result's series.
        ValueError: A malformed result or provenance.
    """
    start = time.perf_counter()
    check_provenance(provenance)
    if not isinstance(model_name, str) or not model_name.strip():
        raise ValueError(f'model_name: expected a non-empty string, got '
                         f'{model_name!r}')
    sources = _headers(source_datasets)
    check_sources(sources, result_frames(result))
    summary = summarise(result, task, int(sources[0].Rows),
                        int(sources[0].Columns), box_score_thr)
    uids = ResultUIDs(sources, provenance['checkpoint_sha256'])
    args = (sources, provenance, uids, model_name)
    timings = {} if timings is None else timings
    timings['prepare'] = time.perf_counter() - start
    with warnings.catch_warnings():
        # highdicom doubts single-component patient names; they are the
        # source's and copied as they are
        warnings.filterwarnings('ignore', 'The string .* is unlikely to '
                                'represent the intended person name')
        return _build(result, summary, args,
                      sc_compression if include_sc else None, timings)


def _timed(timings: Dict[str, float], kind: str, fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    timings[kind] = time.perf_counter() - start
    return out


def _build(result, summary, args, sc_compression, timings):
    from .gsps import build_gsps
    from .kos import build_kos
    from .sc import build_sc
    from .sr import build_sr
    sr = _timed(timings, 'sr', build_sr, summary, *args)
    out = [sr]
    if summary['boxes']:
        out.append(_timed(timings, 'gsps', build_gsps, summary, *args,
                          frames=result.get('frames')))
    if summary['verdict'] == 'positive':
        out.append(_timed(timings, 'kos', build_kos, summary, *args, sr=sr))
    if sc_compression is not None:
        out.append(_timed(timings, 'sc', build_sc, summary, result['frames'],
                          *args, compression=sc_compression))
    return out


def _ours(path: str, sop_instance_uid: str) -> bool:
    """Whether ``path`` is an earlier run's copy of this very object."""
    import pydicom
    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True)
    except Exception:  # noqa: BLE001  (anything unreadable is not ours)
        return False
    return (str(ds.get('SOPInstanceUID', '')) == str(sop_instance_uid)
            and str(ds.get('Manufacturer', '')) == 'mmdsa')


def write_result_datasets(datasets: Sequence, out_dir: str) -> List[str]:
    """Write result objects as ``out_dir/<SOP Instance UID>.dcm``.

    Each file is written atomically (:func:`mmdsa.utils.fileio.
    atomic_write`). A file of that name is replaced only when it is the
    same object of an earlier run (the same SOP Instance UID, written by
    mmdsa); anything else there is refused before any file is written.

    Args:
        datasets (list[pydicom.Dataset]): From :func:`build_result_datasets`.
        out_dir (str): Output folder (created when missing).

    Returns:
        list[str]: The written paths, in the order of ``datasets``.

    Raises:
        ResultExportError: ``out_dir`` is a file, or a target file exists
            and is not an earlier copy of the same object.
    """
    from mmdsa.utils.fileio import atomic_write
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise ResultExportError(f'{out_dir}: expected a folder for the DICOM '
                                'results, got an existing file')
    paths = []
    for ds in datasets:
        uid = str(ds.SOPInstanceUID)
        path = osp.join(out_dir, f'{uid}.dcm')
        if osp.lexists(path) and not _ours(path, uid):
            raise ResultExportError(
                f'{path}: exists and is not an earlier mmdsa copy of this '
                f'object (SOP Instance UID {uid}); left as it is, nothing '
                'written')
        paths.append(path)
    os.makedirs(out_dir, exist_ok=True)
    for ds, path in zip(datasets, paths):
        atomic_write(path, writer=lambda tmp, ds=ds: ds.save_as(
            tmp, enforce_file_format=True))
    return paths
