"""Benchmark ``mmdsa.fileio.read_dsa_series`` against bare pydicom.

For every file, prints frames/s of ``read_dsa_series(path)`` (float32,
rescaled, MONOCHROME1-inverted frames plus metadata) and of
``pydicom.dcmread(path).pixel_array`` (raw stored values), and their ratio
(target >= 0.8). The readers are timed alternately, best of ``--repeat``
rounds after a warm-up (the page cache is therefore warm for both).

Files: the given paths, else the real fixtures in ``../shared/data/real_xa``
(when present) plus a generated 16-bit (12 bits stored) uncompressed
multi-frame XA file written to a temporary folder.

Example::

    python tools/analysis_tools/benchmark_dicom_read.py
    python tools/analysis_tools/benchmark_dicom_read.py a.dcm b.dcm --repeat 3
"""
import argparse
import os.path as osp
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (ExplicitVRLittleEndian, XRayAngiographicImageStorage,
                         generate_uid)

from mmdsa.fileio import read_dsa_series

REAL_XA = Path(__file__).resolve().parents[2] / '..' / 'shared' / 'data' / \
    'real_xa'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('files', nargs='*', help='DICOM files to time')
    parser.add_argument('--repeat', type=int, default=5,
                        help='timed rounds per reader (best is reported)')
    parser.add_argument('--frames', type=int, default=64,
                        help='frames of the generated 16-bit file')
    parser.add_argument('--size', type=int, default=512,
                        help='rows = columns of the generated file')
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.frames < 1 or args.size < 1:
        parser.error('--repeat, --frames and --size must be >= 1')
    return args


def write_uncompressed_16bit(path, num_frames, size, seed=0):
    """A multi-frame XA file: uint16, 12 bits stored, Explicit VR LE."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 4096, (num_frames, size, size), dtype=np.uint16)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = XRayAngiographicImageStorage
    ds.SOPInstanceUID = generate_uid()
    ds.Modality = 'XA'
    ds.Rows = ds.Columns = size
    ds.NumberOfFrames = num_frames
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
    ds.PixelRepresentation = 0
    ds.FrameTime = 250
    ds.PixelData = pixels.tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


def _time_calls(func, calls):
    """Wall time (s) per call of ``calls`` back-to-back calls."""
    start = time.perf_counter()
    for _ in range(calls):
        func()
    return (time.perf_counter() - start) / calls


def benchmark(path, repeat, min_seconds=0.05):
    """(frames, frames/s pydicom, frames/s mmdsa) for one file.

    The two readers are timed alternately (so that load from other processes
    hits both alike), each measurement looping long enough (``min_seconds``)
    for the timer to be precise; the best of ``repeat`` rounds counts.
    """
    def reference():
        return pydicom.dcmread(path).pixel_array

    def ours():
        return read_dsa_series(path)

    num_frames = ours().num_frames
    calls = max(1, int(min_seconds / max(_time_calls(reference, 1), 1e-6)))
    best_ref = best_ours = float('inf')
    for _ in range(repeat):
        best_ref = min(best_ref, _time_calls(reference, calls))
        best_ours = min(best_ours, _time_calls(ours, calls))
    return num_frames, num_frames / best_ref, num_frames / best_ours


def main(argv=None):
    args = parse_args(argv)
    files = list(args.files)
    with tempfile.TemporaryDirectory() as tmp:
        if not files:
            if REAL_XA.is_dir():
                files += sorted(str(p) for p in REAL_XA.glob('*.dcm'))
            else:
                print(f'(real fixtures not found at {REAL_XA.resolve()})')
            files.append(write_uncompressed_16bit(
                osp.join(tmp, f'generated_{args.frames}x{args.size}_u16.dcm'),
                args.frames, args.size))
        print(f'{"file":<44} {"frames":>6} {"pydicom f/s":>12} '
              f'{"mmdsa f/s":>10} {"ratio":>6}')
        for path in files:
            num_frames, fps_ref, fps_ours = benchmark(path, args.repeat)
            print(f'{osp.basename(path):<44} {num_frames:>6} {fps_ref:>12.1f} '
                  f'{fps_ours:>10.1f} {fps_ours / fps_ref:>6.2f}')


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
