import numpy as np
import pytest

from mmdsa.datasets.transforms import (BroadcastFrames, GroupFrames,
                                       PackDSAClassificationInputs, RandomBlur,
                                       RandomContrast, RandomDownscale,
                                       RandomNoise)


def _frames(n=4, size=16):
    rng = np.random.default_rng(0)
    base = rng.integers(40, 200, (size, size)).astype(np.uint8)
    return [base.copy() for _ in range(n)]


@pytest.mark.parametrize('cfg', [
    dict(type='RandomContrast', prob=1.0),
    dict(type='RandomBlur', prob=1.0, kernel_sizes=(3, 5)),
    dict(type='RandomDownscale', prob=1.0, scale_range=(0.3, 0.7)),
    dict(type='mmdet.RandomAffine', max_rotate_degree=30,
         max_translate_ratio=0.2, scaling_ratio_range=(0.8, 1.2)),
])
def test_shared_parameters(cfg):
    # identical frames stay identical when every frame gets the same params
    for seed in range(3):
        np.random.seed(seed)
        import random
        random.seed(seed)
        out = BroadcastFrames(transforms=[cfg])(dict(imgs=_frames()))
        assert all(np.array_equal(out['imgs'][0], f) for f in out['imgs'])
        assert not np.array_equal(out['imgs'][0], _frames()[0])
        assert 'gt_bboxes' not in out


def test_noise_shares_strength_not_field():
    out = BroadcastFrames(
        transforms=[dict(type='RandomNoise', prob=1.0,
                         strength_range=(5, 5))])(dict(imgs=_frames()))
    diff = [f.astype(float) - _frames()[0] for f in out['imgs']]
    assert not np.array_equal(diff[0], diff[1])
    assert all(3 < d.std() < 7 for d in diff)


def test_prob_zero_is_identity():
    for t in (RandomContrast(prob=0), RandomBlur(prob=0),
              RandomNoise(prob=0), RandomDownscale(prob=0)):
        img = _frames(1)[0]
        assert np.array_equal(t(dict(img=img.copy()))['img'], img)
        assert 'prob=0.0' in repr(t)
    with pytest.raises(ValueError, match='prob'):
        RandomContrast(prob=2)


def test_group_frames_and_pack():
    imgs = [np.full((4, 5), i, np.uint8) for i in range(7)]
    res = GroupFrames(group_size=3)(dict(imgs=list(imgs)))
    assert res['num_groups'] == 3
    assert [g[0, 0].tolist() for g in res['imgs']] == [[0, 1, 2], [3, 4, 5],
                                                       [6, 6, 6]]
    zeros = GroupFrames(pad='zeros')(dict(imgs=list(imgs)))
    assert zeros['imgs'][-1][0, 0].tolist() == [6, 0, 0]
    pair = GroupFrames()(dict(imgs=list(imgs), view_lengths=[4, 3]))
    assert pair['group_lengths'] == [2, 1]
    assert pair['imgs'][1][0, 0].tolist() == [3, 3, 3]
    packed = PackDSAClassificationInputs()(
        dict(res, gt_label=1, series_id='S', ori_shape=(4, 5)))
    assert packed['inputs'].shape == (3, 3, 4, 5)
    assert packed['inputs'][2, :, 0, 0].tolist() == [6, 6, 6]
    assert packed['data_samples'].num_groups == 3
    with pytest.raises(ValueError, match='view_lengths'):
        GroupFrames()(dict(imgs=list(imgs), view_lengths=[2, 2]))


def test_contrast_brightness_by_mean():
    # albumentations' brightness_by_max=False: beta is a fraction of the
    # image mean
    img = np.full((8, 8), 100, np.uint8)
    img[0, 0] = 200
    t = RandomContrast(contrast_range=(1, 1), brightness_range=(0.2, 0.2),
                       brightness_mode='mean', prob=1.0)
    out = t(dict(img=img.copy()))['img'].astype(float)
    np.testing.assert_allclose(out, np.clip(
        np.rint(img + 0.2 * img.mean()), 0, 255))
    with pytest.raises(ValueError, match='brightness_mode'):
        RandomContrast(brightness_mode='max')


def test_one_of_frequencies_and_exclusive():
    # the authors' OneOf(noise p 0.2, down-scale p 0.3) with p 0.5
    import random

    from mmdsa.datasets.transforms import RandomOneOf
    t = RandomOneOf(prob=0.5, weights=[0.2, 0.3], transforms=[
        dict(type='RandomNoise', mode='multiplicative',
             strength_range=(0.1, 0.1), prob=1.0),
        dict(type='RandomDownscale', prob=1.0)])
    random.seed(0)
    counts = np.bincount([t._choice() + 1 for _ in range(4000)], minlength=3)
    np.testing.assert_allclose(counts / 4000, [0.5, 0.2, 0.3], atol=0.03)
    # inside BroadcastFrames: one choice for all frames
    for seed in range(4):
        random.seed(seed)
        np.random.seed(seed)
        img = np.zeros((16, 16), np.uint8)
        img[::2] = 200
        out = BroadcastFrames(transforms=[dict(
            type='RandomOneOf', prob=1.0, weights=[0, 1], transforms=[
                dict(type='RandomNoise', prob=1.0),
                dict(type='RandomDownscale', prob=1.0)])])(
                    dict(imgs=[img.copy() for _ in range(3)]))
        assert all(np.array_equal(out['imgs'][0], f) for f in out['imgs'])
        assert not np.array_equal(out['imgs'][0], img)
    with pytest.raises(ValueError, match='weight'):
        RandomOneOf(transforms=[dict(type='RandomNoise')], weights=[0])
