"""tools/test.py and tools/infer.py see the same windows for any stride:
the dataset path (LoadDSAWindow) and the whole-series inference
(predict_series via inference_detector_series) share one clamping rule and
the inference reads the stride from the config's test pipeline."""
import copy

import numpy as np
import pytest
import torch
from mmengine.dataset import Compose

from mmdsa.structures import window_indices

DET = 'configs/perforation/' \
    'retinanet_r18-tiny_fpn_tcm-t5_dr-iou_so_8e_synthetic-perforation.py'


@pytest.mark.parametrize('length', [1, 2, 6, 9])
@pytest.mark.parametrize('num_frames', [1, 3, 5])
@pytest.mark.parametrize('stride', [1, 2, 3])
def test_loader_and_series_inference_windows_agree(length, num_frames,
                                                   stride):
    from mmdsa.datasets.transforms import LoadDSAWindow
    from mmdsa.models.detectors import window_indices as det_windows
    loader = LoadDSAWindow(num_frames=num_frames, stride=stride)
    for key in range(length):
        idx = loader.window_indices(key, length)
        assert idx == det_windows(key, num_frames, length, stride)
        half = num_frames // 2
        brute = [int(np.clip(key + stride * (j - half), 0, length - 1))
                 for j in range(num_frames)]
        assert idx == brute and idx[half] == key


def test_window_indices_stride_two_at_both_ends():
    assert window_indices(0, 5, 9, 2) == [0, 0, 0, 2, 4]
    assert window_indices(1, 5, 9, 2) == [0, 0, 1, 3, 5]
    assert window_indices(8, 5, 9, 2) == [4, 6, 8, 8, 8]
    assert window_indices(7, 5, 9, 2) == [3, 5, 7, 8, 8]
    for bad in (dict(stride=0), dict(num_frames=4), dict(key=9)):
        args = dict(key=0, num_frames=5, series_length=9, stride=1)
        args.update(bad)
        with pytest.raises(ValueError, match=list(bad)[0]):
            window_indices(**args)


@pytest.fixture(scope='module')
def stride2_model():
    from mmengine.config import Config

    from mmdsa.apis import init_model
    cfg = Config.fromfile(DET)
    for step in cfg.test_dataloader.dataset.pipeline:
        if step['type'] == 'LoadDSAWindow':
            step['stride'] = 2
    return init_model(cfg)


def test_infer_path_uses_the_config_stride(stride2_model, tmp_path):
    """Detections of inference_detector_series (cached windows) equal the
    model on the windows the test pipeline builds for every key frame."""
    from mmdsa.apis import inference_detector_series
    from mmdsa.apis.series_inference import window_settings
    model = stride2_model
    assert window_settings(model.cfg) == dict(num_frames=5, stride=2)
    frames = np.random.default_rng(0).integers(0, 4096, (7, 40, 48),
                                               dtype=np.uint16)
    path = str(tmp_path / 'series.npy')
    np.save(path, frames)
    result = inference_detector_series(model, path, batch_size=3)

    pipeline = Compose(copy.deepcopy(
        model.cfg.test_dataloader.dataset.pipeline))
    for key in range(len(frames)):
        data = pipeline(dict(img_path=path, frame_id=key, img_id=key,
                             video_id=0, series_id='series',
                             series_length=len(frames), series_label=-1))
        assert data['data_samples'].metainfo.get('frame_id', key) == key
        with torch.no_grad():
            pred = model.test_step(dict(inputs=[data['inputs']],
                                        data_samples=[data['data_samples']]))
        boxes, scores = result['detections'][key]
        inst = pred[0].pred_instances
        np.testing.assert_allclose(scores, inst.scores.numpy(), atol=1e-5)
        np.testing.assert_allclose(boxes, inst.bboxes.numpy().reshape(-1, 4),
                                   atol=1e-3)


def test_window_loader_frame_ids_follow_the_rule(tmp_path):
    from mmdsa.datasets.transforms import LoadDSAWindow
    frames = np.arange(6 * 8 * 8, dtype=np.uint16).reshape(6, 8, 8)
    path = str(tmp_path / 's.npy')
    np.save(path, frames)
    loader = LoadDSAWindow(num_frames=5, stride=2)
    for key in range(6):
        out = loader(dict(img_path=path, frame_id=key))
        assert out['frame_ids'] == window_indices(key, 5, 6, 2)


def test_window_settings_refuses_a_pipeline_without_window_loader():
    from mmengine.config import Config

    from mmdsa.apis.series_inference import window_settings
    cfg = Config(dict(test_dataloader=dict(dataset=dict(
        pipeline=[dict(type='LoadDSASeries')]))))
    with pytest.raises(ValueError, match='expected one LoadDSAWindow'):
        window_settings(cfg)
