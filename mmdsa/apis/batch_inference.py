"""Batch inference over a study folder or a DICOMDIR: find the series, run
each one, and keep going when one fails.

A *series* is a set of DICOM files sharing one SeriesInstanceUID. Within a
series, each multi-frame file (an XA / RF run) is one item to score; the
single-frame files of a series together are one item (a frame folder).
``tools/infer.py`` calls :func:`discover_series` and :func:`run_batch`.
"""
import csv
import io
import os
import os.path as osp
import re
import tempfile
from typing import Callable, Dict, List, Optional, Sequence

DICOMDIR_SOP_CLASS = '1.2.840.10008.1.3.10'  # Media Storage Directory
_SAFE = re.compile(r'[^A-Za-z0-9._-]+')

#: Columns of the summary table (CSV and JSON rows).
SUMMARY_FIELDS = ('name', 'status', 'verdict', 'score', 'threshold',
                  'in_scope', 'forced', 'reasons', 'series_uid',
                  'num_files', 'source', 'result')


class BatchError(ValueError):
    """A folder or DICOMDIR that holds no series to run."""


def is_dicomdir(path: str) -> bool:
    """Whether ``path`` is a DICOMDIR file (Media Storage Directory)."""
    if not osp.isfile(path):
        return False
    import pydicom
    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True,
                             specific_tags=['MediaStorageSOPClassUID'])
    except Exception:  # not DICOM at all
        return False
    meta = getattr(ds, 'file_meta', None)
    return str(getattr(meta, 'MediaStorageSOPClassUID', '')) == \
        DICOMDIR_SOP_CLASS


def safe_name(text: str, taken: Optional[set] = None) -> str:
    """A file name made from ``text`` that stays inside its folder.

    Characters other than letters, digits, '.', '_' and '-' become '_';
    leading dots are dropped (no '..', no hidden names); an empty result is
    ``'series'``; a name already in ``taken`` gets ``_2``, ``_3``, ... The
    chosen name is added to ``taken``.
    """
    name = _SAFE.sub('_', str(text)).lstrip('.')[:120] or 'series'
    base, k = name, 2
    while taken is not None and name in taken:
        name, k = f'{base}_{k}', k + 1
    if taken is not None:
        taken.add(name)
    return name


def _header(path: str):
    import pydicom
    try:
        return pydicom.dcmread(
            path, stop_before_pixels=True,
            specific_tags=['SeriesInstanceUID', 'StudyInstanceUID',
                           'SOPInstanceUID', 'NumberOfFrames',
                           'InstanceNumber', 'Modality', 'SOPClassUID'])
    except Exception as exc:  # not a DICOM file
        return exc


def _walk(root: str) -> List[str]:
    files = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
        for name in sorted(names):
            if not name.startswith('.'):
                files.append(osp.join(folder, name))
    return files


def _dicomdir_files(path: str) -> List[str]:
    """Image files referenced by a DICOMDIR (pydicom's FileSet)."""
    from pydicom.fileset import FileSet
    try:
        fs = FileSet(path)
    except Exception as exc:
        raise BatchError(f'{path}: cannot read the DICOMDIR ({exc})') \
            from exc
    files = []
    for instance in fs:
        full = instance.path
        if not osp.isfile(full):
            raise BatchError(f'{path}: the DICOMDIR references {full}, '
                             'which does not exist')
        files.append(full)
    return files


def discover_series(path: str) -> Dict:
    """The series under a folder (recursively) or in a DICOMDIR.

    Args:
        path (str): A folder or a DICOMDIR file.

    Returns:
        dict: ``items`` (list of dicts: ``name`` (a safe, unique name from
        the SeriesInstanceUID, plus the file stem for a run of a
        multi-frame series), ``series_uid``, ``files`` (the DICOM files),
        ``kind`` ('multi-frame' or 'single-frame')) and ``skipped`` (list
        of ``{'file', 'reason'}``: files that are not DICOM images or have
        no SeriesInstanceUID).

    Raises:
        BatchError: ``path`` is neither a folder nor a DICOMDIR.
    """
    if osp.isdir(path):
        files = _walk(path)
    elif is_dicomdir(path):
        files = _dicomdir_files(path)
    else:
        raise BatchError(f'{path}: expected a folder of DICOM series or a '
                         'DICOMDIR file, got neither')
    groups: Dict[str, List] = {}
    skipped = []
    for file in files:
        if osp.basename(file).upper() == 'DICOMDIR':
            continue
        ds = _header(file)
        if isinstance(ds, Exception):
            skipped.append(dict(file=file, reason=f'not a DICOM file '
                                f'({type(ds).__name__})'))
            continue
        uid = ds.get('SeriesInstanceUID')
        if not uid:
            skipped.append(dict(file=file, reason='no SeriesInstanceUID'))
            continue
        frames = ds.get('NumberOfFrames')
        try:
            frames = int(frames) if frames not in (None, '') else 1
        except (TypeError, ValueError):
            frames = 1
        groups.setdefault(str(uid), []).append((file, frames))
    items, taken = [], set()
    for uid, members in groups.items():
        multi = [f for f, n in members if n > 1]
        single = [f for f, n in members if n <= 1]
        for file in multi:
            stem = osp.splitext(osp.basename(file))[0]
            name = uid if len(multi) == 1 and not single else f'{uid}_{stem}'
            items.append(dict(name=safe_name(name, taken), series_uid=uid,
                              files=[file], kind='multi-frame'))
        if single:
            items.append(dict(name=safe_name(uid, taken), series_uid=uid,
                              files=single, kind='single-frame'))
    return dict(items=items, skipped=skipped)


def is_one_series_folder(path: str, found: Dict) -> bool:
    """Whether ``path`` is a frame folder of one series (the single-series
    reader's input): one single-frame series whose files all lie directly
    in ``path``."""
    items = found['items']
    return (osp.isdir(path) and len(items) == 1
            and items[0]['kind'] == 'single-frame'
            and all(osp.dirname(f) == osp.normpath(path)
                    for f in items[0]['files']))


def item_input(item: Dict, stage_dir: str) -> str:
    """The path the series reader takes for an item: its file, its folder
    when the folder holds exactly its files, else a folder of links to its
    files made under ``stage_dir``."""
    files = item['files']
    if item['kind'] == 'multi-frame':
        return files[0]
    folder = osp.dirname(files[0])
    if all(osp.dirname(f) == folder for f in files):
        others = [f for f in _walk(folder) if osp.dirname(f) == folder]
        if sorted(others) == sorted(files):
            return folder
    staged = osp.join(stage_dir, item['name'])
    os.makedirs(staged)
    for k, file in enumerate(files):
        os.symlink(osp.abspath(file),
                   osp.join(staged, f'{k:05d}_{osp.basename(file)}'))
    return staged


def confined(out_dir: str, name: str) -> str:
    """``out_dir/name``, refusing a name that leaves ``out_dir``."""
    root = osp.realpath(out_dir)
    target = osp.realpath(osp.join(root, name))
    if osp.dirname(target) != root or name in ('', '.', '..') or \
            os.sep in name or (os.altsep and os.altsep in name):
        raise BatchError(f'{name!r}: expected an output name inside '
                         f'{out_dir}, got one that leaves it')
    return target


def run_batch(found: Dict, out_dir: str,
              process: Callable[[str, str, Dict], Dict]) -> Dict:
    """Run ``process`` on every discovered series, with a progress bar.

    Args:
        found (dict): From :func:`discover_series`.
        out_dir (str): The batch's output folder; each series writes into
            ``out_dir/<name>/``.
        process (callable): ``process(input_path, series_out_dir, item) ->
            dict`` with at least ``verdict``, ``score``, ``threshold``,
            ``scope`` and ``result`` (the written result file). Any
            exception it raises marks that series ``failed`` with the
            exception as its reason; the others still run.

    Returns:
        dict: ``rows`` (one per series, :data:`SUMMARY_FIELDS`, failed ones
        included), ``skipped``, ``counts`` and the written ``summary_json``
        / ``summary_csv`` paths.
    """
    from mmengine.utils import ProgressBar

    from mmdsa.utils.fileio import atomic_write, write_json_atomic
    items = found['items']
    if not items:
        raise BatchError(f'{out_dir}: no DICOM series found to run '
                         f'({len(found["skipped"])} files skipped)')
    rows = []
    bar = ProgressBar(len(items))
    with tempfile.TemporaryDirectory(prefix='mmdsa_batch_') as stage:
        for item in items:
            row = dict(name=item['name'], series_uid=item['series_uid'],
                       num_files=len(item['files']),
                       source=item['files'][0] if len(item['files']) == 1
                       else osp.dirname(item['files'][0]))
            try:
                target = confined(out_dir, item['name'])
                out = process(item_input(item, stage), target, item)
                scope = out.get('scope') or {}
                row.update(status='done', verdict=out['verdict'],
                           score=out['score'], threshold=out['threshold'],
                           in_scope=scope.get('in_scope'),
                           forced=scope.get('forced'),
                           reasons=list(scope.get('reasons', [])),
                           result=out.get('result'))
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # noqa: BLE001 one series, not the batch
                row.update(status='failed', verdict=None, score=None,
                           threshold=None, in_scope=None, forced=None,
                           reasons=[f'{type(exc).__name__}: {exc}'],
                           result=None)
            rows.append({k: row.get(k) for k in SUMMARY_FIELDS})
            bar.update()
    print()
    counts = dict(series=len(rows))
    for row in rows:
        key = row['verdict'] if row['status'] == 'done' else 'failed'
        counts[key] = counts.get(key, 0) + 1
    summary = dict(rows=rows, skipped=found['skipped'], counts=counts)
    summary['summary_json'] = write_json_atomic(
        osp.join(out_dir, 'summary.json'), summary, indent=2)
    summary['summary_csv'] = atomic_write(
        osp.join(out_dir, 'summary.csv'), summary_csv(rows))
    return summary


def summary_csv(rows: Sequence[Dict]) -> str:
    """The summary rows as CSV text (reasons joined with ' | ')."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=SUMMARY_FIELDS,
                            lineterminator='\n')
    writer.writeheader()
    for row in rows:
        writer.writerow(dict(row, reasons=' | '.join(row['reasons'] or [])))
    return buf.getvalue()
