import numpy as np
import pytest
import torch

from mmdsa.datasets import DSADetectionDataset


def _pipeline(flip_prob):
    return [
        dict(type='LoadDSAWindow', num_frames=5, intensity='bits', bits=12),
        dict(type='mmdet.LoadAnnotations', with_bbox=True),
        dict(type='BroadcastFrames', transforms=[
            dict(type='mmdet.Resize', scale=(64, 64), keep_ratio=True),
            dict(type='mmdet.RandomFlip', prob=flip_prob,
                 direction='horizontal'),
            dict(type='RandomContrast', prob=0.5)]),
        dict(type='PackDSADetectionInputs'),
    ]


def test_samples_and_order(det_root):
    ds = DSADetectionDataset(ann_file='perforation.json',
                             data_root=str(det_root), test_mode=True)
    assert len(ds) == 10 and ds.metainfo['classes'] == ('perforation', )
    keys = [(ds.get_data_info(i)['series_id'], ds.get_data_info(i)['frame_id'])
            for i in range(len(ds))]
    assert keys == [('V1', f) for f in range(6)] + [('V2', f)
                                                    for f in range(4)]
    info = ds.get_data_info(2)
    assert info['instances'] == [
        dict(bbox=[2.0, 20.0, 10.0, 26.0], bbox_label=0, ignore_flag=0)]
    assert (info['series_length'], info['series_label'], info['width'],
            info['video_id']) == (6, 1, 32, 1)
    assert ds.get_data_info(7)['instances'] == []
    sub = DSADetectionDataset(ann_file='perforation.json',
                              data_root=str(det_root), key_frame_interval=2)
    assert [sub.get_data_info(i)['frame_id'] for i in range(len(sub))] == [
        0, 2, 4, 0, 2]
    with pytest.raises(ValueError, match='key_frame_interval'):
        DSADetectionDataset(ann_file='perforation.json',
                            data_root=str(det_root), key_frame_interval=0)


@pytest.mark.parametrize('flip_prob', [0.0, 1.0])
def test_window_pipeline_and_flip(det_root, flip_prob):
    ds = DSADetectionDataset(ann_file='perforation.json',
                             data_root=str(det_root),
                             pipeline=_pipeline(flip_prob))
    out = ds[2]  # V1 frame 2, box [2, 20, 10, 26] in a 32 px frame
    x, s = out['inputs'], out['data_samples']
    assert x.shape == (5, 3, 64, 64) and x.dtype == torch.uint8
    assert s.frame_ids == [0, 1, 2, 3, 4] and s.key_frame_index == 2
    assert (s.series_id, s.frame_id, s.series_length, s.series_label,
            s.num_frames, s.flip) == ('V1', 2, 6, 1, 5, bool(flip_prob))
    assert s.scale_factor == (2.0, 2.0) and s.ori_shape == (32, 32)
    box = s.gt_instances.bboxes.tensor.tolist()
    expected = [4.0, 40.0, 20.0, 52.0] if not flip_prob else [44.0, 40.0,
                                                            60.0, 52.0]
    np.testing.assert_allclose(box, [expected])
    # the bright top-left corner follows the flip in every frame
    corner = x[:, 0, :8, :8].float().mean(dim=(1, 2))
    right = x[:, 0, :8, -8:].float().mean(dim=(1, 2))
    if flip_prob:
        assert bool((right > corner + 100).all())
    else:
        assert bool((corner > right + 100).all())


def test_window_clamps_at_edges(det_root):
    ds = DSADetectionDataset(
        ann_file='perforation.json', data_root=str(det_root),
        pipeline=[dict(type='LoadDSAWindow', num_frames=5, intensity='bits',
                       bits=12),
                  dict(type='mmdet.LoadAnnotations', with_bbox=True),
                  dict(type='PackDSADetectionInputs')])
    first, last = ds[0]['data_samples'], ds[5]['data_samples']
    assert first.frame_ids == [0, 0, 0, 1, 2]
    assert last.frame_ids == [3, 4, 5, 5, 5]
    x = ds[0]['inputs']
    assert torch.equal(x[0], x[2]) and not torch.equal(x[2], x[3])
    neg = ds[6]['data_samples']  # V2 frame 0, no boxes
    assert len(neg.gt_instances) == 0
