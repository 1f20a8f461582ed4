"""COCO-VID files written as mmtracking's converters write them (videos,
images with video_id / frame_id, annotations with instance_id) convert and
load in the detection dataset; what is not understood is refused."""
import json

import pytest

from mmdsa.datasets import DSADetectionDataset, load_detection_annotations
from .conftest import write_dicom

TOOL = 'coco_vid_to_annotations'


def coco_vid(videos, boxes, num_frames=6, size=(48, 40), extra_cat=False):
    """mmtracking's CocoVID layout: frame images, 0-based frame_id."""
    w, h = size
    data = dict(categories=[dict(id=1, name='perforation',
                                 encode_name='n0001')],
                videos=[], images=[], annotations=[])
    if extra_cat:
        data['categories'].append(dict(id=2, name='catheter'))
    for vid, name in enumerate(videos, 1):
        data['videos'].append(dict(id=vid, name=name))
        for f in range(num_frames):
            iid = len(data['images']) + 1
            data['images'].append(dict(
                id=iid, video_id=vid, frame_id=f, width=w, height=h,
                file_name=f'{name}/{f:06d}.JPEG', is_vid_train_frame=True))
            for (bname, frame, box, cat) in boxes:
                if bname == name and frame == f:
                    data['annotations'].append(dict(
                        id=len(data['annotations']) + 1, video_id=vid,
                        image_id=iid, category_id=cat, instance_id=0,
                        bbox=box, area=box[2] * box[3], iscrowd=False,
                        occluded=False, generated=False))
    return data


@pytest.fixture
def root(tmp_path):
    write_dicom(tmp_path / 'dicom' / 'S1_PA.dcm', patient_id='P1')
    write_dicom(tmp_path / 'dicom' / 'S2_LAT.dcm', view='LAT',
                patient_id='P2')
    return tmp_path


def test_converts_and_loads(root, tool):
    ann = root / 'vid.json'
    ann.write_text(json.dumps(coco_vid(
        ['S1_PA', 'S2_LAT'], [('S1_PA', 3, [5, 6, 10, 8], 1),
                              ('S1_PA', 4, [6, 6, 10, 8], 1),
                              ('S2_LAT', 1, [1, 1, 3, 3], 2)],
        extra_cat=True)))
    out = root / 'own' / 'perforation.json'
    status, err = tool(TOOL, ann, '--dicom-root', root / 'dicom', '--out',
                       out, '--category', 'perforation')
    assert status == 0, err
    videos = {v['name']: v for v in
              load_detection_annotations(str(out))['videos']}
    s1, s2 = videos['S1_PA'], videos['S2_LAT']
    assert (s1['label'], s1['patient_id'], s1['view'], s1['num_frames'],
            s1['width'], s1['height']) == (1, 'P1', 'PA', 6, 48, 40)
    assert (s2['label'], s2['patient_id'], s2['view']) == (0, 'P2', 'LAT')
    assert s1['acquisition_datetime'] == '2024-03-01T09:30:00'
    assert [f['bboxes'] for f in s1['frames']][3:5] == [
        [[5.0, 6.0, 15.0, 14.0]], [[6.0, 6.0, 16.0, 14.0]]]
    assert s1['file'] == '../dicom/S1_PA.dcm'
    ds = DSADetectionDataset(ann_file=str(out), pipeline=[])
    assert len(ds) == 12
    info = ds.get_data_info(3)
    assert info['series_id'] == 'S1_PA' and info['frame_id'] == 3
    assert info['instances'][0]['bbox'] == [5.0, 6.0, 15.0, 14.0]


def test_name_map_and_video_fields(root, tool):
    data = coco_vid(['first run'], [])
    data['videos'][0].update(patient_id='PX', label=0)
    (root / 'vid.json').write_text(json.dumps(data))
    (root / 'map.csv').write_text('name,file\nfirst run,S1_PA.dcm\n')
    out = root / 'det.json'
    status, err = tool(TOOL, root / 'vid.json', '--dicom-root',
                       root / 'dicom', '--name-map', root / 'map.csv',
                       '--out', out)
    assert status == 0, err
    video = load_detection_annotations(str(out))['videos'][0]
    assert (video['name'], video['patient_id'], video['label']) == (
        'first run', 'PX', 0)


@pytest.mark.parametrize('edit, expected', [
    (lambda d: [i.pop('video_id') for i in d['images']],
     'images[0] (id=1): field "video_id": expected the id of an entry of '
     '"videos" (COCO-VID, not plain COCO), got \'<missing>\''),
    (lambda d: d['images'][2].update(width=96),
     'images[2] (id=3): field "width/height": expected the DICOM series\' '
     'size 48x40'),
    (lambda d: d['images'][0].update(frame_id=6),
     'field "frame_id": expected an index in [0, 5]'),
    (lambda d: d['annotations'].append(dict(d['annotations'][0], id=9)),
     'annotations[1] (id=9): field "image_id": expected at most one box per '
     'frame'),
    (lambda d: d['annotations'][0].update(bbox=[40, 1, 20, 5]),
     'field "bbox": expected a box with w, h > 0 inside the 48x40 frame'),
    (lambda d: d['categories'].append(dict(id=2, name='other')),
     'categories: field "name": expected one category, or --category'),
    (lambda d: d['videos'][0].update(name='S9'),
     "name 'S9': expected a DICOM series under"),
    (lambda d: d['videos'][0].update(label=0),
     'field "label": expected 1 for a series with boxes'),
])
def test_refusals_name_file_field_expected_and_got(root, tool, edit,
                                                   expected):
    data = coco_vid(['S1_PA'], [('S1_PA', 0, [1, 1, 4, 4], 1)])
    edit(data)
    ann = root / 'vid.json'
    ann.write_text(json.dumps(data))
    status, err = tool(TOOL, ann, '--dicom-root', root / 'dicom', '--out',
                       root / 'det.json')
    assert status == 2 and err.startswith(f'error: {ann}') and \
        expected in err, err
    assert not (root / 'det.json').exists()
