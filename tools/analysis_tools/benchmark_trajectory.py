"""Time the series trajectory optimiser on random detections (CPU).

    python tools/analysis_tools/benchmark_trajectory.py [--repeat 20]

Prints the time of ``best_trajectory`` for 60 frames x 100 boxes (target
< 20 ms) and how it grows when the frames and the boxes per frame double,
for sparse links (random boxes over a 640 px image) and dense links (boxes
clustered on one object, so most boxes of consecutive frames link).
"""
import argparse
import sys
import time
from typing import List, Optional

import numpy as np


def random_series(num_frames: int, num_boxes: int, dense: bool,
                  seed: int = 0):
    """Per-frame (num_boxes, 4) boxes and (num_boxes,) scores."""
    rng = np.random.default_rng(seed)
    boxes, scores = [], []
    for _ in range(num_frames):
        if dense:
            xy = 300 + rng.normal(0, 5, (num_boxes, 2))
            wh = rng.uniform(30, 60, (num_boxes, 2))
        else:
            xy = rng.uniform(0, 580, (num_boxes, 2))
            wh = rng.uniform(16, 60, (num_boxes, 2))
        boxes.append(np.concatenate([xy, xy + wh], axis=1))
        scores.append(rng.uniform(0, 1, num_boxes))
    return boxes, scores


def time_once(num_frames: int, num_boxes: int, dense: bool,
              repeat: int) -> float:
    """Median wall time (ms) of ``best_trajectory`` over ``repeat`` runs."""
    from mmdsa.structures.series import best_trajectory
    boxes, scores = random_series(num_frames, num_boxes, dense)
    best_trajectory(boxes, scores)  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        best_trajectory(boxes, scores)
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--repeat', type=int, default=20)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        print(f'error: expected --repeat >= 1, got {args.repeat}',
              file=sys.stderr)
        return 2
    for dense in (False, True):
        name = 'dense links' if dense else 'sparse links'
        base = time_once(60, 100, dense, args.repeat)
        print(f'[{name}] 60 frames x 100 boxes: {base:.2f} ms '
              f'(target < 20 ms: {"ok" if base < 20 else "MISSED"})')
        for frames, boxes in ((120, 100), (240, 100), (60, 200), (60, 400)):
            t = time_once(frames, boxes, dense, max(1, args.repeat // 4))
            print(f'[{name}] {frames:3d} frames x {boxes:3d} boxes: '
                  f'{t:8.2f} ms  (x{t / base:.1f})')
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
