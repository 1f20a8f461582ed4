import numpy as np

from mmdsa.datasets import (load_classification_annotations,
                            load_detection_annotations)
from tests.conftest import run_tool
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


def test_converter_names_file_and_field_of_bad_integers(tmp_path):
    (tmp_path / 'dcm').mkdir()
    frames = np.clip(make_series(4, 0), 0, 4095).astype(np.uint16)
    path = tmp_path / 'dcm' / 'a.dcm'
    write_xa_dicom(path, frames)
    import pydicom
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    ds.NumberOfFrames = 7777
    ds.save_as(path.with_suffix('.tmp'))
    data = path.with_suffix('.tmp').read_bytes()
    assert data.count(b'7777') == 1
    path.with_suffix('.tmp').unlink()
    path.write_bytes(data.replace(b'7777', b'abc '))
    (tmp_path / 'labels.csv').write_text('file,label\na.dcm,1\n')
    bad = run_tool([TOOL, tmp_path / 'dcm', '--labels',
                    tmp_path / 'labels.csv', '--out-cls',
                    tmp_path / 'cls.json'], check=False)
    assert bad.returncode == 2
    assert "a.dcm: NumberOfFrames: expected an integer, got 'abc'" in \
        bad.stderr
