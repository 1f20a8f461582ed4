import copy
import json

import pytest

from mmdsa.datasets import (AnnotationError, load_classification_annotations,
                            load_detection_annotations, series_records)


def _write(tmp_path, obj, name='ann.json'):
    path = tmp_path / name
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return str(path)


def test_classification_valid(cls_root):
    ann = load_classification_annotations(str(cls_root / 'thrombus.json'))
    assert len(ann['data_list']) == 8
    first = ann['data_list'][0]
    assert first['series_id'] == 'S0_PA' and first['label'] == 0
    assert ann['data_list'][2]['thrombus_points'] == [[3.0, 4.0]]


def test_detection_valid(det_root):
    ann = load_detection_annotations(str(det_root / 'perforation.json'))
    v1, v2 = ann['videos']
    assert [f['frame_id'] for f in v1['frames']] == list(range(6))
    # [x, y, w, h] -> [x1, y1, x2, y2]
    assert v1['frames'][2]['bboxes'] == [[2.0, 20.0, 10.0, 26.0]]
    assert all(not f['bboxes'] for f in v2['frames'])
    recs = series_records(str(det_root / 'perforation.json'))
    assert [(r['series_id'], r['label']) for r in recs] == [('V1', 1),
                                                            ('V2', 0)]


CLS_CASES = [
    # (mutation, substrings expected in the message)
    (lambda a: a['data_list'][1].pop('patient_id'),
     ['data_list[1]', "'S0_LAT'", 'patient_id', '<missing>']),
    (lambda a: a['data_list'][2].update(label=2),
     ['data_list[2]', 'label', '0 or 1', '2']),
    (lambda a: a['data_list'][2].update(label=True), ['label', 'True']),
    (lambda a: a['data_list'][3].update(series_id='S0_PA'),
     ['data_list[3]', 'series_id', 'unique', 'data_list[0]']),
    (lambda a: a['data_list'][0].update(num_frames='7'), ['num_frames']),
    (lambda a: a['data_list'][0].update(view='AP'), ['view', 'AP']),
    (lambda a: a['data_list'][0].update(thrombus_points=[[1]]),
     ['thrombus_points[0]']),
    (lambda a: a.pop('data_list'), ['top level', 'data_list']),
]


@pytest.mark.parametrize('mutate,needles', CLS_CASES)
def test_classification_errors(cls_root, tmp_path, mutate, needles):
    ann = json.loads((cls_root / 'thrombus.json').read_text())
    mutate(ann)
    path = _write(tmp_path, ann, 'bad.json')
    with pytest.raises(AnnotationError) as err:
        load_classification_annotations(path)
    msg = str(err.value)
    assert path in msg
    for needle in needles:
        assert needle in msg, msg


def test_bad_json_and_missing_file(tmp_path):
    path = _write(tmp_path, '{"data_list": [', 'broken.json')
    with pytest.raises(AnnotationError, match='not valid JSON') as err:
        load_classification_annotations(path)
    assert 'broken.json' in str(err.value)
    with pytest.raises(AnnotationError, match='not found'):
        load_detection_annotations(str(tmp_path / 'nope.json'))
    assert issubclass(AnnotationError, ValueError)


DET_CASES = [
    (lambda a: a['annotations'][0].update(bbox=[30, 20, 8, 6]),
     ['annotations[0] (id=1)', 'bbox', 'inside the 32x32']),
    (lambda a: a['annotations'][0].update(bbox=[2, 20, 0, 6]),
     ['annotations[0]', 'bbox', 'width and height > 0']),
    (lambda a: a['annotations'][0].update(bbox=[2, 20, 8]),
     ['bbox', '4 finite numbers']),
    (lambda a: a['images'][0].update(video_id=99),
     ['images[0] (id=1)', 'video_id', '99']),
    (lambda a: a['images'][1].update(id=1), ['images[1]', 'id', 'unique']),
    (lambda a: a['videos'][1].update(id=1), ['videos[1]', 'id', 'unique']),
    (lambda a: a['videos'][1].update(name='V1'), ['videos[1]', 'name']),
    (lambda a: a['videos'][0].update(label=-1), ['videos[0] (id=1)',
                                                 'label']),
    (lambda a: a['images'][0].update(frame_id=6),
     ['images[0]', 'frame_id', '[0, 5]']),
    (lambda a: a['images'][1].update(frame_id=0),
     ['images[1]', 'frame_id', 'already images[0]']),
    (lambda a: a['annotations'][0].update(image_id=999),
     ['annotations[0]', 'image_id', '999']),
    (lambda a: a['annotations'][0].update(category_id=7),
     ['annotations[0]', 'category_id']),
    (lambda a: a['annotations'][1].update(image_id=3),
     ['annotations[1]', 'at most one box']),
    (lambda a: a['annotations'][0].update(id=2),
     ['annotations[1]', 'id', 'unique']),
    (lambda a: a['videos'][0].pop('patient_id'),
     ['videos[0]', 'patient_id', '<missing>']),
    (lambda a: a['images'][0].update(width=64), ['images[0]',
                                                  'width/height']),
    # issue 14.9: one label/box rule in the loader and the converter
    (lambda a: a['videos'][1].update(label=1),
     ['videos[1] (id=2)', 'label', 'without boxes', 'got 1']),
    (lambda a: a['videos'][0].update(label=0),
     ['videos[0] (id=1)', 'label', 'with boxes', 'got 0']),
    (lambda a: a.update(videos=[], images=[], annotations=[]),
     ['holds no series']),
]


@pytest.mark.parametrize('mutate,needles', DET_CASES)
def test_detection_errors(det_root, tmp_path, mutate, needles):
    ann = json.loads((det_root / 'perforation.json').read_text())
    mutate(ann)
    path = _write(tmp_path, copy.deepcopy(ann), 'bad.json')
    with pytest.raises(AnnotationError) as err:
        load_detection_annotations(path)
    msg = str(err.value)
    assert path in msg
    for needle in needles:
        assert needle in msg, msg


def test_empty_classification_file_names_the_file(tmp_path):
    """Issue 14.9: not MMEngine's 'need at least one array to concatenate'."""
    path = _write(tmp_path, dict(metainfo={}, data_list=[]))
    with pytest.raises(AnnotationError, match='holds no series') as err:
        load_classification_annotations(path)
    assert path in str(err.value)
