import json
import os
from pathlib import Path

import pydicom
import pytest

from mmdsa.synth import (ensure_synthetic_dataset,
                         generate_perforation_dataset,
                         generate_thrombus_dataset)

SMALL = dict(image_size=48, num_frames=(4, 6), progress=False)


def _files(root):
    root = Path(root)
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob('*')) if p.is_file()}


@pytest.fixture(scope='module')
def thrombus_set(tmp_path_factory):
    out = tmp_path_factory.mktemp('thr')
    ann = generate_thrombus_dataset(str(out), num_pairs=4, seed=3, **SMALL)
    return out, ann


def test_thrombus_annotation_contract(thrombus_set):
    out, ann = thrombus_set
    assert ann == os.path.join(str(out), 'thrombus.json')
    data = json.loads(Path(ann).read_text())
    assert data['metainfo'] == {'classes': ['thrombus_free', 'thrombus'],
                                'task': 'thrombus'}
    items = data['data_list']
    assert len(items) == 8 and sum(e['label'] for e in items) == 4
    keys = {'series_id', 'patient_id', 'pair_id', 'view', 'file', 'label',
            'acquisition_datetime', 'num_frames', 'thrombus_points',
            'occlusion_level'}
    times = []
    for pa, lat in zip(items[::2], items[1::2]):
        assert set(pa) == keys and set(lat) == keys
        assert (pa['view'], lat['view']) == ('PA', 'LAT')
        assert pa['pair_id'] == lat['pair_id'] and pa['label'] == lat['label']
        assert pa['series_id'] == pa['pair_id'] + '_PA'
        assert pa['file'] == f"dicom/{pa['series_id']}.dcm"
        assert (len(pa['thrombus_points']) == 1) == bool(pa['label'])
        # the level the generator drew, the same clot in both views
        assert pa['occlusion_level'] == lat['occlusion_level']
        assert (pa['occlusion_level'] in ('ICA-T', 'M1', 'M2', 'M3',
                                          'M4+')) == bool(pa['label'])
        assert pa['label'] or pa['occlusion_level'] is None
        dsp = pydicom.dcmread(out / pa['file'])
        dsl = pydicom.dcmread(out / lat['file'])
        assert dsp.StudyInstanceUID == dsl.StudyInstanceUID
        assert dsp.PatientID == dsl.PatientID == pa['patient_id']
        assert dsp.SeriesInstanceUID != dsl.SeriesInstanceUID
        assert int(dsp.NumberOfFrames) == pa['num_frames']
        assert dsp.pixel_array.shape == (pa['num_frames'], 48, 48)
        assert 4 <= pa['num_frames'] <= 6
        times.append(pa['acquisition_datetime'])
    assert times == sorted(times) and len(set(times)) == len(times)


def test_thrombus_bytes_reproducible(thrombus_set, tmp_path):
    out, _ = thrombus_set
    again = generate_thrombus_dataset(str(tmp_path / 'a'), num_pairs=4,
                                      seed=3, workers=2, **SMALL)
    assert _files(out) == _files(Path(again).parent)
    other = generate_thrombus_dataset(str(tmp_path / 'b'), num_pairs=4,
                                      seed=4, **SMALL)
    files = _files(Path(other).parent)
    assert files.keys() == _files(out).keys()
    assert all(files[k] != v for k, v in _files(out).items())


def test_perforation_annotation_contract(tmp_path):
    ann = generate_perforation_dataset(str(tmp_path), num_series=4, seed=1,
                                       positive_fraction=0.75,
                                       image_size=64, num_frames=(8, 9),
                                       progress=False)
    data = json.loads(Path(ann).read_text())
    assert data['categories'] == [{'id': 1, 'name': 'perforation'}]
    videos, images, anns = data['videos'], data['images'], data['annotations']
    assert [v['id'] for v in videos] == [1, 2, 3, 4]
    assert sum(v['label'] for v in videos) == 3
    assert len({i['id'] for i in images}) == len(images)
    by_image = {i['id']: i for i in images}
    for v in videos:
        frames = sorted(i['frame_id'] for i in images
                        if i['video_id'] == v['id'])
        assert frames == list(range(v['num_frames']))
        ds = pydicom.dcmread(tmp_path / v['file'])
        assert int(ds.NumberOfFrames) == v['num_frames']
        assert v['name'] == f"{v['pair_id']}_{v['view']}"
        boxed = [a for a in anns if a['video_id'] == v['id']]
        assert bool(boxed) == bool(v['label'])
    assert len({a['image_id'] for a in anns}) == len(anns)
    for a in anns:
        x, y, w, h = a['bbox']
        img = by_image[a['image_id']]
        assert img['video_id'] == a['video_id']
        assert w > 0 and h > 0 and x + w <= 64 and y + h <= 64
        assert a['area'] == w * h and a['category_id'] == 1
    # boxes persist into the last frame of every positive series
    for v in videos:
        if v['label']:
            last = [i['id'] for i in images if i['video_id'] == v['id']
                    and i['frame_id'] == v['num_frames'] - 1][0]
            assert any(a['image_id'] == last for a in anns)


def test_ensure_reuses_and_regenerates(tmp_path):
    root = tmp_path / 'cache'
    ann = ensure_synthetic_dataset(str(root), 'perforation', num_series=2,
                                   seed=0, **SMALL)
    stamp = os.stat(ann).st_mtime_ns
    assert ensure_synthetic_dataset(str(root), 'perforation', num_series=2,
                                    seed=0, **SMALL) == ann
    assert os.stat(ann).st_mtime_ns == stamp    # reused, not regenerated
    ensure_synthetic_dataset(str(root), 'perforation', num_series=3, seed=0,
                             **SMALL)
    data = json.loads(Path(ann).read_text())
    assert len(data['videos']) == 3
    assert sorted(os.listdir(tmp_path)) == ['cache']   # no temp leftovers
    params = json.loads((root / 'synth_params.json').read_text())
    assert params['params']['num_series'] == 3
    assert sorted(params['files']) == sorted(
        ['perforation.json'] + [f'dicom/{n}' for n in
                                os.listdir(root / 'dicom')])


@pytest.mark.parametrize('with_marker', [False, True])
def test_ensure_never_replaces_a_users_folder(tmp_path, with_marker):
    """Issue 14.1: a data_root with user files is refused, not replaced."""
    root = tmp_path / 'patients'
    if with_marker:   # a generated set to which the user added a file
        ensure_synthetic_dataset(str(root), 'perforation', num_series=2,
                                 seed=0, **SMALL)
    else:
        root.mkdir()
    (root / 'REAL_PATIENT_001.dcm').write_bytes(b'precious')
    (root / 'notes.txt').write_text('do not delete')
    before = sorted(p.relative_to(root).as_posix() for p in root.rglob('*'))
    with pytest.raises(FileExistsError, match='REAL_PATIENT_001.dcm') as e:
        ensure_synthetic_dataset(str(root), 'perforation', num_series=3,
                                 seed=1, **SMALL)
    assert str(root) in str(e.value)
    assert (root / 'REAL_PATIENT_001.dcm').read_bytes() == b'precious'
    assert (root / 'notes.txt').read_text() == 'do not delete'
    assert sorted(p.relative_to(root).as_posix()
                  for p in root.rglob('*')) == before
    assert sorted(os.listdir(tmp_path)) == ['patients']


def test_ensure_fills_an_empty_folder_and_cleans_killed_leftovers(tmp_path):
    """Issue 14.1: the leftover of a killed generation is removed."""
    import subprocess
    import sys
    root = tmp_path / 'cache'
    root.mkdir()     # an empty folder (e.g. made by the user) may be filled
    dead = subprocess.Popen([sys.executable, '-c', 'pass'])
    dead.wait()      # a pid that no longer runs
    stale = tmp_path / f'cache.tmp-{dead.pid}'
    (stale / 'dicom').mkdir(parents=True)
    (stale / 'dicom' / 'S0001_PA.dcm').write_bytes(b'half')
    alive = tmp_path / f'cache.tmp-{os.getpid()}-abc'   # a running writer's
    alive.mkdir()
    ensure_synthetic_dataset(str(root), 'perforation', num_series=2, seed=0,
                             **SMALL)
    assert not stale.exists()
    assert alive.exists()
    assert (root / 'perforation.json').is_file()


@pytest.mark.parametrize('kwargs, name', [
    (dict(num_pairs=0), 'num_pairs'),
    (dict(seed=-2), 'seed'),
    (dict(image_size=10), 'image_size'),
    (dict(num_frames=(6, 4)), 'num_frames'),
    (dict(num_frames='8'), 'num_frames'),
    (dict(positive_fraction=1.5), 'positive_fraction'),
    (dict(difficulty='brutal'), 'difficulty'),
    (dict(workers=-1), 'workers'),
])
def test_bad_arguments(tmp_path, kwargs, name):
    args = dict(num_pairs=1, **SMALL)
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        generate_thrombus_dataset(str(tmp_path), **args)
    with pytest.raises(ValueError, match='task'):
        ensure_synthetic_dataset(str(tmp_path), task='segmentation')


def test_thrombus_points_near_vessels(thrombus_set):
    """The clot's proximal end sits where contrast arrives (a vessel)."""
    out, ann = thrombus_set
    for e in json.loads(Path(ann).read_text())['data_list']:
        if not e['label']:
            continue
        frames = pydicom.dcmread(out / e['file']).pixel_array.astype(float)
        (x, y), = e['thrombus_points']
        xi, yi = int(x), int(y)
        patch = frames[:, max(yi - 3, 0):yi + 4, max(xi - 3, 0):xi + 4]
        assert (2048 - patch.min()) > 150
