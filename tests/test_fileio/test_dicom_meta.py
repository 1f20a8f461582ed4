"""Header parsing: frame-time precedence, view, date-time, spacing."""
import numpy as np
import pytest
from pydicom.dataset import Dataset

from mmdsa.fileio import read_dsa_series
from mmdsa.fileio.dicom_meta import (acquisition_datetime, frame_times,
                                     view_from_dataset)

from .helpers import make_dataset, save

ALL_TIMING = dict(FrameTimeVector=[0, 40, 40, 50], FrameTime='33',
                  CineRate=25, RecommendedDisplayFrameRate=10)


@pytest.mark.parametrize('drop, source, expected', [
    ((), 'FrameTimeVector', [0, 40, 80, 130]),
    (('FrameTimeVector', ), 'FrameTime', [0, 33, 66, 99]),
    (('FrameTimeVector', 'FrameTime'), 'CineRate', [0, 40, 80, 120]),
    (('FrameTimeVector', 'FrameTime', 'CineRate'),
     'RecommendedDisplayFrameRate', [0, 100, 200, 300]),
    (tuple(ALL_TIMING), 'none', [0, 1000, 2000, 3000]),
])
def test_frame_time_precedence(tmp_path, drop, source, expected):
    tags = {k: v for k, v in ALL_TIMING.items() if k not in drop}
    ds = make_dataset(np.zeros((4, 2, 2), np.uint16), **tags)
    series = read_dsa_series(save(ds, tmp_path / 'a.dcm'))
    assert series.frame_time_source == source
    np.testing.assert_allclose(series.frame_times_ms, expected)


def test_frame_time_vector_negative_increment():
    ds = Dataset()
    ds.FrameTimeVector = [0, 40, -10]
    with pytest.raises(ValueError, match='non-negative increments'):
        frame_times(ds, 3, 'x.dcm')


def test_frame_time_in_shared_functional_groups():
    inner = Dataset()
    inner.FrameTime = '20'  # looked up in the first item of any sub-sequence
    group = Dataset()
    group.FrameContentSequence = [inner]
    ds = Dataset()
    ds.SharedFunctionalGroupsSequence = [group]
    times, source = frame_times(ds, 3, 'x.dcm')
    assert source == 'FrameTime'
    np.testing.assert_allclose(times, [0, 20, 40])


@pytest.mark.parametrize('primary, secondary, position, expected', [
    (0, 0, None, 'PA'),
    (3, -5, None, 'PA'),
    (180, 0, None, 'PA'),
    (90, 0, None, 'LAT'),
    (-88, 4, None, 'LAT'),
    (270, 0, None, 'LAT'),
    (0, 60, None, 'unknown'),
    (0, 60, 'LL', 'LAT'),  # off-axis angles: ViewPosition decides
    (None, None, 'AP', 'PA'),
    (None, None, 'RL', 'LAT'),
    (None, None, None, 'unknown'),
])
def test_view(primary, secondary, position, expected):
    ds = Dataset()
    if primary is not None:
        ds.PositionerPrimaryAngle = str(primary)
        ds.PositionerSecondaryAngle = str(secondary)
    if position is not None:
        ds.ViewPosition = position
    assert view_from_dataset(ds, 'x.dcm') == expected


@pytest.mark.parametrize('tags, expected', [
    (dict(AcquisitionDateTime='20240103101200.5', AcquisitionDate='20200101',
          AcquisitionTime='080000'), '2024-01-03T10:12:00.500000'),
    (dict(AcquisitionDate='20240103', AcquisitionTime='101200',
          ContentDate='20200101', ContentTime='080000'),
     '2024-01-03T10:12:00'),
    (dict(AcquisitionDate='20240103', ContentDate='20240104',
          ContentTime='0930'), '2024-01-04T09:30:00'),
    (dict(SeriesDate='20231231', SeriesTime='235959'),
     '2023-12-31T23:59:59'),
    (dict(StudyDate='20231231'), '2023-12-31'),
    ({}, None),
])
def test_acquisition_datetime(tags, expected):
    ds = Dataset()
    for key, value in tags.items():
        setattr(ds, key, value)
    assert acquisition_datetime(ds, 'x.dcm') == expected


def test_malformed_datetime_falls_through_with_warning():
    ds = Dataset()
    ds.AcquisitionDateTime = 'yesterday'
    ds.ContentDate, ds.ContentTime = '20240103', '101200'
    with pytest.warns(UserWarning, match='AcquisitionDateTime'):
        assert acquisition_datetime(ds, 'x.dcm') == '2024-01-03T10:12:00'


def test_meta_fields(tmp_path):
    ds = make_dataset(np.zeros((2, 4, 6), np.uint16), bits_stored=12,
                      ImagerPixelSpacing=[0.3, 0.25], WindowCenter=[100, 50],
                      WindowWidth=['400', '200'], PositionerPrimaryAngle=90,
                      PositionerSecondaryAngle=0, PatientID='P7',
                      AcquisitionDateTime='20240103101200')
    meta = read_dsa_series(save(ds, tmp_path / 'a.dcm')).meta
    assert meta['rows'] == 4 and meta['columns'] == 6
    assert meta['bits_stored'] == 12
    assert meta['pixel_spacing'] == [0.3, 0.25]
    assert (meta['window_center'], meta['window_width']) == (100.0, 400.0)
    assert meta['view'] == 'LAT'
    assert meta['patient_id'] == 'P7'
    assert meta['study_uid'] == '1.2.3' and meta['series_uid'] == '1.2.3.4'
    assert meta['acquisition_datetime'] == '2024-01-03T10:12:00'
    assert meta['source_format'] == 'dicom'
