"""Benchmark whole-series inference at fp32 and bf16, side by side.

Writes a generated 12-bit XA series of ``--frames`` frames of ``--size``
pixels (uncompressed DICOM), builds the config's detector (random weights
unless ``--checkpoint``) and runs :func:`mmdsa.apis.inference_series` on it
at each ``--precisions`` value, alternating the precisions ``--repeat``
times in one process (after one warm-up run each), so every precision sees
the same load. Per precision it prints the medians of:

- decode: reading the DICOM file + the test pipeline;
- model: the cached series inference (backbone + FPN once per frame, the
  temporal neck, the head; bf16 autocast + channels_last where chosen);
- post-processing: box decoding happens in the model part in fp32, this is
  the series rule (trajectory optimiser / max score) and the conversion to
  numpy;
- peak memory of the process while inference runs (resident set size,
  sampled every 5 ms from ``/proc/self/statm``, minus the RSS before the
  run), and the peak of Python / numpy allocations (``tracemalloc``);

and the largest difference of the series score and of the per-frame
maximum box scores against the first precision. The load average
(``os.getloadavg``) is printed before and after: on a shared machine only
figures of one run are comparable.

Whether this CPU computes bf16 natively (AVX512-BF16 / AMX,
:func:`mmdsa.utils.precision.cpu_supports_bf16`) is printed first; without
it bf16 is emulated and slower than fp32, and ``auto`` picks fp32.

Example::

    python tools/analysis_tools/benchmark_cpu_inference.py --threads 2
    python tools/analysis_tools/benchmark_cpu_inference.py --size 256 \\
        --frames 30 --repeat 3
"""
import argparse
import os
import os.path as osp
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc

import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

CONFIG = ('configs/perforation/'
          'retinanet_r50_fpn_tcm-t5_dr-iou_12e_dsa-perforation.py')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=CONFIG)
    parser.add_argument('--checkpoint', default=None,
                        help='weights (default: random weights)')
    parser.add_argument('--frames', type=int, default=30)
    parser.add_argument('--size', type=int, default=1024,
                        help='frame size of the generated series (px)')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeat', type=int, default=1,
                        help='timed runs per precision (medians reported)')
    parser.add_argument('--precisions', nargs='+', default=['fp32', 'bf16'],
                        choices=['fp32', 'bf16', 'auto'])
    parser.add_argument('--batch-size', type=int, default=4,
                        help='key frames per cached-inference step')
    parser.add_argument('--no-warmup', action='store_true')
    return parser.parse_args(argv)


class PeakRSS:
    """Peak resident set size (bytes) of this process inside a ``with``
    block, sampled by a thread every ``interval`` s."""

    def __init__(self, interval=0.005):
        self.interval = interval
        self.page = os.sysconf('SC_PAGE_SIZE')

    def rss(self):
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * self.page

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(self.interval)

    def __enter__(self):
        self.start = self.peak = self.rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())


def write_test_series(path, frames, size, seed=0):
    from benchmark_data_pipeline import synthetic_frames, write_series
    from pydicom.uid import ExplicitVRLittleEndian
    rng = np.random.default_rng(seed)
    write_series(path, synthetic_frames(frames, size, rng),
                 ExplicitVRLittleEndian)


def build_model(args):
    from mmdsa.apis import init_model
    options = {'model.detector.backbone.init_cfg': None}  # no downloads
    model = init_model(args.config, args.checkpoint, cfg_options=options)
    if args.checkpoint is None:
        # random heads score below the detector's score cut: keep every box
        # so the post-processing and the score comparison have work to do
        model.detector.test_cfg.score_thr = 0.0
    return model


def run_once(model, path, precision, batch_size):
    from mmdsa.apis import inference_series
    tracemalloc.start()
    with PeakRSS() as mem:
        result = inference_series(model, path, precision=precision,
                                  batch_size=batch_size)
    _, py_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    t = result['timings_s']
    frame_max = np.array([s.max() if len(s) else 0.0
                          for _, s in result['detections']])
    return dict(precision=result['precision'], decode=t['load_and_preprocess'],
                model=t['model'], post=t['post_processing'],
                rss=mem.peak - mem.start, rss_total=mem.peak,
                py_peak=py_peak, score=result['series_score'],
                frame_max=frame_max)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    from mmdsa.utils.precision import cpu_supports_bf16
    from mmdsa.utils.setup_env import register_all_modules
    register_all_modules()
    print(f'config {args.config}; {args.frames} frames of {args.size} x '
          f'{args.size}; {args.threads} threads; torch '
          f'{torch.__version__}; CPU capability '
          f'{torch.backends.cpu.get_cpu_capability()}; native bf16: '
          f'{cpu_supports_bf16()}')
    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'series.dcm')
        write_test_series(path, args.frames, args.size)
        model = build_model(args)
        if not args.no_warmup:
            for p in args.precisions:
                run_once(model, path, p, args.batch_size)
        runs = {p: [] for p in args.precisions}
        for r in range(args.repeat):
            for p in args.precisions:
                runs[p].append(run_once(model, path, p, args.batch_size))
                last = runs[p][-1]
                print(f'  run {r + 1} {p:5s} ({last["precision"]}): model '
                      f'{last["model"]:.2f} s', flush=True)
    load1 = os.getloadavg()
    ref = runs[args.precisions[0]]
    print(f'load average (1/5/15 min) before {load0[0]:.2f}/{load0[1]:.2f}/'
          f'{load0[2]:.2f}, after {load1[0]:.2f}/{load1[1]:.2f}/'
          f'{load1[2]:.2f} on {os.cpu_count()} cores')
    print(f'medians of {args.repeat} run(s) per precision:')
    head = f"{'':22s}" + ''.join(f'{p:>12s}' for p in args.precisions)
    print(head)

    def med(p, key):
        return statistics.median(r[key] for r in runs[p])

    def frame_diff(p):
        diff = np.abs(runs[p][0]['frame_max'] - ref[0]['frame_max'])
        return f'{diff.max():.4f}'

    def mib(p, key):
        return f'{med(p, key) / 2**20:.0f}'

    first = args.precisions[0]
    rows = [('ran at', lambda p: runs[p][0]['precision']),
            ('decode (s)', lambda p: f"{med(p, 'decode'):.2f}"),
            ('model (s)', lambda p: f"{med(p, 'model'):.2f}"),
            ('frames/s (model)',
             lambda p: f"{args.frames / med(p, 'model'):.2f}"),
            ('post-processing (s)', lambda p: f"{med(p, 'post'):.3f}"),
            ('peak RSS +MiB', lambda p: mib(p, 'rss')),
            ('peak RSS MiB', lambda p: mib(p, 'rss_total')),
            ('numpy/py peak MiB', lambda p: mib(p, 'py_peak')),
            ('series score', lambda p: f"{runs[p][0]['score']:.4f}"),
            ('max |d frame score|', frame_diff),
            ('model speed-up',
             lambda p: f"{med(first, 'model') / med(p, 'model'):.2f}x")]
    for name, fn in rows:
        print(f'{name:22s}' +
              ''.join(f'{fn(p):>12s}' for p in args.precisions))
    last = args.precisions[-1]
    print(f'model time {last}: {med(last, "model"):.2f}')


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
