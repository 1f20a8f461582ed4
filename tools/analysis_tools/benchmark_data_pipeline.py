"""Benchmark the training data pipelines on clinical-size DSA series.

Generates (once, into ``--work-dir``) 16-bit (12 bits stored) XA series of
``--size`` x ``--size`` pixels and 24-30 frames, uncompressed and JPEG
Lossless (Process 14 SV1; needs imagecodecs to write), then prints ms per
sample of:

- detection: the published training pipeline
  (``configs/_base_/datasets/dsa_perforation_640.py``, T = 5 window, 640 px,
  shared-parameter augmentation), without and with the preprocessed cache
  (``tools/misc/prepare_cache.py``), against the ideal: pydicom decoding only
  the window's frames (``pydicom.pixels.iter_pixels(path, indices=...)``)
  plus resizing them to 640 px;
- classification: ``LoadDSASeries`` of the published pipeline
  (``dsa_thrombus_512.py``: whole series, 'bits' mapping, resize-on-load to
  512 px) against a bare ``dcmread(path).pixel_array`` plus the same resize,
  and the whole training pipeline for reference.

Samples visit the series round-robin with random key frames, so with more
series than the loaders' per-process LRU cache (4) every sample opens its
series anew, as with shuffled key frames over hundreds of series. The
per-series intensity statistics are computed in an untimed first pass (they
are computed once per series and kept in a persistent cache; the first-pass
time is printed too). Each measurement is the best of ``--repeat`` rounds,
the rounds of a pipeline and of its ideal alternating.

Targets (issue 13): detection <= 1.5x ideal without the cache and faster
than ideal with it; classification load <= 1.3x the bare decode + resize.
The last line is ``detection pipeline / ideal: X.XX``.

Example::

    python tools/analysis_tools/benchmark_data_pipeline.py
    python tools/analysis_tools/benchmark_data_pipeline.py --size 256 \\
        --series 5 --samples 10 --repeat 1
    python tools/analysis_tools/benchmark_data_pipeline.py --steps
"""
import argparse
import copy
import json
import os
import os.path as osp
import shutil
import sys
import tempfile
import time

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DET_CONFIG = osp.join(REPO, 'configs', '_base_', 'datasets',
                      'dsa_perforation_640.py')
CLS_CONFIG = osp.join(REPO, 'configs', '_base_', 'datasets',
                      'dsa_thrombus_512.py')
MARKER = '.mmdsa_benchmark_data.json'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', help='folder for the generated series '
                        'and caches (default: a new temporary folder); '
                        'reused when it holds series of the same settings')
    parser.add_argument('--size', type=int, default=1024,
                        help='rows = columns of the generated series')
    parser.add_argument('--series', type=int, default=6,
                        help='series per transfer syntax (> 4 so that the '
                        "loaders' LRU cache does not hit)")
    parser.add_argument('--samples', type=int, default=24,
                        help='samples per measurement')
    parser.add_argument('--repeat', type=int, default=3,
                        help='rounds per measurement (best is reported)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--steps', action='store_true',
                        help='also print ms per sample of every step of the '
                        'detection pipeline and of its ideal')
    # a study / work folder of its own: reruns replace (resume) its
    # own earlier results there
    from mmdsa.utils.fileio import allow_overwrite
    allow_overwrite()
    args = parser.parse_args(argv)
    for name in ('size', 'series', 'samples', 'repeat'):
        if getattr(args, name) < 1:
            parser.error(f'--{name} must be >= 1')
    if args.size < 16:
        parser.error('--size must be >= 16')
    return args


def synthetic_frames(num_frames, size, rng):
    """uint16 (T, size, size) 12-bit frames: smooth anatomy, a contrast
    bolus through a few vessels, quantum noise."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    base = 2200 + 600 * np.sin(3.1 * xx + 1.3) * np.cos(2.3 * yy)
    vessels = np.zeros((size, size), np.float32)
    for _ in range(6):
        a, b, c = rng.uniform(-1, 1, 3)
        dist = np.abs(a * xx + b * yy + c * 0.5) / np.hypot(a, b)
        vessels += np.exp(-(dist * size / 4)**2)
    frames = np.empty((num_frames, size, size), np.uint16)
    for t in range(num_frames):
        bolus = np.sin(np.pi * (t + 0.5) / num_frames)
        noise = rng.normal(0, 25, (size, size)).astype(np.float32)
        frame = base - 900 * bolus * vessels + noise
        frames[t] = np.clip(frame, 0, 4095).astype(np.uint16)
    return frames


def write_series(path, frames, syntax):
    """An XA multi-frame file holding ``frames`` in ``syntax``."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import (ExplicitVRLittleEndian,
                             XRayAngiographicImageStorage, generate_uid)

    from mmdsa.fileio.compress import compress_dataset
    from mmdsa.utils.fileio import atomic_write
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = XRayAngiographicImageStorage
    ds.SOPClassUID = XRayAngiographicImageStorage
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.Modality = 'XA'
    ds.PatientID = osp.splitext(osp.basename(path))[0]
    ds.SeriesInstanceUID = generate_uid()
    ds.Rows, ds.Columns = frames.shape[1:]
    ds.NumberOfFrames = frames.shape[0]
    ds.FrameTime = '66.7'
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
    ds.PixelRepresentation = 0
    ds.WindowCenter, ds.WindowWidth = '2048', '4096'
    ds.PixelData = frames.tobytes()
    if syntax != ExplicitVRLittleEndian:
        compress_dataset(ds, syntax)
    atomic_write(path, writer=lambda tmp: ds.save_as(
        tmp, enforce_file_format=True))


def ensure_data(work_dir, size, series, seed):
    """{syntax name: [(path, num_frames)]}, generated unless present."""
    from pydicom.uid import ExplicitVRLittleEndian, JPEGLosslessSV1
    settings = dict(size=size, series=series, seed=seed, version=1)
    marker = osp.join(work_dir, MARKER)
    syntaxes = {'uncompressed': ExplicitVRLittleEndian,
                'JPEG Lossless': JPEGLosslessSV1}
    try:
        import imagecodecs  # noqa: F401
    except ImportError:
        print('note: imagecodecs is not installed, so no JPEG Lossless '
              'series can be written; timing uncompressed series only')
        del syntaxes['JPEG Lossless']
    if osp.isfile(marker):
        with open(marker, encoding='utf-8') as f:
            done = json.load(f)
        if done.get('settings') == settings and all(
                k in done['files'] for k in syntaxes):
            return {k: [tuple(v) for v in done['files'][k]]
                    for k in syntaxes}
    elif os.listdir(work_dir):
        raise SystemExit(f'error: --work-dir {work_dir} is not empty and '
                         'was not made by this benchmark; give an empty or '
                         'new folder')
    rng = np.random.default_rng(seed)
    files = {}
    start = time.perf_counter()
    for name, syntax in syntaxes.items():
        files[name] = []
        folder = osp.join(work_dir, 'series', name.replace(' ', '_'))
        os.makedirs(folder, exist_ok=True)
        for i in range(series):
            num_frames = int(rng.integers(24, 31))
            path = osp.join(folder, f'S{i:03d}.dcm')
            write_series(path, synthetic_frames(num_frames, size, rng),
                         syntax)
            files[name].append((path, num_frames))
    with open(marker, 'w', encoding='utf-8') as f:
        json.dump(dict(settings=settings, files=files), f)
    print(f'generated {series} series per syntax of {size} x {size} in '
          f'{time.perf_counter() - start:.1f} s under {work_dir}')
    return files


def det_samples(files, samples, size, seed):
    """Round-robin data_infos as DSADetectionDataset yields them."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(samples):
        path, length = files[k % len(files)]
        x, y = rng.uniform(0.2, 0.7, 2) * size
        out.append(dict(
            img_path=path, img_id=k, video_id=k % len(files),
            series_id=osp.basename(path), patient_id='P', pair_id='P',
            view='PA', frame_id=int(rng.integers(length)),
            series_length=length, series_label=1,
            acquisition_datetime=None, width=size, height=size,
            instances=[dict(bbox=[x, y, x + size / 16, y + size / 16],
                            bbox_label=0, ignore_flag=0)]))
    return out


def best_ms(fn, items, repeat):
    """Best-of-rounds mean milliseconds per item, and the last outputs."""
    best = float('inf')
    for _ in range(repeat):
        start = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, (time.perf_counter() - start) * 1000 / len(items))
    return best


def alternate(fns, items, repeat):
    """best_ms of each function, the rounds of all functions alternating."""
    results = [float('inf')] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            results[i] = min(results[i], best_ms(fn, items, 1))
    return results


def step_times(pipeline, ideal, infos, repeat):
    """Best-of-rounds ms per sample of each step of the detection pipeline
    (each transform; the wrapped transforms of ``BroadcastFrames``; the
    loader's header opening and frame mapping) and of ``ideal(info, acc)``
    (which adds its parts to ``acc``), the rounds of pipeline and ideal
    alternating. Wraps the transforms' methods with timers (a separate
    pipeline, so the main measurement is unaffected)."""
    acc = {}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                acc[name] = acc.get(name, 0.0) + time.perf_counter() - start
        return wrapper

    loader = pipeline.transforms[0]
    loader._entry = timed('LoadDSAWindow: open header, statistics lookup',
                          loader._entry)
    loader._map_stored = timed('LoadDSAWindow: map stored integers',
                               loader._map_stored)
    for t in pipeline.transforms:
        name = type(t).__name__
        t.transform = timed(name, t.transform)
        for inner in getattr(t, 'transforms', ()):
            inner.transform = timed(f'{name}: {type(inner).__name__}',
                                    inner.transform)
    best = {}
    for _ in range(repeat):
        for fn, total in ((pipeline, 'pipeline'),
                          (lambda i: ideal(i, acc), 'ideal')):
            acc.clear()
            start = time.perf_counter()
            for info in infos:
                fn(dict(info))
            acc[total] = time.perf_counter() - start
            for k, v in acc.items():
                best[k] = min(best.get(k, float('inf')),
                              v * 1000 / len(infos))
    return best


def build_pipeline(pipeline, **loader_options):
    from mmengine.dataset import Compose
    pipeline = copy.deepcopy(pipeline)
    pipeline[0].update(loader_options)
    return Compose(pipeline)


def main(argv=None):
    args = parse_args(argv)
    import cv2
    import pydicom
    from mmengine.config import Config
    from pydicom.pixels import iter_pixels

    from mmdsa.datasets.transforms import LoadDSAWindow
    from mmdsa.utils import register_all_modules
    register_all_modules()
    cv2.setNumThreads(1)
    work_dir = args.work_dir or osp.join(tempfile.gettempdir(),
                                         f'mmdsa_bench_{os.getpid()}')
    os.makedirs(work_dir, exist_ok=True)
    data = ensure_data(work_dir, args.size, args.series, args.seed)
    det_cfg, cls_cfg = Config.fromfile(DET_CONFIG), Config.fromfile(
        CLS_CONFIG)
    image_size, num_frames = det_cfg.image_size, det_cfg.num_frames
    cls_size = cls_cfg.image_size
    # fresh caches each run, so the once-per-series costs are measured
    run_dir = osp.join(work_dir, f'run-{os.getpid()}-{time.time_ns()}')
    os.makedirs(run_dir)
    stats_dir = osp.join(run_dir, 'intensity_stats')
    prepared_dir = osp.join(run_dir, 'prepared')
    print(f'{args.series} series per syntax, {args.size} x {args.size}, '
          f'{args.samples} samples, best of {args.repeat}; '
          f'OMP_NUM_THREADS={os.environ.get("OMP_NUM_THREADS", "unset")}')
    window = LoadDSAWindow(num_frames=num_frames)
    scale = image_size / args.size
    target = (round(args.size * scale), ) * 2

    def ideal(info, acc=None):
        """The ideal; with ``acc``, adds its two parts' seconds there."""
        idx = sorted(set(window.window_indices(info['frame_id'],
                                               info['series_length'])))
        start = time.perf_counter()
        arrs = list(iter_pixels(info['img_path'], indices=idx))
        mid = time.perf_counter()
        for arr in arrs:
            cv2.resize(arr, target, interpolation=cv2.INTER_LINEAR)
        if acc is not None:
            for key, sec in (('ideal: decode', mid - start),
                             ('ideal: resize', time.perf_counter() - mid)):
                acc[key] = acc.get(key, 0.0) + sec

    def bare_cls(path):
        for frame in pydicom.dcmread(path).pixel_array:
            cv2.resize(frame, (cls_size, cls_size),
                       interpolation=cv2.INTER_AREA)

    totals = dict(pipe=0.0, ideal=0.0)
    try:
        for name, files in data.items():
            infos = det_samples(files, args.samples, args.size, args.seed)
            det = build_pipeline(det_cfg.train_pipeline, stats_cache=stats_dir)
            start = time.perf_counter()
            for path, _ in files:  # first touch: the intensity statistics
                det(dict(infos[0], img_path=path, frame_id=0,
                         series_length=dict(files)[path]))
            first = (time.perf_counter() - start) * 1000 / len(files)
            cached = build_pipeline(det_cfg.train_pipeline,
                                    stats_cache=stats_dir,
                                    prepared_cache=prepared_dir)
            start = time.perf_counter()
            for path, _ in files:
                cached.transforms[0].prepare(path, prepared_dir)
            prep = (time.perf_counter() - start) * 1000 / len(files)
            t_ideal, t_pipe, t_cached, t_load = alternate(
                [ideal, lambda i: det(dict(i)), lambda i: cached(dict(i)),
                 lambda i: det.transforms[0](dict(i))], infos, args.repeat)
            totals['pipe'] += t_pipe
            totals['ideal'] += t_ideal
            print(f'[{name}] detection ideal (decode {num_frames} frames + '
                  f'resize to {image_size}): {t_ideal:.1f} ms/sample')
            print(f'[{name}] detection pipeline: {t_pipe:.1f} ms/sample '
                  f'({1000 / t_pipe:.1f} samples/s per worker), '
                  f'{t_pipe / t_ideal:.2f}x ideal (of which LoadDSAWindow '
                  f'{t_load:.1f} ms, augmentation + packing the rest)')
            print(f'[{name}] detection pipeline with prepared cache: '
                  f'{t_cached:.1f} ms/sample, {t_cached / t_ideal:.2f}x ideal')
            print(f'[{name}] once per series: statistics {first:.0f} ms, '
                  f'prepared-cache entry {prep:.0f} ms')
            if args.steps:
                steps = build_pipeline(det_cfg.train_pipeline,
                                       stats_cache=stats_dir)
                best = step_times(steps, ideal, infos, args.repeat)
                for key in sorted(best):
                    print(f'[{name}] step {key}: {best[key]:.2f} ms/sample')
            paths = [files[k % len(files)][0] for k in range(args.samples)]
            load = build_pipeline(cls_cfg.train_pipeline[:1],
                                  stats_cache=stats_dir).transforms[0]
            cls = build_pipeline(cls_cfg.train_pipeline, stats_cache=stats_dir)
            t_bare, t_load, t_cls = alternate(
                [bare_cls, lambda p: load(dict(img_path=p)),
                 lambda p: cls(dict(img_path=p, gt_label=0))],
                paths, args.repeat)
            print(f'[{name}] classification bare dcmread + resize to '
                  f'{cls_size}: {t_bare:.1f} ms/series; LoadDSASeries: '
                  f'{t_load:.1f} ms/series, {t_load / t_bare:.2f}x bare; '
                  f'whole training pipeline: {t_cls:.1f} ms/series')
    finally:
        shutil.rmtree(run_dir)  # only the caches this run made
    print(f'detection pipeline / ideal: '
          f'{totals["pipe"] / totals["ideal"]:.2f}')
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
