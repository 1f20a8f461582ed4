"""The node against real software when things go wrong: an unknown calling
AE, bytes that are not DICOM, a malformed dataset, the PACS down while
results are pending, and the node killed in the middle of a series.

Orthanc is the PACS, dcmtk's storescu the modality; the model is replaced
by a millisecond test processor (tests/data/node_test_processor.py), so
these tests exercise the node's own guarantees."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import pydicom

from .conftest import (MODALITY_AET, NODE_AET, REPO_ROOT, free_port,
                       need_orthanc, need_storescu, node_settings, storescu,
                       wait_for, write_single_frame_series)


def _result_ids(pacs, series_uid):
    from node_test_processor import derived_uid
    return pacs.find_instances(
        SeriesInstanceUID=derived_uid('series', series_uid))


def test_unknown_calling_ae_is_refused(tmp_path, start_node):
    need_storescu()
    files, _, series = write_single_frame_series(tmp_path, 2)
    node = start_node(node_settings(tmp_path / 'spool', 0, free_port()))
    proc = storescu(node.port, files, aet='STRANGER')
    assert proc.returncode != 0
    assert 'reject' in (proc.stdout + proc.stderr).lower()
    assert node.spool.series_instances(series) == []
    # an allowed calling AE that calls another AE title is refused too
    proc = storescu(node.port, files, aec='SOMEONE')
    assert proc.returncode != 0
    assert 'reject' in (proc.stdout + proc.stderr).lower()
    assert node.spool.series_instances(series) == []
    # the allowed AE still gets in
    assert storescu(node.port, files[:1]).returncode == 0, proc.stderr
    assert len(node.spool.series_instances(series)) == 1


def test_garbage_bytes_and_malformed_dataset(tmp_path, start_node):
    need_storescu()
    node = start_node(node_settings(tmp_path / 'spool', 0, free_port()))
    # 1. a byte stream that is not DICOM upper layer protocol at all
    with socket.create_connection(('127.0.0.1', node.port), 5) as s:
        s.sendall(b'GET / HTTP/1.0\r\n\r\n' + os.urandom(2048))
    # 2. an XA object whose pixel data does not fit its header
    files, _, series = write_single_frame_series(tmp_path, 2)
    bad = pydicom.dcmread(files[0])
    bad.PixelData = bad.PixelData[:100]
    bad_path = tmp_path / 'truncated.dcm'
    bad.save_as(bad_path)
    proc = storescu(node.port, [bad_path])
    out = proc.stdout + proc.stderr
    assert 'DataSetDoesNotMatchSOPClass' in out, out
    assert node.spool.series_instances(series) == []
    # 3. the node still serves: a good instance is stored
    proc = storescu(node.port, files[1:])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(node.spool.series_instances(series)) == 1


def test_store_handler_failure_statuses(tmp_path, start_node):
    """A dataset without its study / series UIDs gets 0xA900 with a
    comment saying why, and the association stays usable."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ImplicitVRLittleEndian
    from pynetdicom import AE
    from pynetdicom.sop_class import XRayAngiographicImageStorage
    node = start_node(node_settings(tmp_path / 'spool', 0, free_port()))
    ae = AE(ae_title=MODALITY_AET)
    ae.add_requested_context(XRayAngiographicImageStorage,
                             ImplicitVRLittleEndian)
    assoc = ae.associate('127.0.0.1', node.port, ae_title=NODE_AET)
    assert assoc.is_established
    try:
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
        ds.SOPClassUID = XRayAngiographicImageStorage
        ds.SOPInstanceUID = '1.2.3.4'
        ds.Modality = 'XA'
        status = assoc.send_c_store(ds)
        assert status.Status == 0xA900, status
        assert 'InstanceUID' in str(status.get('ErrorComment', ''))
        assert assoc.is_established  # failure statuses keep it open
    finally:
        assoc.release()
    assert node.pending() == 0
    assert os.listdir(node.spool.series_dir) == []


def test_results_kept_while_pacs_is_down(tmp_path, orthanc_factory,
                                         start_node):
    need_storescu()
    node = start_node(node_settings(
        tmp_path / 'spool', 0, free_port(),
        completion=dict(expected_instances=3, idle_timeout_s=30.0)))
    pacs_folder_port = node.cfg.destination.port
    files, study, series = write_single_frame_series(tmp_path, 3)
    assert storescu(node.port, files).returncode == 0
    # the PACS is not running: the result waits in the outbox
    wait_for(lambda: node.spool.outbox_entries(), 20, what='a result entry')
    wait_for(lambda: node.sender.failures >= 2, 20,
             what='two failed deliveries')
    entries = node.spool.outbox_entries()
    assert len(entries) == 1 and node.spool.entry_files(entries[0])
    # the PACS comes up on the configured port: delivered on a retry
    from .conftest import Orthanc
    pacs = Orthanc(tmp_path / 'pacs', node.port)
    pacs.dicom_port = pacs_folder_port
    cfg = json.loads(pacs.config.read_text())
    cfg['DicomPort'] = pacs_folder_port
    pacs.config.write_text(json.dumps(cfg))
    try:
        need_orthanc()
        pacs.start()
        ids = wait_for(lambda: _result_ids(pacs, series), 20,
                       what='the result in Orthanc')
        assert len(ids) == 1
        assert pacs.tags(ids[0])['StudyInstanceUID'] == study
        wait_for(lambda: not node.spool.outbox_entries(), 10,
                 what='an empty outbox')
        sent = os.listdir(node.spool.sent_dir)
        assert len(sent) == 1
        # a second series while the PACS is stopped again
        pacs.stop()
        files2, _, series2 = write_single_frame_series(
            tmp_path, 3, seed=1, series_key='second')
        assert storescu(node.port, files2).returncode == 0
        wait_for(lambda: node.spool.outbox_entries(), 20,
                 what='the second result entry')
        time.sleep(1.0)
        assert node.spool.outbox_entries()
        pacs.start()
        wait_for(lambda: _result_ids(pacs, series2), 20,
                 what='the second result in Orthanc')
    finally:
        pacs.stop()


def _node_process(config_path, log_path, delay=0.0):
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [str(REPO_ROOT), str(REPO_ROOT / 'tests' / 'data'),
         env.get('PYTHONPATH', '')])
    env['OMP_NUM_THREADS'] = '1'
    env['MMDSA_NODE_TEST_DELAY_S'] = str(delay)
    log = open(log_path, 'ab')
    proc = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / 'tools' / 'dicom_node.py'),
         str(config_path)], env=env, stdout=log, stderr=log,
        cwd=str(REPO_ROOT))
    log.close()
    return proc


def _wait_listening(proc, port, log_path):
    def up():
        if proc.poll() is not None:
            raise AssertionError('node exited: ' + log_path.read_text())
        try:
            socket.create_connection(('127.0.0.1', port), 0.5).close()
            return True
        except OSError:
            return False
    wait_for(up, 60, what='the node to listen')


def test_killed_mid_series_resumes_after_restart(tmp_path, orthanc_factory):
    """SIGKILL after 2 of 4 instances, then again while the complete
    series is being processed: after each restart nothing is lost and the
    series' result reaches the PACS exactly as one object of 4 instances."""
    need_storescu()
    port = free_port()
    pacs = orthanc_factory(port)
    config = tmp_path / 'node.json'
    config.write_text(json.dumps(node_settings(
        tmp_path / 'spool', port, pacs.dicom_port,
        completion=dict(expected_instances=4, idle_timeout_s=60.0))))
    log = tmp_path / 'node.log'
    files, study, series = write_single_frame_series(tmp_path, 4)
    proc = _node_process(config, log)
    try:
        _wait_listening(proc, port, log)
        assert storescu(port, files[:2]).returncode == 0
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        spooled = os.listdir(tmp_path / 'spool' / 'series' / series)
        assert len([n for n in spooled if n.endswith('.dcm')]) == 2
        # restart with a slow processor; kill it while it processes
        proc = _node_process(config, log, delay=30.0)
        _wait_listening(proc, port, log)
        assert storescu(port, files[2:]).returncode == 0
        time.sleep(1.0)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert not _result_ids(pacs, series)
        # third start: the series (4 instances, all spooled) completes
        proc = _node_process(config, log)
        _wait_listening(proc, port, log)
        ids = wait_for(lambda: _result_ids(pacs, series), 30,
                       what='the resumed series result in Orthanc')
        assert len(ids) == 1
        tags = pacs.tags(ids[0])
        assert tags['StudyInstanceUID'] == study
        assert tags['ImageComments'] == 'instances=4'
        wait_for(lambda: 'results=1' in log.read_text(), 10,
                 what='the series log line')
        line = [x for x in log.read_text().splitlines()
                if f'series {series}' in x and 'results=' in x][-1]
        for key in ('receive=', 'wait=', 'send=', 'latency='):
            assert key in line, line
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_idle_timeout_completes_and_late_instance_reopens(tmp_path,
                                                          start_node):
    """Without a count, a series is complete after the idle timeout; an
    instance arriving after that runs the series again with all three."""
    need_storescu()
    node = start_node(node_settings(
        tmp_path / 'spool', 0, free_port(),   # no PACS: results stay queued
        completion=dict(use_header_count=False, idle_timeout_s=1.0)))
    files, _, series = write_single_frame_series(tmp_path, 3)
    assert storescu(node.port, files[:2]).returncode == 0
    entries = wait_for(lambda: node.spool.outbox_entries(), 20,
                       what='the series to complete by the idle timeout')
    summary = node.spool.entry_summary(entries[0])
    assert summary['instances'] == 2 and summary['timings_s']['wait'] >= 1.0
    wait_for(lambda: node.pending() == 0, 20,
             what='the series to be marked processed')
    assert storescu(node.port, files[2:]).returncode == 0
    entries = wait_for(lambda: node.spool.outbox_entries()[1:], 20,
                       what='the re-opened series')
    ds = pydicom.dcmread(node.spool.entry_files(entries[0])[0])
    assert ds.ImageComments == 'instances=3'
    # the outbox entry is queued before the series is marked processed
    # (a crash in between re-runs it): wait for the mark too
    wait_for(lambda: node.spool.pending_series() == {}, 20,
             what='the re-opened series to be marked processed')


def test_concurrent_associations(tmp_path, start_node):
    """Three modalities send at once (three storescu processes, one
    association each): every instance is spooled and every series gets
    its result entry."""
    need_storescu()
    from .conftest import STORESCU
    node = start_node(node_settings(
        tmp_path / 'spool', 0, free_port(),
        completion=dict(expected_instances=4, idle_timeout_s=30.0)))
    sends, series = [], []
    for k in range(3):
        files, _, uid = write_single_frame_series(
            tmp_path, 4, seed=k, series_key=f'c{k}')
        series.append(uid)
        sends.append(subprocess.Popen(
            [STORESCU, '-aet', MODALITY_AET, '-aec', NODE_AET, '127.0.0.1',
             str(node.port)] + [str(f) for f in files],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
    for proc in sends:
        assert proc.wait(60) == 0, proc.stdout.read()
    entries = wait_for(lambda: len(node.spool.outbox_entries()) == 3 and
                       node.spool.outbox_entries(), 30,
                       what='three result entries')
    assert sorted(node.spool.entry_summary(e)['series_uid']
                  for e in entries) == sorted(series)
    assert all(node.spool.entry_summary(e)['instances'] == 4
               for e in entries)


def test_an_undeliverable_entry_does_not_block_the_others(
        tmp_path, orthanc_factory, start_node):
    """An object the PACS will not take (a SOP class it does not accept)
    stays in the outbox and is retried; the results queued after it are
    delivered meanwhile."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    from node_test_processor import make_processor
    port = free_port()
    pacs = orthanc_factory(port)
    node = start_node(node_settings(tmp_path / 'spool', port,
                                    pacs.dicom_port))
    odd = Dataset()
    odd.file_meta = FileMetaDataset()
    odd.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    odd.SOPClassUID = '1.2.3.4.5.6.7'   # no such storage class
    odd.SOPInstanceUID = '1.2.3.4.5.6.8'
    files, study, series = write_single_frame_series(tmp_path, 1)
    good = make_processor(None)([str(files[0])])
    node.spool.queue_results('1.2.3', [odd], dict(series_uid='1.2.3'))
    node.spool.queue_results(series, good, dict(series_uid=series))
    node.sender.wake()
    ids = wait_for(lambda: _result_ids(pacs, series), 20,
                   what='the second entry in Orthanc')
    assert pacs.tags(ids[0])['StudyInstanceUID'] == study
    wait_for(lambda: node.sender.failures >= 2, 20, what='two retries')
    entries = node.spool.outbox_entries()
    assert len(entries) == 1 and entries[0].endswith('-1.2.3')
    assert [os.path.basename(f) for f in node.spool.entry_files(
        entries[0])] == ['1.2.3.4.5.6.8.dcm']
