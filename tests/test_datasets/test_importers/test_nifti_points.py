"""The classification authors' layout: NIfTI volumes written with nibabel
plus their ``ImageName;PointNo;x;y`` CSV convert, pair by name prefix and
load in the classification dataset; what is not understood is refused."""
import json

import nibabel
import numpy as np
import pytest

from mmdsa.datasets import (DSAClassificationDataset,
                            load_classification_annotations)
from mmdsa.datasets.importers.points_csv import read_author_points

TOOL = 'nifti_points_to_annotations'
H, W, T = 20, 24, 5


def write_volume(folder, name, seed, top=4095, gz=False):
    rng = np.random.default_rng(seed)
    vol = rng.integers(0, top + 1, (H, W, T)).astype(np.uint16)
    vol[0, 0, :] = top
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name + ('.nii.gz' if gz else '.nii'))
    nibabel.save(nibabel.Nifti1Image(vol, np.eye(4)), str(path))
    return vol


# S000101 pair: thrombus in the frontal view only; S000102 pair: none;
# S000203: single view not read by the radiologist (x <= 0 in row 0)
CSV = ('ImageName;PointNo;x;y\n'
       'S000101_a;0;-1;-1\nS000101_a;1;12;7\nS000101_a;2;3;4\n'
       'S000101_b;0;5;5\n'
       'S000102_a;0;5;5\nS000102_b;0;5;5\n'
       'S000203_a;0;0;0\n')


@pytest.fixture
def layout(tmp_path):
    vols = {}
    for i, name in enumerate(['S000101_a', 'S000101_b', 'S000102_a',
                              'S000102_b', 'S000203_a']):
        vols[name] = write_volume(tmp_path / 'nifti', name, i, gz=i == 1)
    (tmp_path / 'points.csv').write_text(CSV)
    return tmp_path, vols


def test_author_points_reading(layout):
    root, _ = layout
    points = read_author_points(str(root / 'points.csv'))
    assert points['S000101_a']['label'] == 1
    assert points['S000101_a']['points'] == [[12.0, 7.0], [3.0, 4.0]]
    assert points['S000101_b']['label'] == 0
    assert points['S000203_a']['label'] is None


def test_converts_pairs_and_loads(layout, tool):
    root, vols = layout
    out = root / 'own'
    status, err = tool(TOOL, root / 'nifti', root / 'points.csv',
                       '--out-dir', out)
    assert status == 0, err
    ann = load_classification_annotations(str(out / 'thrombus.json'))
    items = {d['series_id']: d for d in ann['data_list']}
    assert sorted(items) == ['S000101_a', 'S000101_b', 'S000102_a',
                             'S000102_b']          # unlabelled left out
    a, b = items['S000101_a'], items['S000101_b']
    assert (a['view'], b['view'], a['pair_id'], b['pair_id']) == (
        'PA', 'LAT', 'S000101', 'S000101')
    assert (a['label'], b['label']) == (1, 1)      # the pair rule
    assert a['thrombus_points'] == [[12.0, 7.0], [3.0, 4.0]]
    assert b['thrombus_points'] == [] and items['S000102_a']['label'] == 0
    assert a['patient_id'] == 'S000101' and a['num_frames'] == T
    frames = np.load(out / 'series' / 'S000101_b.npy')
    expected = (vols['S000101_b'].astype(np.float64) * 255 / 4095).astype(
        np.uint8)
    assert frames.shape == (T, H, W) and frames.dtype == np.uint8
    np.testing.assert_array_equal(frames, np.moveaxis(expected, 2, 0))
    ds = DSAClassificationDataset(ann_file=str(out / 'thrombus.json'),
                                  pair_mode=True, pipeline=[])
    assert len(ds) == 2 and ds.get_data_info(0)['gt_label'] == 1
    # running again (asked for) writes the same files; other content is
    # never replaced, --overwrite or not
    assert tool(TOOL, root / 'nifti', root / 'points.csv', '--out-dir',
                out, '--overwrite')[0] == 0
    np.save(out / 'series' / 'S000102_a.npy', np.zeros((1, 2, 2), np.uint8))
    status, err = tool(TOOL, root / 'nifti', root / 'points.csv',
                       '--out-dir', out, '--overwrite')
    assert status == 2 and 'S000102_a.npy: expected a new file' in err


def test_series_info_gives_patients_times_and_views(layout, tool):
    root, _ = layout
    (root / 'info.csv').write_text(
        'ImageName,patient_id,acquisition_datetime,view\n'
        'S000101_a,P7,2024-01-02T08:00:00,LAT\n'
        'S000101_b,P7,2024-01-02T08:01:00,PA\n')
    status, err = tool(TOOL, root / 'nifti', root / 'points.csv',
                       '--out-dir', root / 'own', '--series-info',
                       root / 'info.csv')
    assert status == 0, err
    items = {d['series_id']: d for d in json.loads(
        (root / 'own' / 'thrombus.json').read_text())['data_list']}
    a = items['S000101_a']
    assert (a['patient_id'], a['view'], a['acquisition_datetime']) == (
        'P7', 'LAT', '2024-01-02T08:00:00')
    assert items['S000102_a']['patient_id'] == 'S000102'


@pytest.mark.parametrize('csv, expected', [
    ('ImageName,PointNo,x,y\nS000101_a,0,1,1\n',
     "header: expected ImageName;PointNo;x;y, got 'ImageName,PointNo,x,y'"),
    ('ImageName;PointNo;x;y\nS000101_a;zero;1;1\n',
     'row 2: field "PointNo": expected an integer, got \'zero\''),
    ('ImageName;PointNo;x;y\nS000101_a;0;-1;-1\nS000101_a;2;1;1\n',
     'field "PointNo": expected 0, 1, 2, ... without gaps, got [0, 2]'),
    ('ImageName;PointNo;x;y\nS000101_a;1;1;1\n',
     'field "PointNo": expected a row 0 for each image, got [1]'),
    ('ImageName;PointNo;x;y\nS000101_a;0;1;1\nS000101_a;0;1;1\n',
     'row 3: field "PointNo": expected a number not given before'),
    ('ImageName;PointNo;x;y\nS000101_a;0;-1;-1\nS000101_a;1;24;3\n',
     'fields "x,y": expected a point inside the 24x20 image, got [24, 3]'),
    ('ImageName;PointNo;x;y\nS000999_a;0;1;1\n',
     'field "ImageName": expected a volume S000999_a.nii or '
     'S000999_a.nii.gz'),
])
def test_refusals_name_file_field_expected_and_got(layout, tool, csv,
                                                   expected):
    root, _ = layout
    (root / 'bad.csv').write_text(csv)
    status, err = tool(TOOL, root / 'nifti', root / 'bad.csv', '--out-dir',
                       root / 'own')
    assert status == 2 and err.startswith(f'error: {root / "bad.csv"}') \
        and expected in err, err
    assert not (root / 'own' / 'thrombus.json').exists()


def test_volume_refusals(tmp_path, tool):
    write_volume(tmp_path / 'nifti', 'S000101_a', 0, top=5000)
    (tmp_path / 'p.csv').write_text('ImageName;PointNo;x;y\n'
                                    'S000101_a;0;1;1\n')
    status, err = tool(TOOL, tmp_path / 'nifti', tmp_path / 'p.csv',
                       '--out-dir', tmp_path / 'own')
    assert status == 2 and 'S000101_a.nii: field "values": expected 12-bit '\
        'values in [0, 4095] (--bits), got \'[0, 5000]\'' in err, err
    assert tool(TOOL, tmp_path / 'nifti', tmp_path / 'p.csv', '--out-dir',
                tmp_path / 'own', '--bits', '13')[0] == 0
    (tmp_path / 'nifti' / 'S000101_a.nii').write_bytes(b'not nifti')
    status, err = tool(TOOL, tmp_path / 'nifti', tmp_path / 'p.csv',
                       '--out-dir', tmp_path / 'own2')
    assert status == 2 and 'not a readable NIfTI volume' in err
