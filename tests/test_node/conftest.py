"""Real software for the DICOM node's tests: Orthanc as the PACS and
dcmtk's storescu as the modality, on loopback ports only.

The tests skip with a clear message where ``/usr/sbin/Orthanc`` (Debian
``orthanc``) or ``storescu`` (Debian ``dcmtk``) is missing; ``.ci/run``
installs both.
"""
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from mmdsa.node.dcmtk import dcmtk_executable

REPO_ROOT = Path(__file__).resolve().parents[2]
ORTHANC = shutil.which('Orthanc') or (
    '/usr/sbin/Orthanc' if os.path.exists('/usr/sbin/Orthanc') else None)
STORESCU = dcmtk_executable('storescu')
NODE_AET, MODALITY_AET, PACS_AET = 'MMDSA', 'ANGIO1', 'ORTHANC'


def need_orthanc():
    if ORTHANC is None:
        pytest.skip('Orthanc not installed (Debian package "orthanc"; '
                    '.ci/run installs it)')


def need_storescu():
    if STORESCU is None:
        pytest.skip('storescu not installed (Debian package "dcmtk"; '
                    '.ci/run installs it)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=30.0, interval=0.1, what='condition'):
    end = time.time() + timeout
    while time.time() < end:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f'timed out after {timeout} s waiting for {what}')


class Orthanc:
    """An Orthanc process with a generated configuration in ``folder``."""

    def __init__(self, folder: Path, node_port: int):
        self.folder = folder
        self.dicom_port, self.http_port = free_port(), free_port()
        self.node_port = node_port
        self.proc = None
        folder.mkdir(parents=True, exist_ok=True)
        self.config = folder / 'orthanc.json'
        self.config.write_text(json.dumps(dict(
            Name='mmdsa-test', DicomAet=PACS_AET,
            DicomPort=self.dicom_port, HttpPort=self.http_port,
            RemoteAccessAllowed=False, AuthenticationEnabled=False,
            StorageDirectory=str(folder / 'storage'),
            IndexDirectory=str(folder / 'index'),
            DicomModalities={'mmdsa': [NODE_AET, '127.0.0.1', node_port]},
            DicomCheckCalledAet=True, Plugins=[], SaveJobs=False,
            StableAge=1, HttpDescribeErrors=True)))

    def start(self):
        self.log = open(self.folder / 'orthanc.log', 'ab')
        self.proc = subprocess.Popen([ORTHANC, str(self.config)],
                                     stdout=self.log, stderr=self.log)
        wait_for(self._up, 30, what='Orthanc to answer on HTTP')
        return self

    def _up(self):
        if self.proc.poll() is not None:
            raise AssertionError('Orthanc exited: ' + (
                self.folder / 'orthanc.log').read_text()[-2000:])
        try:
            self.get('/system')
            return True
        except OSError:
            return False

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if getattr(self, 'log', None):
            self.log.close()

    def get(self, path, raw=False):
        with urllib.request.urlopen(
                f'http://127.0.0.1:{self.http_port}{path}', timeout=10) as r:
            data = r.read()
        return data if raw else json.loads(data)

    def post(self, path, body):
        req = urllib.request.Request(
            f'http://127.0.0.1:{self.http_port}{path}',
            data=json.dumps(body).encode(), method='POST')
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def find_instances(self, **query):
        """Orthanc ids of the instances matching DICOM tags."""
        return self.post('/tools/find', dict(Level='Instance', Query=query))

    def tags(self, instance_id):
        return self.get(f'/instances/{instance_id}/simplified-tags')

    def file(self, instance_id) -> bytes:
        return self.get(f'/instances/{instance_id}/file', raw=True)


@pytest.fixture
def orthanc_factory(tmp_path):
    """Start Orthanc servers; every one is stopped at teardown."""
    need_orthanc()
    servers = []

    def make(node_port):
        server = Orthanc(tmp_path / f'orthanc{len(servers)}', node_port)
        servers.append(server)
        return server.start()

    yield make
    for server in servers:
        server.stop()


def storescu(port, files, aet=MODALITY_AET, aec=NODE_AET, timeout=60):
    """Send files with dcmtk's storescu; returns the CompletedProcess."""
    need_storescu()
    return subprocess.run(
        [STORESCU, '-v', '-aet', aet, '-aec', aec, '-to', '20', '-ta', '20',
         '127.0.0.1', str(port)] + [str(f) for f in files],
        capture_output=True, text=True, timeout=timeout)


def write_single_frame_series(folder: Path, num=4, size=32, seed=0,
                              series_key='s'):
    """A series of ``num`` single-frame XA instances (12-bit noise), with
    UIDs derived from ``series_key``; returns the files."""
    from mmdsa.synth.dicom_writer import synthetic_uid, write_xa_dicom
    import datetime
    rng = np.random.default_rng(seed)
    study = synthetic_uid('node-test-study', series_key)
    series = synthetic_uid('node-test-series', series_key)
    files = []
    for i in range(num):
        path = folder / f'{series_key}_{i}.dcm'
        write_xa_dicom(str(path), rng.integers(
            0, 4096, (1, size, size), dtype=np.uint16), 100.0, 'PA',
            'P0001', study, series, synthetic_uid('node-test-sop',
                                                  series_key, i),
            datetime.datetime(2024, 1, 3, 10, 0, i))
        import pydicom
        ds = pydicom.dcmread(path)
        ds.InstanceNumber = i + 1
        ds.save_as(path)
        files.append(path)
    return files, study, series


def node_settings(spool, port, dest_port, **overrides):
    """A node configuration mapping with the test processor."""
    data = dict(ae_title=NODE_AET, bind_address='127.0.0.1', port=port,
                allowed_calling_aets=[MODALITY_AET, PACS_AET],
                spool_dir=str(spool),
                destination=dict(ae_title=PACS_AET, host='127.0.0.1',
                                 port=dest_port),
                completion=dict(idle_timeout_s=30.0),
                retry=dict(initial_s=0.2, max_s=1.0),
                network_timeout_s=10.0,
                processor='node_test_processor:make_processor')
    data.update(overrides)
    return data


@pytest.fixture
def start_node():
    """Start in-process nodes (pynetdicom threads); stopped at teardown."""
    import sys
    sys.path.insert(0, str(REPO_ROOT / 'tests' / 'data'))
    from mmdsa.node import DicomNode
    from mmdsa.node.config import parse_node_config
    nodes = []

    def make(settings, processor=None):
        node = DicomNode(parse_node_config(settings), processor)
        nodes.append(node)
        return node.start()

    yield make
    for node in nodes:
        node.stop()
    sys.path.remove(str(REPO_ROOT / 'tests' / 'data'))
