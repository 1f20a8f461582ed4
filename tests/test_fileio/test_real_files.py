"""Read the real XA / RF fixtures and compare with pydicom's decoding."""
import numpy as np
import pydicom

from mmdsa.fileio import read_dsa_series


def test_xa_cine_jpeg_baseline(real_xa):
    path = real_xa / 'xa_cine_96f_jpeg_baseline.dcm'
    series = read_dsa_series(path)
    assert series.frames.shape == (96, 512, 512)
    assert series.frames.dtype == np.float32
    ref = pydicom.dcmread(path).pixel_array
    np.testing.assert_allclose(series.frames, ref, atol=1)
    # second oracle: Pillow's JPEG decoder (+-1 against pylibjpeg, README)
    ds = pydicom.dcmread(path)
    ds.pixel_array_options(decoding_plugin='pillow')
    pillow = ds.pixel_array.astype(np.float32)
    diff = np.abs(series.frames - pillow)
    assert diff.max() <= 1
    assert (diff > 0).mean() < 0.05
    assert series.frame_time_source == 'FrameTime'
    np.testing.assert_allclose(series.frame_times_ms, np.arange(96) * 33.0)
    meta = series.meta
    assert meta['modality'] == 'XA'
    assert meta['sop_class_uid'] == '1.2.840.10008.5.1.4.1.1.12.1'
    assert (meta['rows'], meta['columns'], meta['bits_stored']) == (512, 512,
                                                                    8)
    assert meta['photometric_interpretation'] == 'MONOCHROME2'
    assert meta['positioner_primary_angle'] == -32.0
    assert meta['positioner_secondary_angle'] == 2.0
    # -32 / 2 degrees is nearest to the frontal projection (tolerance 45)
    assert meta['view'] == 'PA'
    assert meta['patient_id'] == '556342B'
    assert meta['series_uid'].endswith('.121803.8')
    # no acquisition / content / series date: falls back to the study's
    assert meta['acquisition_datetime'] == '1994-10-13T14:19:17'
    assert meta['path'] == str(path)
    assert meta['inverted'] is False


def test_rf_single_frame(real_xa):
    path = real_xa / 'rf_single_frame_1024.dcm'
    series = read_dsa_series(str(path))
    assert series.frames.shape == (1, 1024, 1024)
    ref = pydicom.dcmread(path).pixel_array
    np.testing.assert_allclose(series.frames[0], ref, atol=1)
    assert series.frame_time_source == 'none'
    np.testing.assert_array_equal(series.frame_times_ms, [0.0])
    assert series.meta['modality'] == 'RF'
    assert series.meta['view'] == 'unknown'
    assert series.meta['window_center'] == 127.0
    assert series.meta['window_width'] == 255.0
    assert series.meta['acquisition_datetime'] == '1996-03-08T10:56:50'


def test_real_folder_of_one_multiframe_file(real_xa, tmp_path):
    folder = tmp_path / 'run'
    folder.mkdir()
    (folder / 'cine.dcm').write_bytes(
        (real_xa / 'xa_cine_96f_jpeg_baseline.dcm').read_bytes())
    series = read_dsa_series(folder)
    assert series.frames.shape == (96, 512, 512)
    assert series.meta['source_format'] == 'dicom_folder'
    assert series.frame_time_source == 'FrameTime'
