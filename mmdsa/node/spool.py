"""The node's on-disk spool: received instances and results to deliver.

Layout under ``spool_dir``::

    series/<SeriesInstanceUID>/<SOPInstanceUID>.dcm   received instances
    series/<SeriesInstanceUID>/.processed.json        SOP instances already
                                                      turned into results
    outbox/<time>-<SeriesInstanceUID>/*.dcm           results not yet stored
    outbox/<time>-<SeriesInstanceUID>/.summary.json   the series' log record
    sent/<time>-<SeriesInstanceUID>.json              delivered: its record

Every file is written with :func:`mmdsa.utils.fileio.atomic_write`
(temporary sibling, fsync, rename), and an outbox entry is built in a
temporary folder and renamed into place complete. So after a crash at any
moment, every instance acknowledged to the sender is on disk under its final
name, and an outbox entry is either complete or absent. A series whose
instances are not all listed in ``.processed.json`` is pending: the node
resumes it after a restart.
"""
import json
import os
import os.path as osp
import re
import shutil
import time
from typing import Dict, List, Optional, Sequence

from mmdsa.utils.fileio import (TEMP_MARK, atomic_write,
                                make_temp_sibling_dir, replace_dir,
                                remove_stale_temp_files, write_json_atomic)

__all__ = ['Spool', 'check_uid']

#: A DICOM UID (PS3.5 9.1): digits and dots, at most 64 characters. Only
#: such names become folder / file names in the spool.
_UID_RE = re.compile(r'^[0-9]+(\.[0-9]+)*$')
_PROCESSED = '.processed.json'
_SUMMARY = '.summary.json'


def check_uid(value, field: str) -> str:
    """``value`` as a UID string, or ValueError naming ``field``."""
    text = str(value or '').strip().rstrip('\x00')
    if not text or len(text) > 64 or not _UID_RE.match(text):
        raise ValueError(f'{field}: expected a DICOM UID (digits and dots, '
                         f'at most 64 characters), got {str(value)!r}')
    return text


def _write_dataset(path: str, ds) -> None:
    """Write one pydicom dataset as a DICOM Part 10 file, atomically."""
    from pydicom import dcmwrite
    atomic_write(path, writer=lambda p: dcmwrite(
        p, ds, enforce_file_format=True))


class Spool:
    """Folders of one node (see the module docstring).

    Args:
        root (str): ``spool_dir`` (created when missing).
    """

    def __init__(self, root: str):
        self.root = osp.abspath(root)
        self.series_dir = osp.join(self.root, 'series')
        self.outbox_dir = osp.join(self.root, 'outbox')
        self.sent_dir = osp.join(self.root, 'sent')
        for folder in (self.series_dir, self.outbox_dir, self.sent_dir):
            os.makedirs(folder, exist_ok=True)
        self._clean_leftovers()

    # -- leftovers of a killed process ------------------------------------
    def _clean_leftovers(self) -> None:
        """Remove what a killed node left half-written: temporary files in
        series folders and unfinished outbox folders (all the node's own
        temporaries, recognisable by their names)."""
        for name in os.listdir(self.outbox_dir):
            full = osp.join(self.outbox_dir, name)
            if TEMP_MARK in name and osp.isdir(full):
                shutil.rmtree(full)
        for uid in os.listdir(self.series_dir):
            folder = osp.join(self.series_dir, uid)
            if not osp.isdir(folder):
                continue
            remove_stale_temp_files(osp.join(folder, '*.dcm'))
            remove_stale_temp_files(osp.join(folder, _PROCESSED))

    # -- received instances ------------------------------------------------
    def instance_path(self, series_uid: str, sop_uid: str) -> str:
        return osp.join(self.series_dir, check_uid(series_uid, 'series'),
                        check_uid(sop_uid, 'sop') + '.dcm')

    def store_instance(self, series_uid: str, sop_uid: str,
                       data: bytes) -> str:
        """Write one received instance (Part 10 bytes) atomically.

        Returns:
            str: Its path. A second copy of the same SOP instance replaces
            the first.
        """
        path = self.instance_path(series_uid, sop_uid)
        atomic_write(path, data)
        return path

    def series_instances(self, series_uid: str) -> List[str]:
        """The received instance files of a series, sorted by name."""
        folder = osp.join(self.series_dir, check_uid(series_uid, 'series'))
        if not osp.isdir(folder):
            return []
        return [osp.join(folder, n) for n in sorted(os.listdir(folder))
                if n.endswith('.dcm') and not n.startswith('.')]

    def processed_sops(self, series_uid: str) -> List[str]:
        path = osp.join(self.series_dir, series_uid, _PROCESSED)
        if not osp.isfile(path):
            return []
        with open(path, encoding='utf-8') as f:
            return list(json.load(f).get('sop_instance_uids', []))

    def mark_processed(self, series_uid: str, paths: Sequence[str],
                       keep: bool = True, error: Optional[str] = None
                       ) -> None:
        """Record that ``paths`` of a series were processed (with ``error``
        when the processor failed). ``keep=False`` deletes the series'
        instances once all of them are processed."""
        sops = [osp.splitext(osp.basename(p))[0] for p in paths]
        folder = osp.join(self.series_dir, series_uid)
        write_json_atomic(osp.join(folder, _PROCESSED),
                          dict(sop_instance_uids=sorted(sops), error=error,
                               time=time.time()))
        if not keep and error is None and \
                set(sops) >= {osp.splitext(osp.basename(p))[0]
                              for p in self.series_instances(series_uid)}:
            shutil.rmtree(folder)

    def pending_series(self) -> Dict[str, List[str]]:
        """Series with instances not processed yet: ``{uid: paths}``."""
        out = {}
        for uid in sorted(os.listdir(self.series_dir)):
            if not _UID_RE.match(uid):
                continue
            paths = self.series_instances(uid)
            done = set(self.processed_sops(uid))
            if any(osp.splitext(osp.basename(p))[0] not in done
                   for p in paths):
                out[uid] = paths
        return out

    # -- results to deliver ------------------------------------------------
    def queue_results(self, series_uid: str, datasets: Sequence,
                      summary: Dict) -> Optional[str]:
        """Put result datasets into a new outbox entry, complete or not
        at all. Returns the entry's folder (None without datasets)."""
        if not datasets:
            return None
        name = f'{time.time_ns():020d}-{check_uid(series_uid, "series")}'
        final = osp.join(self.outbox_dir, name)
        tmp = make_temp_sibling_dir(final)
        try:
            for ds in datasets:
                sop = check_uid(ds.SOPInstanceUID, 'result SOPInstanceUID')
                _write_dataset(osp.join(tmp, sop + '.dcm'), ds)
            write_json_atomic(osp.join(tmp, _SUMMARY), summary)
            replace_dir(tmp, final)  # a new name: one rename
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return final

    def outbox_entries(self) -> List[str]:
        """Complete outbox entries, oldest first."""
        return [osp.join(self.outbox_dir, n)
                for n in sorted(os.listdir(self.outbox_dir))
                if TEMP_MARK not in n
                and osp.isdir(osp.join(self.outbox_dir, n))]

    @staticmethod
    def entry_files(entry: str) -> List[str]:
        return [osp.join(entry, n) for n in sorted(os.listdir(entry))
                if n.endswith('.dcm') and not n.startswith('.')]

    @staticmethod
    def entry_summary(entry: str) -> Dict:
        path = osp.join(entry, _SUMMARY)
        try:
            with open(path, encoding='utf-8') as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def finish_entry(self, entry: str, record: Dict) -> str:
        """All of an entry's files are delivered: keep its record in
        ``sent/`` and remove the entry."""
        path = write_json_atomic(
            osp.join(self.sent_dir, osp.basename(entry) + '.json'), record)
        shutil.rmtree(entry)
        return path
