"""Every input read_dsa_series accepts runs through both inference paths
(models with random weights; only the data path is under test)."""
import numpy as np
import pytest
from PIL import Image

from mmdsa.fileio import DSAReadError
from tests.test_fileio.helpers import make_dataset, save

DET = 'configs/perforation/' \
    'retinanet_r18-tiny_fpn_tcm-t5_dr-iou_so_8e_synthetic-perforation.py'
CLS = 'configs/thrombus/cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py'


@pytest.fixture(scope='module')
def models():
    from mmdsa.apis import init_model
    return {name: init_model(cfg) for name, cfg in (('det', DET),
                                                    ('cls', CLS))}


def _inputs(root):
    frames = np.random.default_rng(0).integers(0, 4096, (4, 48, 40),
                                               dtype=np.uint16)
    dcm = root / 'dicom_folder'
    dcm.mkdir()
    for i, f in enumerate(frames):
        save(make_dataset(f, bits_stored=12, InstanceNumber=i + 1),
             dcm / f'IM{i}')
    png = root / 'png_folder'
    png.mkdir()
    for i, f in enumerate(frames):
        Image.fromarray(f).save(png / f'{i}.png')
    np.save(root / 'frame.npy', frames[0])
    np.save(root / 'stack.npy', frames)
    return {'dicom_folder': (dcm, 4), 'png_folder': (png, 4),
            'npy_2d': (root / 'frame.npy', 1),
            'npy_3d': (root / 'stack.npy', 4),
            'dicom': (save(make_dataset(frames, bits_stored=12),
                           root / 'cine.dcm'), 4)}


def test_every_input_kind(models, tmp_path):
    from mmdsa.apis import inference_series
    for kind, (path, length) in _inputs(tmp_path).items():
        det = inference_series(models['det'], str(path))
        assert len(det['detections']) == length, kind
        assert 0.0 <= det['series_score'] <= 1.0, kind
        cls = inference_series(models['cls'], str(path))
        assert 0.0 <= cls['probability'] <= 1.0, kind


def test_modality_refused_unless_overridden(models, tmp_path):
    from mmdsa.apis import inference_series
    frames = np.zeros((3, 32, 32), np.uint16)
    path = save(make_dataset(frames, Modality='CT'), tmp_path / 'ct.dcm')
    for model in models.values():
        with pytest.raises(DSAReadError, match="Modality is 'CT'"):
            inference_series(model, path)
        inference_series(model, path, modalities='any')
