"""Small on-disk data sets (NPY series + annotation JSONs, one XA DICOM)."""
import json

import numpy as np
import pytest

SIZE = 32


@pytest.fixture(autouse=True)
def mmdsa_scope():
    """Build pipelines in the mmdsa scope, as a config's default_scope does."""
    from mmdsa.utils import register_all_modules
    register_all_modules(init_default_scope=True)


def make_series(num_frames, seed, size=SIZE):
    """(T, H, W) float32 series whose frame t has mean value 100 * t."""
    rng = np.random.default_rng(seed)
    frames = rng.uniform(0, 50, (num_frames, size, size)).astype(np.float32)
    frames += 100.0 * np.arange(num_frames, dtype=np.float32)[:, None, None]
    frames[:, :4, :4] = 4000.0  # an asymmetric bright corner (top-left)
    return frames


@pytest.fixture
def cls_root(tmp_path):
    """4 patients x 1 PA+LAT pair; patient P0 earliest; P1, P3 positive."""
    (tmp_path / 'npy').mkdir()
    items = []
    for p in range(4):
        for view, n in (('PA', 7), ('LAT', 5)):
            sid = f'S{p}_{view}'
            np.save(tmp_path / 'npy' / f'{sid}.npy', make_series(n, p))
            items.append(
                dict(series_id=sid, patient_id=f'P{p}', pair_id=f'S{p}',
                     view=view, file=f'npy/{sid}.npy', label=int(p % 2 == 1),
                     acquisition_datetime=f'2024-01-0{p + 1}T10:00:00',
                     num_frames=n, thrombus_points=[[3, 4]] if p % 2 else []))
    ann = dict(
        metainfo=dict(classes=['thrombus_free', 'thrombus'],
                      task='thrombus'),
        data_list=items)
    with open(tmp_path / 'thrombus.json', 'w') as f:
        json.dump(ann, f)
    return tmp_path


def det_annotation(videos):
    """CocoVID dict from ``[(name, num_frames, {frame: [x, y, w, h]})]``."""
    ann = dict(categories=[dict(id=1, name='perforation')], videos=[],
               images=[], annotations=[])
    for vid, (name, n, boxes) in enumerate(videos, 1):
        ann['videos'].append(
            dict(id=vid, name=name, file=f'npy/{name}.npy',
                 patient_id=f'P{vid}', pair_id=name, view='PA',
                 label=int(bool(boxes)), num_frames=n, width=SIZE,
                 height=SIZE, acquisition_datetime=None))
        for f in range(n):
            iid = len(ann['images']) + 1
            ann['images'].append(
                dict(id=iid, video_id=vid, frame_id=f,
                     file_name=f'npy/{name}.npy', width=SIZE, height=SIZE))
            if f in boxes:
                x, y, w, h = boxes[f]
                ann['annotations'].append(
                    dict(id=len(ann['annotations']) + 1, image_id=iid,
                         video_id=vid, category_id=1, bbox=[x, y, w, h],
                         area=w * h, iscrowd=0))
    return ann


@pytest.fixture
def det_root(tmp_path):
    """Two series: V1 (6 frames, boxes on 2..4), V2 (4 frames, negative)."""
    (tmp_path / 'npy').mkdir()
    videos = [('V1', 6, {2: [2, 20, 8, 6], 3: [3, 20, 8, 6],
                         4: [4, 20, 8, 6]}), ('V2', 4, {})]
    for i, (name, n, _) in enumerate(videos):
        np.save(tmp_path / 'npy' / f'{name}.npy', make_series(n, 10 + i))
    with open(tmp_path / 'perforation.json', 'w') as f:
        json.dump(det_annotation(videos), f)
    return tmp_path


def write_xa_dicom(path, frames_u16):
    """Multi-frame XA DICOM, uint16, BitsStored 12 (test fixture)."""
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import (ExplicitVRLittleEndian, XRayAngiographicImageStorage,
                             generate_uid)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = XRayAngiographicImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b'\0' * 128)
    ds.SOPClassUID = XRayAngiographicImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.Modality, ds.PatientID = 'XA', 'PX'
    ds.AcquisitionDateTime = '20240105101500'
    ds.PositionerPrimaryAngle, ds.PositionerSecondaryAngle = 90.0, 0.0
    t, h, w = frames_u16.shape
    ds.NumberOfFrames, ds.Rows, ds.Columns = t, h, w
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, 'MONOCHROME2'
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
    ds.PixelRepresentation = 0
    ds.FrameTime = 333.0
    ds.PixelData = frames_u16.astype('<u2').tobytes()
    ds.save_as(str(path), enforce_file_format=True)
    return str(path)


@pytest.fixture
def xa_dicom(tmp_path):
    frames = np.clip(make_series(4, 3), 0, 4095).astype(np.uint16)
    return write_xa_dicom(tmp_path / 'series.dcm', frames), frames
