"""Shared fixtures of the result-object tests: a synthetic multi-frame XA
source, a detector result with known boxes and a provenance dict."""
import datetime
import hashlib

import numpy as np
import pytest

from mmdsa.synth.dicom_writer import synthetic_uid, write_xa_dicom

ROWS, COLUMNS, FRAMES = 64, 80, 6
TIMES = [0.0, 100.0, 250.0, 400.0, 500.0, 700.0]
CHECKPOINT_SHA = hashlib.sha256(b'a checkpoint').hexdigest()


def write_source(path, frames=None, name='src'):
    """A synthetic multi-frame XA file (FrameTimeVector timing)."""
    if frames is None:
        frames = np.random.default_rng(0).integers(
            1000, 3000, (FRAMES, ROWS, COLUMNS)).astype(np.uint16)
    write_xa_dicom(str(path), frames, TIMES[:len(frames)], 'PA', 'P0042',
                   synthetic_uid(name, 'study'), synthetic_uid(name, 'series'),
                   synthetic_uid(name, 'sop'),
                   datetime.datetime(2024, 1, 3, 10, 12), series_number=3)
    return frames


@pytest.fixture
def source(tmp_path):
    """(path, frames (T, H, W) uint16) of a 6-frame 64 x 80 XA file."""
    path = tmp_path / 'src.dcm'
    return path, write_source(path)


def detector_result(frames, verdict='positive', scope=None):
    """A detector result with known boxes: a kept trajectory on frames 2
    and 3, three detections (one below the reported score, one reaching
    past the right image border)."""
    dets = [(np.zeros((0, 4), np.float32), np.zeros(0, np.float32))
            for _ in range(len(frames))]
    dets[2] = (np.array([[10.5, 12.25, 30, 40], [50, 5, 85, 20],
                         [1, 1, 5, 5]], np.float32),
               np.array([0.9, 0.4, 0.1], np.float32))
    dets[3] = (np.array([[11, 13, 31, 41]], np.float32),
               np.array([0.8], np.float32))
    result = dict(
        frames=np.asarray(frames, np.float32), detections=dets,
        trajectory={2: [10.5, 12.25, 30.0, 40.0], 3: [11.0, 13.0, 31.0,
                                                      41.0]},
        series_score=0.85, optimiser=True,
        decision=dict(verdict=verdict, score=0.85, threshold=0.5,
                      operating_point=dict(source='calibrated',
                                           method='youden',
                                           chosen_on=dict(split='val'))))
    if scope is not None:
        result['scope'] = scope
    return result


#: The boxes the objects must report for :func:`detector_result`
#: (frame, [x1, y1, x2, y2] clipped to the image, score).
EXPECTED_BOXES = [
    (2, [10.5, 12.25, 30.0, 40.0], 0.9),  # trajectory
    (3, [11.0, 13.0, 31.0, 41.0], 0.8),  # trajectory
    (2, [10.5, 12.25, 30.0, 40.0], 0.9),  # detections >= 0.3
    (2, [50.0, 5.0, 80.0, 20.0], 0.4),  # clipped at Columns = 80
    (3, [11.0, 13.0, 31.0, 41.0], 0.8),
]


@pytest.fixture
def provenance():
    return dict(mmdsa_version='0.1.0', git_commit='abc123',
                config='configs/perforation/tiny.py',
                checkpoint_sha256=CHECKPOINT_SHA)
