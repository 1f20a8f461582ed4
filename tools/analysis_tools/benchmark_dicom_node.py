"""Benchmark the DICOM node as deployed: latency and a 100-series soak.

Starts Orthanc (the PACS) on free loopback ports with a generated
configuration and the node (``tools/dicom_node.py``, a separate process, as
deployed) with a detector of random weights (timing only), then:

1. **Latency.** Sends ``--latency-series`` synthetic series of
   ``--frames`` frames at ``--image-size`` px with dcmtk's ``storescu``, one
   at a time. For each: the time from the last instance acknowledged by the
   node (``storescu`` returns) to the series' SR being stored in Orthanc
   (polled over its REST API), against the node's own model time (the
   decode / model / build / send timings of its log record).
2. **Soak.** Sends ``--soak-series`` small series back to back, samples the
   node's resident memory (RSS, ``/proc/<pid>/status``) while it works,
   waits until every series' SR is in Orthanc and checks that nothing is
   lost (every series has its SR, the outbox is empty, no series pending).

Prints one table per part; the last line is
``latency_overhead_s: X.XX rss_growth_mb: Y.Y lost: N``.

Needs ``Orthanc`` (Debian ``orthanc``) and ``storescu`` (Debian ``dcmtk``).

Example::

    python tools/analysis_tools/benchmark_dicom_node.py \\
        --latency-series 5 --frames 30 --image-size 256 --soak-series 100
"""
import argparse
import glob
import json
import os
import os.path as osp
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DET = 'configs/perforation/' \
    'retinanet_r18-tiny_fpn_tcm-t5_dr-iou_so_8e_synthetic-perforation.py'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=DET,
                        help='detector or recognizer config (random weights '
                        'unless --checkpoint)')
    parser.add_argument('--checkpoint',
                        help='a trained checkpoint of --config (with its '
                        'operating point file) instead of random weights: '
                        'the boxes it reports, and so the result objects, '
                        'are those of a trained model')
    parser.add_argument('--threshold', type=float,
                        help='operating point of --checkpoint when it has '
                        'no operating-point file (it decides the verdict, '
                        'not which boxes are reported)')
    parser.add_argument('--difficulty', default='medium',
                        help='synthetic level of the generated series (the '
                        "level --checkpoint was trained on, e.g. "
                        "'temporal')")
    parser.add_argument('--latency-series', type=int, default=5)
    parser.add_argument('--frames', type=int, default=30)
    parser.add_argument('--image-size', type=int, default=256)
    parser.add_argument('--soak-series', type=int, default=100)
    parser.add_argument('--soak-frames', type=int, default=6)
    parser.add_argument('--soak-image-size', type=int, default=64)
    parser.add_argument('--threads', type=int, default=2,
                        help='OMP_NUM_THREADS of the node')
    parser.add_argument('--work-dir', help='keep everything here (default: '
                        'a temporary folder, removed at the end)')
    return parser.parse_args(argv)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def rss_mb(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024.0
    return float('nan')


class Pacs:
    """Orthanc on loopback with a generated configuration."""

    def __init__(self, folder, node_port):
        from mmdsa.utils.fileio import write_json_atomic
        self.dicom_port, self.http_port = free_port(), free_port()
        self.folder = folder
        config = osp.join(folder, 'orthanc.json')
        write_json_atomic(config, dict(
            Name='mmdsa-bench', DicomAet='ORTHANC',
            DicomPort=self.dicom_port, HttpPort=self.http_port,
            RemoteAccessAllowed=False, AuthenticationEnabled=False,
            StorageDirectory=osp.join(folder, 'storage'),
            IndexDirectory=osp.join(folder, 'index'),
            DicomModalities={'mmdsa': ['MMDSA', '127.0.0.1', node_port]},
            Plugins=[], SaveJobs=False))
        orthanc = shutil.which('Orthanc') or '/usr/sbin/Orthanc'
        self.log = open(osp.join(folder, 'orthanc.log'), 'ab')
        self.proc = subprocess.Popen([orthanc, config], stdout=self.log,
                                     stderr=self.log)
        wait(lambda: self._up(), 60, 'Orthanc')

    def _up(self):
        try:
            self.get('/system')
            return True
        except OSError:
            return False

    def get(self, path):
        with urllib.request.urlopen(
                f'http://127.0.0.1:{self.http_port}{path}', timeout=10) as r:
            return json.loads(r.read())

    def count(self, **query):
        req = urllib.request.Request(
            f'http://127.0.0.1:{self.http_port}/tools/find',
            data=json.dumps(dict(Level='Instance', Query=query)).encode(),
            method='POST')
        with urllib.request.urlopen(req, timeout=10) as r:
            return len(json.loads(r.read()))

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)
        self.log.close()


def wait(predicate, timeout, what, interval=0.02):
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return
        time.sleep(interval)
    raise RuntimeError(f'timed out after {timeout} s waiting for {what}')


def make_model(folder, config):
    import torch

    from mmdsa.apis import init_model
    from mmdsa.apis.operating_point import write_operating_point
    torch.manual_seed(0)
    model = init_model(config)
    ckpt = osp.join(folder, 'random.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), ckpt)
    write_operating_point(ckpt, dict(
        threshold=0.5, method='youden', required_specificity=None,
        sensitivity=None, specificity=None, num_series=0, num_positive=0,
        num_negative=0, chosen_on=dict(split='none (random weights)')))
    return ckpt


def make_series(folder, count, frames, size, seed, difficulty='medium'):
    from mmdsa.synth.dataset import generate_perforation_dataset
    generate_perforation_dataset(folder, num_series=count, seed=seed,
                                 image_size=size, num_frames=(frames, frames),
                                 difficulty=difficulty, progress=False)
    return sorted(glob.glob(osp.join(folder, 'dicom', '*.dcm')))


def storescu(port, files):
    from mmdsa.node.dcmtk import dcmtk_executable
    proc = subprocess.run(
        [dcmtk_executable('storescu'), '-aet', 'ANGIO1', '-aec', 'MMDSA', '127.0.0.1',
         str(port)] + list(files), capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f'storescu failed: {proc.stderr[-2000:]}')


def sr_count(pacs, series_file):
    import pydicom
    ds = pydicom.dcmread(series_file, stop_before_pixels=True)
    return pacs.count(StudyInstanceUID=str(ds.StudyInstanceUID),
                      Modality='SR')


def records(spool):
    out = {}
    for path in glob.glob(osp.join(spool, 'sent', '*.json')):
        with open(path) as f:
            rec = json.load(f)
        out[rec['series_uid']] = rec
    return out


def main(argv=None):
    args = parse_args(argv)
    from mmdsa.node.dcmtk import dcmtk_executable
    if dcmtk_executable('storescu') is None:
        from mmdsa.utils.cli import ToolError
        raise ToolError("storescu: dcmtk's is not on PATH (only "
                        "pynetdicom's script of that name, or none); install "
                        'Debian dcmtk')
    work = args.work_dir or osp.join(
        tempfile.gettempdir(),
        f'mmdsa_node_bench_{os.getpid()}_{int(time.time())}')
    os.makedirs(work, exist_ok=True)
    node_port = free_port()
    pacs = Pacs(work, node_port)
    node = None
    try:
        ckpt = osp.abspath(args.checkpoint) if args.checkpoint else \
            make_model(work, osp.join(REPO, args.config))
        name = 'perforation-trained' if args.checkpoint else \
            'perforation-random'
        spool = osp.join(work, 'spool')
        node_cfg = osp.join(work, 'node.json')
        from mmdsa.utils.fileio import write_json_atomic
        write_json_atomic(node_cfg, dict(
            ae_title='MMDSA', port=node_port,
            allowed_calling_aets=['ANGIO1'], spool_dir=spool,
            destination=dict(ae_title='ORTHANC', host='127.0.0.1',
                             port=pacs.dicom_port),
            completion=dict(expected_instances=1, idle_timeout_s=30),
            retry=dict(initial_s=0.5, max_s=5),
            models=[dict(name=name,
                          config=osp.join(REPO, args.config),
                          checkpoint=ckpt, threshold=args.threshold)]))
        env = dict(os.environ, OMP_NUM_THREADS=str(args.threads),
                   PYTHONPATH=os.pathsep.join(
                       [REPO, os.environ.get('PYTHONPATH', '')]))
        node_log = open(osp.join(work, 'node.log'), 'ab')
        t0 = time.time()
        node = subprocess.Popen(
            [sys.executable, osp.join(REPO, 'tools', 'dicom_node.py'),
             node_cfg], env=env, stdout=node_log, stderr=node_log)

        def listening():
            if node.poll() is not None:
                raise RuntimeError('the node exited; see '
                                   + osp.join(work, 'node.log'))
            try:
                socket.create_connection(('127.0.0.1', node_port), 1).close()
                return True
            except OSError:
                return False
        wait(listening, 600, 'the node to listen', 0.2)
        print(f'node started (models loaded) in {time.time() - t0:.1f} s; '
              f'RSS {rss_mb(node.pid):.0f} MB')

        # 1. latency
        files = make_series(osp.join(work, 'latency'), args.latency_series,
                            args.frames, args.image_size, seed=1,
                            difficulty=args.difficulty)
        rows = []
        for f in files:
            storescu(node_port, [f])
            t_last = time.time()
            wait(lambda: sr_count(pacs, f) >= 1, 600, 'the SR', 0.01)
            latency = time.time() - t_last
            import pydicom
            uid = str(pydicom.dcmread(
                f, stop_before_pixels=True).SeriesInstanceUID)
            wait(lambda: uid in records(spool), 30, 'the node record')
            t = records(spool)[uid]['timings_s']
            rows.append((osp.basename(f), latency, t.get('decode', 0),
                         t.get('model', 0), t.get('build', 0),
                         t.get('send', 0)))
            verdict = records(spool)[uid].get('verdicts', {}).get(name, {})
            print(f"{osp.basename(f)}: {verdict.get('verdict')} "
                  f"{verdict.get('score')}")
        print(f'\nlatency: {args.latency_series} series of {args.frames} '
              f'frames at {args.image_size} px, {args.config}, '
              f"{args.checkpoint or 'random weights'}")
        print(f'{"series":<18}{"latency s":>10}{"decode s":>10}'
              f'{"model s":>10}{"build s":>10}{"send s":>10}'
              f'{"- model s":>11}{"- model - build s":>19}')
        for name, lat, dec, mod, bld, snd in rows:
            print(f'{name:<18}{lat:>10.2f}{dec:>10.2f}{mod:>10.2f}'
                  f'{bld:>10.2f}{snd:>10.2f}{lat - mod:>11.2f}'
                  f'{lat - mod - bld:>19.2f}')
        overhead = statistics.median(r[1] - r[3] for r in rows)
        print(f'median latency {statistics.median(r[1] for r in rows):.2f} '
              f's, median model {statistics.median(r[3] for r in rows):.2f}'
              f' s, median latency - model {overhead:.2f} s, median latency '
              f'- model - result building '
              f'{statistics.median(r[1] - r[3] - r[4] for r in rows):.2f} s')

        # 2. soak
        files = make_series(osp.join(work, 'soak'), args.soak_series,
                            args.soak_frames, args.soak_image_size, seed=2)
        before = len(records(spool))
        samples = [(0, rss_mb(node.pid))]
        step = max(1, len(files) // 10)
        t0 = time.time()
        for f in files:
            storescu(node_port, [f])
        sent_all = time.time() - t0
        # RSS against the number of series delivered, while it works
        end = time.time() + 60 + 30 * len(files)
        while time.time() < end:
            done = len(records(spool)) - before
            if done >= samples[-1][0] + step or done >= len(files):
                samples.append((done, rss_mb(node.pid)))
            if done >= len(files):
                break
            time.sleep(0.2)
        else:
            raise RuntimeError('timed out waiting for every soak series to '
                               'be delivered')
        total = time.time() - t0
        have = sum(sr_count(pacs, f) >= 1 for f in files)
        outbox = os.listdir(osp.join(spool, 'outbox'))
        pending = [d for d in os.listdir(osp.join(spool, 'series'))
                   if not osp.isfile(osp.join(spool, 'series', d,
                                              '.processed.json'))]
        lost = len(files) - have
        print(f'\nsoak: {len(files)} series of {args.soak_frames} frames at '
              f'{args.soak_image_size} px sent in {sent_all:.1f} s, all '
              f'delivered after {total:.1f} s '
              f'({total / len(files):.2f} s per series)')
        print(f'{"delivered":>12}{"node RSS MB":>13}')
        for n, mb in samples:
            print(f'{n:>12}{mb:>13.1f}')
        start, first = next((n, mb) for n, mb in samples if n >= step)
        growth = samples[-1][1] - first
        print(f'SRs in Orthanc: {have}/{len(files)}; outbox entries left: '
              f'{len(outbox)}; series pending: {len(pending)}; RSS growth '
              f'from {start} to {len(files)} series: '
              f'{growth:+.1f} MB')
        print(f'latency_overhead_s: {overhead:.2f} rss_growth_mb: '
              f'{growth:.1f} lost: {lost}')
        return 0 if lost == 0 and not outbox and not pending else 1
    finally:
        if node is not None and node.poll() is None:
            node.send_signal(signal.SIGTERM)
            try:
                node.wait(60)
            except subprocess.TimeoutExpired:
                node.kill()
        pacs.stop()
        if not args.work_dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
