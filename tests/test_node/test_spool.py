"""The spool: instances and result entries survive a crash complete or not
at all, and a restart finds exactly what was pending."""
import os

import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

from mmdsa.node.spool import Spool, check_uid


def _dataset(sop):
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = '1.2.840.10008.5.1.4.1.1.88.33'
    ds.SOPInstanceUID = sop
    return ds


def test_uids_are_the_only_names(tmp_path):
    spool = Spool(str(tmp_path))
    assert check_uid(' 1.2.3\x00', 'x') == '1.2.3'
    for bad in ('../etc', '1..2', '', '1.2.a', '1' * 65, None):
        with pytest.raises(ValueError, match='x: expected a DICOM UID'):
            check_uid(bad, 'x')
    with pytest.raises(ValueError, match='sop'):
        spool.store_instance('1.2', '../../evil', b'data')


def test_pending_processed_and_late_instances(tmp_path):
    spool = Spool(str(tmp_path))
    a = spool.store_instance('1.2', '1.2.1', b'a')
    spool.store_instance('1.2', '1.2.2', b'b')
    spool.store_instance('1.3', '1.3.1', b'c')
    assert set(Spool(str(tmp_path)).pending_series()) == {'1.2', '1.3'}
    spool.mark_processed('1.2', spool.series_instances('1.2'))
    assert set(spool.pending_series()) == {'1.3'}
    spool.store_instance('1.2', '1.2.3', b'late')  # the series re-opens
    assert spool.pending_series()['1.2'][0] == a
    assert len(spool.pending_series()['1.2']) == 3
    spool.mark_processed('1.3', spool.series_instances('1.3'), keep=False)
    assert not os.path.exists(tmp_path / 'series' / '1.3')


def test_outbox_entries_are_complete_or_absent(tmp_path, monkeypatch):
    spool = Spool(str(tmp_path))
    entry = spool.queue_results('1.2', [_dataset('1.2.9.1'),
                                        _dataset('1.2.9.2')],
                                dict(series_uid='1.2'))
    assert spool.outbox_entries() == [entry]
    assert [os.path.basename(f) for f in spool.entry_files(entry)] == \
        ['1.2.9.1.dcm', '1.2.9.2.dcm']
    assert spool.entry_summary(entry) == dict(series_uid='1.2')
    # a write that fails half-way leaves no entry behind
    with pytest.raises(ValueError, match='result SOPInstanceUID'):
        spool.queue_results('1.3', [_dataset('1.3.9.1'),
                                    _dataset('../1.3.9.2')], {})
    assert spool.outbox_entries() == [entry]
    assert [n for n in os.listdir(spool.outbox_dir)] == \
        [os.path.basename(entry)]
    # a killed node's unfinished entry folder is removed on the next start
    os.mkdir(entry + '.tmp-99999-deadbeef')
    assert Spool(str(tmp_path)).outbox_entries() == [entry]
    assert not os.path.exists(entry + '.tmp-99999-deadbeef')
    record = spool.finish_entry(entry, dict(series_uid='1.2', results=2))
    assert spool.outbox_entries() == [] and os.path.isfile(record)
