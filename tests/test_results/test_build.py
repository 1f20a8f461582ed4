"""build_result_datasets / write_result_datasets end to end: a real tiny
run, a folder of single-frame files, re-runs and refusals."""
import io

import numpy as np
import pydicom
import pytest

from mmdsa.results import (ResultExportError, build_result_datasets,
                           read_source_datasets, summarise,
                           write_result_datasets)
from tests.test_fileio.helpers import make_dataset, save

from .conftest import detector_result
from .validators import dciodvfy_errors
from .test_sr import regions

DET = 'configs/perforation/' \
    'retinanet_r18-tiny_fpn_tcm-t5_dr-iou_so_8e_synthetic-perforation.py'


def test_real_tiny_run_gives_valid_objects_with_its_boxes(source, provenance,
                                                          tmp_path):
    """A random-weight detector through inference_series: every object
    passes dciodvfy and the SR's rectangles are the result's boxes."""
    from mmdsa.apis import inference_series, init_model
    path, _ = source
    result = inference_series(init_model(DET), str(path))
    scores = np.concatenate([s for _, s in result['detections']])
    thr = float(np.sort(scores)[-4])  # the four best boxes of the series
    datasets = build_result_datasets(
        result, read_source_datasets(str(path)), provenance,
        task='perforation', model_name='retinanet-tiny', include_sc=True,
        box_score_thr=thr)
    files = write_result_datasets(datasets, str(tmp_path / 'out'))
    for f, built in zip(files, datasets):
        assert dciodvfy_errors(f) == [], f
        # pydicom round trip: read, write again, read: the same dataset
        read = pydicom.dcmread(f)
        assert read.SOPInstanceUID == built.SOPInstanceUID
        buffer = io.BytesIO()
        read.save_as(buffer, enforce_file_format=True)
        buffer.seek(0)
        assert pydicom.dcmread(buffer) == read
    expected = [(f, box) for f, box in sorted(result['trajectory'].items())]
    for frame, (boxes, fscores) in enumerate(result['detections']):
        for i in np.argsort(-fscores, kind='stable'):
            if fscores[i] >= thr:
                expected.append((frame, boxes[i]))
    found = regions(pydicom.dcmread(files[0]))
    assert len(found) == len(expected) >= 4
    for (frame_number, _, points), (frame, box) in zip(found, expected):
        x1, y1, x2, y2 = np.clip(box, 0, [80, 64, 80, 64])
        assert frame_number == frame + 1
        assert np.allclose(points[0], [x1, y1], atol=1e-4)
        assert np.allclose(points[2], [x2, y2], atol=1e-4)


def test_folder_of_single_frame_files_is_referenced_per_frame(provenance,
                                                              tmp_path):
    """Frame f of a folder series is the file the reader puts at f
    (InstanceNumber order, not file-name order)."""
    folder = tmp_path / 'series'
    folder.mkdir()
    frames = np.random.default_rng(1).integers(0, 4096, (4, 32, 40),
                                               dtype=np.uint16)
    uid_of_frame = {}
    for i, f in enumerate(frames):
        ds = make_dataset(f, bits_stored=12, InstanceNumber=4 - i)
        uid_of_frame[3 - i] = ds.SOPInstanceUID
        save(ds, folder / f'IM{i}.dcm')
    sources = read_source_datasets(str(folder))
    assert [ds.SOPInstanceUID for ds in sources] == [
        uid_of_frame[i] for i in range(4)]
    result = detector_result(frames[::-1])
    result['detections'] = result['detections'][:4]
    datasets = build_result_datasets(result, sources, provenance,
                                     task='perforation', model_name='m')
    files = write_result_datasets(datasets, str(tmp_path / 'out'))
    assert dciodvfy_errors(files[0]) == []
    want = summarise(result, 'perforation', 32, 40)['boxes']
    found = regions(pydicom.dcmread(files[0]), frame_numbers=False)
    assert len(found) == len(want) == 4  # [50, 5, 85, 20] lies outside
    for (frame_number, uid, points), item in zip(found, want):
        assert frame_number is None and uid == uid_of_frame[item['frame']]
        assert np.allclose(points[[0, 2]].ravel(), item['box'])


def test_rerun_replaces_its_own_files_and_refuses_others(source, provenance,
                                                         tmp_path):
    path, frames = source
    sources = read_source_datasets(str(path))
    out = tmp_path / 'out'

    def run():
        return write_result_datasets(build_result_datasets(
            detector_result(frames), sources, provenance,
            task='perforation', model_name='m'), str(out))

    first = run()
    assert [p.rsplit('/', 1)[1] for p in first] == [
        f'{pydicom.dcmread(p).SOPInstanceUID}.dcm' for p in first]
    assert run() == first  # same names: a re-run replaces, nothing new
    assert sorted(p.name for p in out.iterdir()) == sorted(
        p.rsplit('/', 1)[1] for p in first)
    foreign = first[1]
    with open(foreign, 'wb') as f:
        f.write(b'not ours')
    with pytest.raises(ResultExportError, match='not an earlier mmdsa'):
        run()
    assert open(foreign, 'rb').read() == b'not ours'
    with pytest.raises(ResultExportError, match='expected a folder'):
        write_result_datasets([], str(path))


def test_source_must_be_dicom_and_match(source, provenance, tmp_path):
    path, frames = source
    npy = tmp_path / 'series.npy'
    np.save(npy, frames)
    with pytest.raises(ResultExportError, match='needs a DICOM source'):
        read_source_datasets(str(npy))
    with pytest.raises(ResultExportError,
                       match='10 frames the result has, got 6'):
        build_result_datasets(detector_result(frames[:5].repeat(2, 0)),
                              read_source_datasets(str(path)), provenance,
                              task='perforation', model_name='m')


def test_header_copy_neither_reads_nor_copies_pixel_data(source):
    """A deferred PixelData stays unread in its file; a loaded one is not
    copied; the copy is independent of the source."""
    from mmdsa.results.build import header_copy
    path, _ = source
    deferred = pydicom.dcmread(str(path), defer_size=1024)
    header = header_copy(deferred)
    raw = deferred.get_item(0x7FE00010, keep_deferred=True)
    assert raw.value is None  # still deferred: never read
    assert 0x7FE00010 not in header
    assert header.SOPInstanceUID == deferred.SOPInstanceUID
    assert header.Rows == 64 and header.WindowCenter == deferred.WindowCenter
    loaded = pydicom.dcmread(str(path))
    header = header_copy(loaded)
    assert 0x7FE00010 not in header and 'PixelData' in loaded
    header.PatientName = 'CHANGED'
    header.FrameTimeVector[1] = 1.0
    assert loaded.PatientName != 'CHANGED'
    assert loaded.FrameTimeVector[1] == 100.0
    # every other element is the same
    assert [e.tag for e in header] == [e.tag for e in loaded
                                       if e.tag.group != 0x7FE0]


def test_timings_name_every_object_built(source, provenance):
    path, frames = source
    timings = {}
    datasets = build_result_datasets(
        detector_result(frames), read_source_datasets(str(path)),
        provenance, task='perforation', model_name='m', include_sc=True,
        timings=timings)
    assert [str(ds.Modality) for ds in datasets] == ['SR', 'PR', 'KO', 'OT']
    assert sorted(timings) == ['gsps', 'kos', 'prepare', 'sc', 'sr']
    assert all(v >= 0 for v in timings.values())
