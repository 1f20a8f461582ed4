"""Time building and writing the DICOM result objects of one series.

    python tools/analysis_tools/benchmark_results.py [--sizes 256 1024]
        [--frames 30] [--boxes 40] [--repeat 5] [--sc]

A synthetic XA series (:func:`mmdsa.synth.dicom_writer.write_xa_dicom`)
of ``--frames`` frames is written twice, as one multi-frame file and as a
folder of single-frame files (what a DICOM node receives from a modality),
and a detector result with ``--boxes`` detections over its frames (and a
kept trajectory; each box is one SR region group) is turned into the SR, the GSPS and the KOS with
:func:`mmdsa.results.build_result_datasets`, then written with
:func:`mmdsa.results.write_result_datasets` (atomic, fsync'd).

Printed, per layout and image size: reading the source headers, the
median build time of each object kind and its write time (wall and CPU
time of this process; the build steps in wall time only) over
``--repeat`` runs after a first one; and the first call in a fresh
process, with and without :func:`mmdsa.results.warm_up` at start-up (each
in a child process). The Secondary Capture (``--sc``) is timed
separately: it encodes pixels.
The load average is printed: on a busy machine the wall times grow.
"""
import argparse
import datetime
import hashlib
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional

import numpy as np

KINDS = ('prepare', 'sr', 'gsps', 'kos', 'sc')
MODALITY_KIND = {'SR': 'sr', 'PR': 'gsps', 'KO': 'kos', 'OT': 'sc'}


def write_source(folder: str, size: int, num_frames: int,
                 layout: str) -> str:
    """A synthetic XA series: one multi-frame file or a folder of
    single-frame files; returns the path to read."""
    from mmdsa.synth.dicom_writer import synthetic_uid, write_xa_dicom
    rng = np.random.default_rng(0)
    frames = rng.integers(1000, 3000, (num_frames, size, size),
                          dtype=np.uint16)
    args = ('PA', 'P0001', synthetic_uid('bench', 'study'),
            synthetic_uid('bench', layout, size, 'series'))
    when = datetime.datetime(2024, 1, 3, 10, 12)
    if layout == 'multiframe':
        path = osp.join(folder, f'src_{size}.dcm')
        write_xa_dicom(path, frames, 100.0, *args,
                       synthetic_uid('bench', size, 'sop'), when)
        return path
    path = osp.join(folder, f'src_{size}')
    os.makedirs(path)
    for t in range(num_frames):
        write_xa_dicom(osp.join(path, f'{t:03d}.dcm'), frames[t:t + 1],
                       100.0, *args, synthetic_uid('bench', size, t, 'sop'),
                       when + datetime.timedelta(seconds=0.1 * t),
                       description=f'frame {t}')
    return path


def detector_result(size: int, num_frames: int, num_boxes: int) -> Dict:
    """A positive detector result: ``num_boxes`` detections (scores 0.35 to
    0.95, all reported) and a kept trajectory over a sixth of the frames
    (its boxes are detections too), so ``num_boxes`` + that many boxes
    are reported."""
    rng = np.random.default_rng(1)
    traj_frames = list(range(num_frames // 3, num_frames // 3 +
                             max(1, num_frames // 6)))
    detections = []
    per_frame = np.bincount(rng.integers(0, num_frames, max(
        0, num_boxes - len(traj_frames))), minlength=num_frames)
    for t in range(num_frames):
        n = int(per_frame[t]) + (t in traj_frames)
        xy = rng.uniform(0, 0.8 * size, (n, 2))
        wh = rng.uniform(0.02 * size, 0.2 * size, (n, 2))
        scores = rng.uniform(0.35, 0.95, n)
        detections.append((np.concatenate([xy, xy + wh], 1).astype(
            np.float32), scores.astype(np.float32)))
    trajectory = {t: [float(v) for v in detections[t][0][0]]
                  for t in traj_frames}
    frames = rng.uniform(0, 255, (num_frames, size, size)).astype(np.float32)
    return dict(frames=frames, detections=detections, trajectory=trajectory,
                series_score=0.81,
                decision=dict(verdict='positive', score=0.81, threshold=0.5,
                              operating_point=dict(source='calibrated',
                                                   method='youden')))


PROVENANCE = dict(mmdsa_version='bench', git_commit=None,
                  config='configs/perforation/benchmark.py',
                  checkpoint_sha256=hashlib.sha256(b'benchmark').hexdigest())


def once(path: str, result: Dict, out_dir: str, sc: bool) -> Dict:
    """One read + build + write; wall and CPU seconds per step."""
    from mmdsa.results import (build_result_datasets, read_source_datasets,
                               write_result_datasets)
    wall, cpu = {}, {}
    w0, c0 = time.perf_counter(), time.process_time()
    sources = read_source_datasets(path)
    wall['read'], cpu['read'] = (time.perf_counter() - w0,
                                 time.process_time() - c0)
    timings: Dict[str, float] = {}
    w0, c0 = time.perf_counter(), time.process_time()
    datasets = build_result_datasets(
        result, sources, PROVENANCE, task='perforation',
        model_name='benchmark', include_sc=sc, timings=timings)
    wall['build'], cpu['build'] = (time.perf_counter() - w0,
                                   time.process_time() - c0)
    wall.update({f'build_{k}': v for k, v in timings.items()})
    for ds in datasets:
        kind = MODALITY_KIND[str(ds.Modality)]
        w0, c0 = time.perf_counter(), time.process_time()
        write_result_datasets([ds], out_dir)
        wall[f'write_{kind}'], cpu[f'write_{kind}'] = (
            time.perf_counter() - w0, time.process_time() - c0)
    return dict(wall=wall, cpu=cpu)


def first_call(mode: str, size: int, frames: int, boxes: int) -> Dict:
    """The first build in this process (run in a child): ``mode`` 'cold'
    or 'warm' (after :func:`mmdsa.results.warm_up`)."""
    import torch  # noqa: F401  (resident in the node / infer.py)
    w0 = time.perf_counter()
    if mode == 'warm':
        from mmdsa.results import warm_up
        warm_up()
    warm = time.perf_counter() - w0
    with tempfile.TemporaryDirectory() as tmp:
        path = write_source(tmp, size, frames, 'folder')
        result = detector_result(size, frames, boxes)
        out = once(path, result, osp.join(tmp, 'out'), False)
    out['warm_up'] = warm
    return out


def child_first_call(mode: str, args) -> Dict:
    cmd = [sys.executable, __file__, '--first-call', mode, '--frames',
           str(args.frames), '--boxes', str(args.boxes), '--sizes',
           str(args.sizes[0])]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode:
        raise RuntimeError(f'{cmd}: exit {proc.returncode}: '
                           f'{proc.stderr[-2000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fmt(values: List[float]) -> str:
    return f'{np.median(values) * 1000:7.0f}' if values else '      -'


def report(name: str, runs: List[Dict], boxes: int) -> None:
    """Median ms of each step over ``runs``."""
    def col(kind, key):
        return [r[kind][key] for r in runs if key in r[kind]]
    print(f'\n[{name}] {boxes} boxes (SR region groups); median of '
          f'{len(runs)} runs (ms, wall / CPU)')
    print(f'  read source headers   {_fmt(col("wall", "read"))} / '
          f'{_fmt(col("cpu", "read"))}')
    for kind in KINDS:
        values = col('wall', f'build_{kind}')
        if values:
            print(f'  build {kind:<8}        {_fmt(values)}')
    print(f'  build all             {_fmt(col("wall", "build"))} / '
          f'{_fmt(col("cpu", "build"))}')
    for kind in KINDS[1:]:
        if col('wall', f'write_{kind}'):
            print(f'  write {kind:<8}        '
                  f'{_fmt(col("wall", f"write_{kind}"))} / '
                  f'{_fmt(col("cpu", f"write_{kind}"))}')
    parts = ['build_prepare', 'build_sr', 'build_gsps', 'build_kos',
             'write_sr', 'write_gsps', 'write_kos']
    total = [sum(r['wall'].get(k, 0.0) for k in parts) for r in runs]
    print(f'  SR + GSPS + KOS, build + write (wall) {_fmt(total)}')


def main(argv: Optional[List[str]] = None) -> int:
    from mmdsa.utils.cli import ToolError
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument('--sizes', type=int, nargs='+', default=[256, 1024])
    parser.add_argument('--frames', type=int, default=30)
    parser.add_argument('--boxes', type=int, default=40)
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--sc', action='store_true',
                        help='also build and write the Secondary Capture')
    parser.add_argument('--first-call', choices=('cold', 'warm'),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for key in ('frames', 'boxes', 'repeat'):
        if getattr(args, key) < 1:
            raise ToolError(f'--{key}: expected >= 1, got '
                            f'{getattr(args, key)}')
    if any(s < 16 for s in args.sizes):
        raise ToolError(f'--sizes: expected sizes >= 16, got {args.sizes}')
    if args.first_call:
        out = first_call(args.first_call, args.sizes[0], args.frames,
                         args.boxes)
        print(json.dumps(out))
        return 0
    print(f'{args.frames} frames, {args.boxes} detections; load '
          'average %.1f %.1f %.1f on %d CPUs' % (*os.getloadavg(),
                                                 os.cpu_count()))
    for mode in ('cold', 'warm'):
        out = child_first_call(mode, args)
        wall, cpu = out['wall'], out['cpu']
        writes = [k for k in wall if k.startswith('write_')]
        warm = (f', after warm_up() at start-up ({out["warm_up"]:.1f} s)'
                if mode == 'warm' else ', no warm-up')
        print(f'first call in a fresh process ({args.sizes[0]} px, folder'
              f'{warm}): build {wall["build"]:.2f} s / CPU '
              f'{cpu["build"]:.2f} s, write '
              f'{sum(wall[k] for k in writes):.2f} s / CPU '
              f'{sum(cpu[k] for k in writes):.2f} s')
    from mmengine.utils import ProgressBar

    from mmdsa.results import summarise
    with tempfile.TemporaryDirectory() as tmp:
        cases = [(layout, size) for size in args.sizes
                 for layout in ('multiframe', 'folder')]
        results = {}
        bar = ProgressBar(len(cases) * (args.repeat + 1))
        for layout, size in cases:
            path = write_source(tmp, size, args.frames, layout)
            result = detector_result(size, args.frames, args.boxes)
            runs = []
            for i in range(args.repeat + 1):
                run = once(path, result, osp.join(tmp, f'out_{layout}'),
                           args.sc)
                if i:  # the first one is a warm-up
                    runs.append(run)
                bar.update()
            results[(layout, size)] = runs, len(summarise(
                result, 'perforation', size, size)['boxes'])
        print()
        for (layout, size), (runs, boxes) in results.items():
            report(f'{layout}, {size} x {size}', runs, boxes)
    print('\nload average after: %.1f %.1f %.1f' % os.getloadavg())
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
