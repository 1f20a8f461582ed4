"""Traceability: which software, model and input produced a result.

:func:`provenance` names the mmdsa version, the git commit of the code when
it runs from a checkout, the config and the checkpoint's SHA-256 (computed
from the file's bytes on every call, never taken from a cache).
:func:`series_uids` names the input's Study, Series and SOP Instance UIDs.
``tools/infer.py`` writes both into ``result.json``; the DICOM result
objects (:mod:`mmdsa.results`) carry them too.
"""
import os.path as osp
import subprocess
from typing import Dict, List, Optional

#: The repository root when mmdsa runs from a checkout.
_PACKAGE_PARENT = osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__))))


def git_commit(root: str = _PACKAGE_PARENT) -> Optional[str]:
    """The commit checked out at ``root`` (with ``-dirty`` when tracked
    files differ from it), or None when ``root`` is not a git checkout (an
    installed wheel) or git is unavailable."""
    if not osp.exists(osp.join(root, '.git')):
        return None
    try:
        head = subprocess.run(['git', '-C', root, 'rev-parse', 'HEAD'],
                              capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(
            ['git', '-C', root, 'status', '--porcelain',
             '--untracked-files=no'],
            capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = head.stdout.strip()
    if dirty.returncode == 0 and dirty.stdout.strip():
        commit += '-dirty'
    return commit or None


def provenance(config: str, checkpoint: str) -> Dict:
    """What produced a result.

    Args:
        config (str): The config file (its path as given is kept; an
            mmengine ``Config`` object gives its ``filename``).
        checkpoint (str): The checkpoint file.

    Returns:
        dict: ``mmdsa_version``, ``git_commit`` (str or None), ``config``,
        ``checkpoint`` (the path) and ``checkpoint_sha256`` (hex).

    Raises:
        FileNotFoundError: The checkpoint does not exist.
    """
    from mmdsa import __version__
    from .operating_point import file_sha256
    if not isinstance(config, str):
        config = getattr(config, 'filename', None) or str(config)
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(
            f'{checkpoint}: checkpoint not found (no such file)')
    return dict(mmdsa_version=__version__, git_commit=git_commit(),
                config=config, checkpoint=checkpoint,
                checkpoint_sha256=file_sha256(checkpoint))


def _dicom_files(path: str) -> List[str]:
    if osp.isdir(path):
        from mmdsa.fileio.folder import list_frame_files
        try:
            kind, files = list_frame_files(path)
        except ValueError:
            return []
        return files if kind == 'dicom' else []
    ext = osp.splitext(path)[1].lower()
    return [] if ext in ('.npy', '.png') else [path]


def series_uids(path: str) -> Dict:
    """The input's UIDs, read from its DICOM header(s) (pixel data not
    read).

    Args:
        path (str): A DICOM file or a folder of single-frame DICOM files;
            other inputs give None / [].

    Returns:
        dict: ``study_uid``, ``series_uid`` (of the first file) and
        ``sop_instance_uids`` (one per file, in the reader's order).
    """
    import pydicom
    study = series = None
    sops: List[str] = []
    for file in _dicom_files(path):
        try:
            ds = pydicom.dcmread(
                file, stop_before_pixels=True,
                specific_tags=['StudyInstanceUID', 'SeriesInstanceUID',
                               'SOPInstanceUID'])
        except (OSError, pydicom.errors.InvalidDicomError):
            continue
        study = study or _text(ds.get('StudyInstanceUID'))
        series = series or _text(ds.get('SeriesInstanceUID'))
        sop = _text(ds.get('SOPInstanceUID'))
        if sop:
            sops.append(sop)
    return dict(study_uid=study, series_uid=series, sop_instance_uids=sops)


def _text(value) -> Optional[str]:
    return None if value in (None, '') else str(value)

