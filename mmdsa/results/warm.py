"""Warm-up of the result builders for a resident process (the DICOM node).

The first :func:`mmdsa.results.build_result_datasets` in a process imports
highdicom's modules and loads pydicom's data dictionaries and code tables
on first use; that cost belongs to start-up, not to the first series.
"""
import datetime
import io
import os.path as osp
import tempfile
import time

import numpy as np


def warm_up(include_sc: bool = False) -> float:
    """Read a tiny synthetic XA header, build and encode (in memory) the
    result objects of a positive detector result on it once, so that the
    first real series does not pay for imports and dictionary loading.

    Args:
        include_sc (bool): Also build and encode a Secondary Capture (loads
            the image codecs).

    Returns:
        float: The seconds it took.
    """
    from mmdsa.synth.dicom_writer import synthetic_uid, write_xa_dicom

    from .build import build_result_datasets
    from .sources import read_source_datasets
    start = time.perf_counter()
    sha = '0' * 64
    with tempfile.TemporaryDirectory(prefix='mmdsa-warm-up-') as tmp:
        path = osp.join(tmp, 'warm-up.dcm')
        write_xa_dicom(path, np.zeros((2, 16, 16), np.uint16), 100.0, 'PA',
                       'WARMUP', synthetic_uid('warm-up', 'study'),
                       synthetic_uid('warm-up', 'series'),
                       synthetic_uid('warm-up', 'instance'),
                       datetime.datetime(2000, 1, 1))
        sources = read_source_datasets(path)
    box = np.array([[2.0, 3.0, 9.0, 10.0]], np.float32)
    result = dict(
        frames=np.zeros((2, 16, 16), np.float32),
        detections=[(box, np.array([0.9], np.float32)),
                    (box, np.array([0.8], np.float32))],
        trajectory={0: box[0].tolist()}, series_score=0.9,
        decision=dict(verdict='positive', score=0.9, threshold=0.5,
                      operating_point=dict(source='warm-up')))
    provenance = dict(mmdsa_version='warm-up', git_commit=None,
                      config='warm-up', checkpoint_sha256=sha)
    for ds in build_result_datasets(result, sources, provenance,
                                    task='perforation', model_name='warm-up',
                                    include_sc=include_sc):
        ds.save_as(io.BytesIO(), enforce_file_format=True)
    return time.perf_counter() - start
