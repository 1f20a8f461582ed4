import importlib.util
import json

import numpy as np
import pydicom
import pytest

from mmdsa.datasets import (load_classification_annotations,
                            load_detection_annotations)
from tests.conftest import REPO_ROOT, run_tool
from tests.test_datasets.conftest import make_series, write_xa_dicom

TOOL = 'tools/dataset_converters/dicom_folder_to_annotations.py'


def test_converter(tmp_path):
    (tmp_path / 'dcm').mkdir()
    frames = np.clip(make_series(4, 0), 0, 4095).astype(np.uint16)
    write_xa_dicom(tmp_path / 'dcm' / 'a.dcm', frames)
    write_xa_dicom(tmp_path / 'dcm' / 'b.dcm', frames)
    (tmp_path / 'labels.csv').write_text(
        'file,label,patient_id\na.dcm,1,\nb.dcm,0,P9\n')
    (tmp_path / 'boxes.csv').write_text(
        'file,frame,x1,y1,x2,y2\na.dcm,2,1,2,11,12\n')
    run_tool([TOOL, tmp_path / 'dcm', '--labels', tmp_path / 'labels.csv',
              '--boxes', tmp_path / 'boxes.csv', '--out-cls',
              tmp_path / 'out' / 'cls.json', '--out-det',
              tmp_path / 'out' / 'det.json'])
    cls = load_classification_annotations(str(tmp_path / 'out' / 'cls.json'))
    a, b = cls['data_list']
    assert (a['series_id'], a['patient_id'], a['view'], a['label'],
            a['num_frames']) == ('a', 'PX', 'LAT', 1, 4)
    assert a['file'] == '../dcm/a.dcm' and b['patient_id'] == 'P9'
    assert a['acquisition_datetime'] == '2024-01-05T10:15:00'
    det = load_detection_annotations(str(tmp_path / 'out' / 'det.json'))
    frames_a = det['videos'][0]['frames']
    assert len(frames_a) == 4 and frames_a[2]['bboxes'] == [[1, 2, 11, 12]]
    (tmp_path / 'boxes.csv').write_text(
        'file,frame,x1,y1,x2,y2\na.dcm,2,1,2,11,12\na.dcm,9,1,2,3,4\n')
    bad = run_tool([TOOL, tmp_path / 'dcm', '--labels',
                    tmp_path / 'labels.csv', '--boxes',
                    tmp_path / 'boxes.csv', '--out-det',
                    tmp_path / 'bad.json'], check=False)
    assert bad.returncode == 2
    assert 'row 3' in bad.stderr and 'field "frame"' in bad.stderr
    assert not (tmp_path / 'bad.json').exists()


def _converter():
    spec = importlib.util.spec_from_file_location('_converter',
                                                  REPO_ROOT / TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _dicom(path, primary=90.0):
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = np.clip(make_series(3, 0), 0, 4095).astype(np.uint16)
    write_xa_dicom(path, frames)
    ds = pydicom.dcmread(path)
    ds.PositionerPrimaryAngle = primary
    ds.save_as(path)
    return path


def _convert(tmp_path, labels, boxes=None, det=True, cls=True):
    (tmp_path / 'labels.csv').write_text(labels)
    args = [str(tmp_path / 'dcm'), '--labels', str(tmp_path / 'labels.csv')]
    if boxes is not None:
        (tmp_path / 'boxes.csv').write_text(boxes)
        args += ['--boxes', str(tmp_path / 'boxes.csv')]
    if cls:
        args += ['--out-cls', str(tmp_path / 'cls.json')]
    if det:
        args += ['--out-det', str(tmp_path / 'det.json')]
    return _converter().main(args)


def test_same_file_names_in_two_folders_get_unique_ids(tmp_path):
    _dicom(tmp_path / 'dcm' / 'a' / 'S1.dcm')
    _dicom(tmp_path / 'dcm' / 'b' / 'S1.dcm')
    _dicom(tmp_path / 'dcm' / 'b' / 'S2.dcm')
    assert _convert(tmp_path, 'file,label\na/S1.dcm,0\nb/S1.dcm,0\n'
                    'b/S2.dcm,0\n') == 0
    cls = load_classification_annotations(str(tmp_path / 'cls.json'))
    assert [d['series_id'] for d in cls['data_list']] == [
        'a__S1', 'b__S1', 'S2']
    det = load_detection_annotations(str(tmp_path / 'det.json'))
    assert [v['name'] for v in det['videos']] == ['a__S1', 'b__S1', 'S2']


def test_ids_that_still_collide_name_both_files(tmp_path, capsys):
    _dicom(tmp_path / 'dcm' / 'a__S1.dcm')
    _dicom(tmp_path / 'dcm' / 'a' / 'S1.dcm')
    _dicom(tmp_path / 'dcm' / 'b' / 'S1.dcm')
    code = _convert(tmp_path, 'file,label\na__S1.dcm,0\na/S1.dcm,0\n'
                    'b/S1.dcm,0\n')
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith('error: ') and 'a/S1.dcm' in err and \
        'a__S1.dcm' in err


@pytest.mark.parametrize('primary, view', [(180.0, 'PA'), (-180.0, 'PA'),
                                           (0.0, 'PA'), (90.0, 'LAT'),
                                           (-90.0, 'LAT')])
def test_view_follows_the_readers_rule(tmp_path, primary, view):
    from mmdsa.fileio.dicom_meta import view_from_dataset
    path = _dicom(tmp_path / 'dcm' / 's.dcm', primary)
    assert _convert(tmp_path, 'file,label\ns.dcm,0\n') == 0
    cls = json.loads((tmp_path / 'cls.json').read_text())
    assert cls['data_list'][0]['view'] == view
    assert view_from_dataset(pydicom.dcmread(path), str(path)) == view


def test_label_and_box_rule_matches_the_loader(tmp_path, capsys):
    _dicom(tmp_path / 'dcm' / 'p.dcm')
    _dicom(tmp_path / 'dcm' / 'n.dcm')
    labels = 'file,label\np.dcm,1\nn.dcm,0\n'
    # a positive series without a box: fine for classification only
    assert _convert(tmp_path, labels, det=False) == 0
    assert _convert(tmp_path, labels) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith('error: ') and 'p.dcm' in err and \
        'without boxes' in err
    assert not (tmp_path / 'det.json').exists()
    # a box on a negative series
    assert _convert(tmp_path, labels, 'file,frame,x1,y1,x2,y2\n'
                    'p.dcm,0,1,1,5,5\nn.dcm,1,1,1,5,5\n') == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert 'n.dcm' in err and 'with boxes' in err


def test_empty_labels_file_is_refused(tmp_path, capsys):
    (tmp_path / 'dcm').mkdir()
    assert _convert(tmp_path, 'file,label\n') == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith('error: ') and 'holds no series' in err


def test_converter_names_file_and_field_of_bad_integers(tmp_path):
    (tmp_path / 'dcm').mkdir()
    frames = np.clip(make_series(4, 0), 0, 4095).astype(np.uint16)
    path = tmp_path / 'dcm' / 'a.dcm'
    write_xa_dicom(path, frames)
    import pydicom
    ds = pydicom.dcmread(path)   # a complete image but for the field
    ds.NumberOfFrames = 7777
    ds.save_as(path.with_suffix('.tmp'))
    data = path.with_suffix('.tmp').read_bytes()
    path.with_suffix('.tmp').unlink()
    # overwrite the value of (0028,0008) IS in place (explicit VR little
    # endian), not every '7777' of the file: random UIDs may hold one too
    head = b'(\x00\x08\x00IS'
    assert data.count(head) == 1
    at = data.index(head) + len(head)
    size = int.from_bytes(data[at:at + 2], 'little')
    assert data[at + 2:at + 2 + size] == b'7777'
    path.write_bytes(data[:at + 2] + b'abc ' + data[at + 2 + size:])
    (tmp_path / 'labels.csv').write_text('file,label\na.dcm,1\n')
    bad = run_tool([TOOL, tmp_path / 'dcm', '--labels',
                    tmp_path / 'labels.csv', '--out-cls',
                    tmp_path / 'cls.json'], check=False)
    assert bad.returncode == 2
    assert "a.dcm: NumberOfFrames: expected an integer, got 'abc'" in \
        bad.stderr


def _convert_points(tmp_path, labels, points):
    (tmp_path / 'labels.csv').write_text(labels)
    (tmp_path / 'points.csv').write_text(points)
    return _converter().main([
        str(tmp_path / 'dcm'), '--labels', str(tmp_path / 'labels.csv'),
        '--points', str(tmp_path / 'points.csv'), '--out-cls',
        str(tmp_path / 'cls.json')])


@pytest.mark.parametrize('points', [
    'file,x,y\nsub/p.dcm,3,4\nsub/p.dcm,10.5,2\nq.dcm,1,1\n',
    # the classification authors' layout; ImageName = path without extension
    'ImageName;PointNo;x;y\nsub/p;0;-1;-1\nsub/p;1;3;4\nsub/p;2;10.5;2\n'
    'n;0;5;5\nq;0;-1;-1\nq;1;1;1\n'])
def test_thrombus_points_from_a_csv(tmp_path, points):
    for name in ('sub/p.dcm', 'n.dcm', 'q.dcm'):
        _dicom(tmp_path / 'dcm' / name)
    assert _convert_points(tmp_path, 'file,label\nsub/p.dcm,1\nn.dcm,0\n',
                           points) == 0
    cls = load_classification_annotations(str(tmp_path / 'cls.json'))
    items = {d['series_id']: d for d in cls['data_list']}
    assert items['p']['thrombus_points'] == [[3.0, 4.0], [10.5, 2.0]]
    assert items['n']['thrombus_points'] == [] and items['n']['label'] == 0
    # a series only in the points CSV is positive
    assert items['q']['label'] == 1 and items['q']['thrombus_points'] == [
        [1.0, 1.0]]


@pytest.mark.parametrize('points, expected', [
    ('file,x,y\nn.dcm,3,4\n', 'row 2: field "label": expected 1 for n.dcm '
     '(it has 1 thrombus points), got 0 in the labels CSV'),
    ('file,x,y\np.dcm,64,4\n', 'row 2 (p.dcm): fields "x,y": expected a '
     'point inside the 32x32 image, got [64, 4]'),
    ('file,x,y\np.dcm,3,four\n', 'row 2: field "y": expected a number, '
     "got 'four'"),
    ('file,px,py\np.dcm,3,4\n', "header: expected columns file,x,y"),
    ('ImageName;PointNo;x;y\np;0;5;5\n', 'field "PointNo": expected '
     'thrombus points for p.dcm (the labels CSV gives it label 1)'),
])
def test_thrombus_point_refusals(tmp_path, capsys, points, expected):
    _dicom(tmp_path / 'dcm' / 'p.dcm')
    _dicom(tmp_path / 'dcm' / 'n.dcm')
    assert _convert_points(tmp_path, 'file,label\np.dcm,1\nn.dcm,0\n',
                           points) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith(f'error: {tmp_path / "points.csv"}') and \
        expected in err, err
    assert not (tmp_path / 'cls.json').exists()
