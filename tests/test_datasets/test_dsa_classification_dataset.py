import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmdsa.datasets import (AnnotationError, DSAClassificationDataset,
                            chronological_kfold, dsa_pair_collate,
                            series_records, write_split)


def infos(ds):
    return [ds.get_data_info(i) for i in range(len(ds))]


PIPELINE = [
    dict(type='LoadDSASeries', resize=24),
    dict(type='BroadcastFrames', transforms=[
        dict(type='mmdet.RandomFlip', prob=0.5, direction='vertical'),
        dict(type='RandomApply', prob=0.5, transforms=[
            dict(type='mmdet.RandomAffine', max_rotate_degree=20,
                 max_translate_ratio=0.15, scaling_ratio_range=(0.9, 1.1),
                 max_shear_degree=0, border_val=(128, 128, 128))]),
        dict(type='RandomContrast'), dict(type='RandomBlur'),
        dict(type='RandomNoise'), dict(type='RandomDownscale'),
        dict(type='mmdet.Resize', scale=(16, 16), keep_ratio=False)]),
    dict(type='GroupFrames', group_size=3),
    dict(type='PackDSAClassificationInputs'),
]


def test_basic_and_view_filter(cls_root):
    ds = DSAClassificationDataset(ann_file='thrombus.json',
                                  data_root=str(cls_root), pipeline=PIPELINE)
    assert len(ds) == 8 and ds.metainfo['classes'] == ('thrombus_free',
                                                       'thrombus')
    info = ds.get_data_info(2)
    assert info['img_path'] == osp.join(str(cls_root), 'npy', 'S1_PA.npy')
    assert (info['series_id'], info['patient_id'], info['pair_id'],
            info['view'], info['gt_label'], info['num_frames']) == (
                'S1_PA', 'P1', 'S1', 'PA', 1, 7)
    out = ds[2]
    # 7 frames -> ceil(7/3) = 3 groups of 3 channels, resized to 16 px
    assert out['inputs'].shape == (3, 3, 16, 16)
    assert out['inputs'].dtype == torch.uint8
    s = out['data_samples']
    assert s.gt_label.tolist() == [1]
    assert (s.series_id, s.num_frames, s.num_groups, s.ori_shape) == (
        'S1_PA', 7, 3, (32, 32))
    lat = DSAClassificationDataset(ann_file='thrombus.json', view='LAT',
                                   data_root=str(cls_root))
    assert [d['view'] for d in infos(lat)] == ['LAT'] * 4


def test_split_filter(cls_root):
    ann = str(cls_root / 'thrombus.json')
    split = chronological_kfold(series_records(ann), test_fraction=0.25,
                                folds=3)
    write_split(split, str(cls_root / 'split.json'))
    kw = dict(ann_file='thrombus.json', data_root=str(cls_root),
              split_file='split.json')
    test = DSAClassificationDataset(split='test', **kw)
    assert {d['patient_id'] for d in infos(test)} == {'P0'}
    seen = set()
    for k in range(3):
        val = DSAClassificationDataset(split='val', fold=k, **kw)
        train = DSAClassificationDataset(split='train', fold=k, **kw)
        vp = {d['patient_id'] for d in infos(val)}
        tp = {d['patient_id'] for d in infos(train)}
        assert vp and not vp & tp and 'P0' not in vp | tp
        seen |= vp
    assert seen == {'P1', 'P2', 'P3'}
    with pytest.raises(ValueError, match='fold'):
        DSAClassificationDataset(split='train', **kw)


def test_pair_mode(cls_root):
    ds = DSAClassificationDataset(ann_file='thrombus.json',
                                  data_root=str(cls_root), pair_mode=True,
                                  pipeline=PIPELINE)
    assert len(ds) == 4
    info = ds.get_data_info(1)
    assert info['view'] == ['PA', 'LAT'] and info['gt_label'] == 1
    out = ds[1]
    assert [x.shape for x in out['inputs']] == [(3, 3, 16, 16),
                                                (2, 3, 16, 16)]
    assert [s.view for s in out['data_samples']] == ['PA', 'LAT']
    batch = dsa_pair_collate([ds[0], ds[1]])
    assert [s.series_id for s in batch['data_samples']] == [
        'S0_PA', 'S0_LAT', 'S1_PA', 'S1_LAT']
    assert [x.shape[0] for x in batch['inputs']] == [3, 2, 3, 2]
    with pytest.raises(ValueError, match='view=None'):
        DSAClassificationDataset(ann_file='thrombus.json',
                                 data_root=str(cls_root), pair_mode=True,
                                 view='PA')


def test_pair_mode_incomplete_pair(cls_root):
    ann = json.loads((cls_root / 'thrombus.json').read_text())
    ann['data_list'] = ann['data_list'][:-1]  # S3 loses its LAT view
    (cls_root / 'broken.json').write_text(json.dumps(ann))
    with pytest.raises(AnnotationError, match="pair_id='S3'.*one PA and one"):
        DSAClassificationDataset(ann_file='broken.json',
                                 data_root=str(cls_root), pair_mode=True)


def test_synthetic_option_calls_generator(tmp_path, monkeypatch, cls_root):
    import mmdsa.synth as synth
    calls = []

    def fake_ensure(root, task, **kw):
        calls.append((root, task, kw))
        return str(cls_root / 'thrombus.json')

    monkeypatch.setattr(synth, 'ensure_synthetic_dataset', fake_ensure,
                        raising=False)
    DSAClassificationDataset(ann_file=str(cls_root / 'thrombus.json'),
                             data_root=str(tmp_path),
                             synthetic=dict(num_pairs=3, seed=1))
    assert calls == [(str(tmp_path), 'thrombus',
                      dict(num_pairs=3, seed=1))]


def test_grouped_content_matches_frames(cls_root):
    ds = DSAClassificationDataset(
        ann_file='thrombus.json', data_root=str(cls_root),
        pipeline=[dict(type='LoadDSASeries', intensity='bits', bits=12),
                  dict(type='GroupFrames'),
                  dict(type='PackDSAClassificationInputs')])
    x = ds[0]['inputs'].numpy()  # S0_PA: 7 frames
    frames = np.load(cls_root / 'npy' / 'S0_PA.npy')
    ref = np.clip(np.rint(frames * 255 / 4095), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(x[0], ref[0:3])
    np.testing.assert_array_equal(x[2], ref[[6, 6, 6]])
