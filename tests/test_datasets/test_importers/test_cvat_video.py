"""CVAT for video 1.1 exports written by CVAT's published XML rules (meta /
task, tracks of per-frame boxes with outside / occluded / keyframe) convert
and load in the detection dataset; what is not understood is refused."""
import pytest

from mmdsa.datasets import DSADetectionDataset, load_detection_annotations
from .conftest import write_dicom

TOOL = 'cvat_video_to_annotations'


def box(frame, xtl, ytl, xbr, ybr, outside=0, occluded=0, keyframe=1):
    return (f'    <box frame="{frame}" keyframe="{keyframe}" '
            f'outside="{outside}" occluded="{occluded}" xtl="{xtl:.2f}" '
            f'ytl="{ytl:.2f}" xbr="{xbr:.2f}" ybr="{ybr:.2f}" z_order="0">\n'
            '    </box>\n')


def cvat_xml(name='S1_PA', size=6, width=48, height=40, tracks=(),
             version='1.1', meta_extra='', body_extra=''):
    track_xml = ''.join(
        f'  <track id="{tid}" label="{label}" source="manual">\n'
        + ''.join(boxes) + '  </track>\n' for tid, label, boxes in tracks)
    return f'''<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>{version}</version>
  <meta>
    <task>
      <id>7</id>
      <name>{name}</name>
      <size>{size}</size>
      <mode>interpolation</mode>
      <overlap>5</overlap>
      <bugtracker></bugtracker>
      <created>2024-03-01 09:30:00.000000+00:00</created>
      <updated>2024-03-01 10:30:00.000000+00:00</updated>
      <subset>default</subset>
      <start_frame>0</start_frame>
      <stop_frame>{size - 1}</stop_frame>
      <frame_filter></frame_filter>
      <segments>
        <segment><id>9</id><start>0</start><stop>{size - 1}</stop>
        <url>http://localhost:8080/api/jobs/9</url></segment>
      </segments>
      <owner><username>reader</username><email></email></owner>
      <assignee></assignee>
      <labels>
        <label><name>perforation</name><color>#ff0000</color>
        <type>rectangle</type><attributes></attributes></label>
      </labels>
      <original_size><width>{width}</width><height>{height}</height>
      </original_size>
      <source>{name}.mp4</source>{meta_extra}
    </task>
    <dumped>2024-03-01 11:00:00.000000+00:00</dumped>
  </meta>
{track_xml}{body_extra}</annotations>
'''


# a track from frame 2 (key) over interpolated 3 (occluded) to key 4, out
# at 5; the last box overhangs the right border (CVAT allows it)
TRACK = (0, 'perforation', [box(2, 5, 6, 15, 14), box(3, 6, 6, 16, 14,
                                                     occluded=1, keyframe=0),
                            box(4, 40, 6, 50, 14), box(5, 40, 6, 50, 14,
                                                       outside=1)])


@pytest.fixture
def root(tmp_path):
    write_dicom(tmp_path / 'dicom' / 'S1_PA.dcm', patient_id='P1')
    write_dicom(tmp_path / 'dicom' / 'S2_PA.dcm', patient_id='P2')
    return tmp_path


def test_converts_and_loads(root, tool):
    (root / 'a.xml').write_text(cvat_xml(tracks=[TRACK]))
    (root / 'b.xml').write_text(cvat_xml(name='S2_PA'))
    out = root / 'own' / 'perforation.json'
    status, err = tool(TOOL, root / 'a.xml', root / 'b.xml', '--dicom-root',
                       root / 'dicom', '--out', out)
    assert status == 0, err
    videos = {v['name']: v for v in
              load_detection_annotations(str(out))['videos']}
    s1 = videos['S1_PA']
    assert (s1['label'], s1['patient_id'], s1['num_frames']) == (1, 'P1', 6)
    assert videos['S2_PA']['label'] == 0
    assert [f['bboxes'] for f in s1['frames']] == [
        [], [], [[5.0, 6.0, 15.0, 14.0]], [[6.0, 6.0, 16.0, 14.0]],
        [[40.0, 6.0, 48.0, 14.0]], []]
    ds = DSADetectionDataset(ann_file=str(out), pipeline=[])
    assert len(ds) == 12
    assert [len(ds.get_data_info(i)['instances']) for i in range(6)] == [
        0, 0, 1, 1, 1, 0]


def test_source_name_and_explicit_dicom(root, tool):
    (root / 'a.xml').write_text(cvat_xml(name='task 7', tracks=[TRACK])
                                .replace('task 7.mp4', 'S1_PA.mp4'))
    status, err = tool(TOOL, root / 'a.xml', '--dicom-root', root / 'dicom',
                       '--name-from', 'source', '--out', root / 'd.json')
    assert status == 0, err
    status, err = tool(TOOL, root / 'a.xml', '--dicom',
                       root / 'dicom' / 'S2_PA.dcm', '--out', root / 'e.json')
    assert status == 0, err
    video = load_detection_annotations(str(root / 'e.json'))['videos'][0]
    assert video['name'] == 'task 7' and video['patient_id'] == 'P2'


@pytest.mark.parametrize('xml, expected', [
    (cvat_xml(version='1.0'), 'field "version": expected 1.1'),
    (cvat_xml(size=5), 'field "size": expected 6 (the frames of'),
    (cvat_xml(width=96), 'field "original_size": expected 48x40'),
    (cvat_xml().replace('<frame_filter></frame_filter>',
                        '<frame_filter>step=2</frame_filter>'),
     'field "frame_filter": expected no frame step'),
    (cvat_xml().replace('<start_frame>0', '<start_frame>2'),
     'field "start_frame": expected 0'),
    (cvat_xml(tracks=[(0, 'perforation', [
        '    <polygon frame="1" outside="0" occluded="0" keyframe="1" '
        'points="1,1;5,1;5,5" z_order="0"></polygon>\n'])]),
     'field "polygon": expected boxes only'),
    (cvat_xml(tracks=[TRACK, (1, 'perforation', [box(3, 1, 1, 4, 4)])]),
     'field "frame": expected at most one box per frame'),
    (cvat_xml(tracks=[TRACK, (1, 'catheter', [box(1, 1, 1, 4, 4)])]),
     "field \"label\": expected one label, or --label to choose, got "
     "['catheter', 'perforation']"),
    (cvat_xml(tracks=[(0, 'perforation', [
        '    <box frame="1" outside="0" occluded="0" xtl="a" ytl="1" '
        'xbr="4" ybr="4"></box>\n'])]),
     'field "xtl": expected a number, got \'a\''),
    (cvat_xml(tracks=[(0, 'perforation', [
        '    <box frame="1" outside="2" occluded="0" xtl="1" ytl="1" '
        'xbr="4" ybr="4"></box>\n'])]),
     'field "outside": expected 0 or 1, got \'2\''),
    (cvat_xml(tracks=[(0, 'perforation', [box(7, 1, 1, 4, 4)])]),
     'field "frame": expected an index in [0, 5], got 7'),
    (cvat_xml(tracks=[(0, 'perforation', [box(1, 50, 1, 60, 4)])]),
     'expected a non-empty box inside the 48x40 frame'),
    (cvat_xml(body_extra='  <image id="0" name="f.png" width="48" '
              'height="40"></image>\n'),
     'CVAT for images'),
    (cvat_xml().replace('<task>', '<project><tasks><task>').replace(
        '</task>', '</task></tasks></project>'),
     'a project export'),
    ('<annotations><version>1.1', 'not well-formed XML'),
])
def test_refusals_name_file_field_expected_and_got(root, tool, xml,
                                                   expected):
    (root / 'a.xml').write_text(xml)
    status, err = tool(TOOL, root / 'a.xml', '--dicom-root', root / 'dicom',
                       '--out', root / 'd.json')
    assert status == 2 and err.startswith(f'error: {root / "a.xml"}') and \
        expected in err, err
    assert not (root / 'd.json').exists()
