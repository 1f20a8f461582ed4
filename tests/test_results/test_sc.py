"""The optional Secondary Capture: valid for dciodvfy, compressed,
pixel-aligned with the source, with the source's frame timing."""
import numpy as np
import pydicom
import pytest
from pydicom.uid import JPEGBaseline8Bit, JPEGLSLossless

from mmdsa.results import (build_result_datasets, read_source_datasets,
                           write_result_datasets)
from mmdsa.results.findings import summarise
from mmdsa.results.sc import render_frames
from mmdsa.visualization.cine import COLOURS

from .conftest import TIMES, detector_result
from .validators import dciodvfy_errors

SC_CLASS = '1.2.840.10008.5.1.4.1.1.7.4'


def _sc(source, provenance, tmp_path, compression):
    path, frames = source
    datasets = build_result_datasets(
        detector_result(frames), read_source_datasets(str(path)),
        provenance, task='perforation', model_name='tiny-detector',
        include_sc=True, sc_compression=compression)
    assert datasets[-1].Modality == 'OT'
    files = write_result_datasets(datasets, str(tmp_path))
    return files[-1]


@pytest.mark.parametrize('compression, syntax', [
    ('jpeg', JPEGBaseline8Bit), ('lossless', JPEGLSLossless)])
def test_sc_is_compressed_aligned_and_timed(source, provenance, tmp_path,
                                            compression, syntax):
    path, frames = source
    sc_file = _sc(source, provenance, tmp_path, compression)
    assert dciodvfy_errors(sc_file) == []
    sc = pydicom.dcmread(sc_file)
    src = pydicom.dcmread(str(path))
    assert sc.SOPClassUID == SC_CLASS
    assert sc.file_meta.TransferSyntaxUID == syntax
    assert (sc.Rows, sc.Columns, int(sc.NumberOfFrames)) == (
        src.Rows, src.Columns, int(src.NumberOfFrames))
    assert [float(v) for v in sc.FrameTimeVector] == list(
        np.diff(TIMES, prepend=0.0))
    assert sc.FrameIncrementPointer == 0x00181065
    assert sc.BurnedInAnnotation == 'YES'
    assert 'Research use only' in sc.ImageComments
    assert sc.SourceImageSequence[0].ReferencedSOPInstanceUID == \
        src.SOPInstanceUID
    pixels = sc.pixel_array  # pydicom converts YBR to RGB
    assert pixels.shape == (len(frames), src.Rows, src.Columns, 3)
    summary = summarise(detector_result(frames), 'perforation', src.Rows,
                        src.Columns)
    rendered = np.stack(render_frames(frames, summary))
    # the trajectory box [10.5, 12.25, 30, 40] of frame 2 is drawn red on
    # its own pixels: left edge column round(10.5) = 10, right edge 29
    red = np.all(rendered[2] == COLOURS['trajectory'], axis=-1)
    assert red[20:39, 10].all() and red[20:39, 29].all()
    assert not np.all(rendered[0] == COLOURS['trajectory'], axis=-1).any()
    if compression == 'lossless':
        assert np.array_equal(pixels, rendered)
        assert sc.LossyImageCompression == '00'
    else:
        assert sc.LossyImageCompression == '01'
        error = np.abs(pixels.astype(int) - rendered).mean()
        assert error < 12  # JPEG q95 of a noisy test image
        # the box stays red where it is drawn (2 px wide)
        assert (pixels[2, 20:39, 10:12, 0].astype(int) -
                pixels[2, 20:39, 10:12, 1]).mean() > 100


def test_jpeg_is_smaller_than_the_source(source, provenance, tmp_path):
    import os
    path, _ = source
    sc_file = _sc(source, provenance, tmp_path, 'jpeg')
    assert os.path.getsize(sc_file) < os.path.getsize(path)
