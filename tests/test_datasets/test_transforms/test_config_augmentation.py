"""The configs' affine augmentation pivots on the image centre (issue 12)."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
CONFIGS = sorted(
    glob.glob(osp.join(ROOT, 'configs', 'thrombus', '*.py')) +
    glob.glob(osp.join(ROOT, 'configs', 'perforation', '*.py')))


def _types(steps):
    for step in steps:
        if isinstance(step, (list, tuple)):
            yield from _types(step)
        elif isinstance(step, dict):
            yield step.get('type')
            for key in ('transforms', ):
                if key in step:
                    yield from _types(step[key])


def _find(steps, name):
    for step in steps:
        if isinstance(step, (list, tuple)):
            yield from _find(step, name)
        elif isinstance(step, dict):
            if step.get('type') == name:
                yield step
            if 'transforms' in step:
                yield from _find(step['transforms'], name)


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_centred_shift_scale_rotate(path):
    cfg = Config.fromfile(path)
    types = list(_types(cfg.train_dataloader.dataset.pipeline))
    assert 'mmdet.RandomAffine' not in types
    assert types.count('ShiftScaleRotate') == 1
    ssr = next(_find(cfg.train_dataloader.dataset.pipeline,
                     'ShiftScaleRotate'))
    if '/thrombus/' in path:
        # the classification authors' albumentations magnitudes
        assert ssr['prob'] == 1.0 and ssr['shift_limit'] == 0.15
        assert tuple(ssr['scale_limit']) == (0, 0.1)
        assert ssr['rotate_limit'] == 20
    else:
        # Su et al.: p 0.5, shift 0.0625, scale +-0.1, rotation +-10 deg
        assert ssr['prob'] == 0.5 and ssr['shift_limit'] == 0.0625
        assert ssr['scale_limit'] == 0.1 and ssr['rotate_limit'] == 10


def test_thrombus_pipeline_builds_and_runs():
    import numpy as np

    from mmdsa.registry import TRANSFORMS
    from mmdsa.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(osp.join(
        ROOT, 'configs/thrombus/cnnrnn_resnet18-bigru_130e_dsa-pa-512.py'))
    step = cfg.train_dataloader.dataset.pipeline[1]
    t = TRANSFORMS.build(step)
    frames = [np.full((32, 32), 100, np.uint8) for _ in range(4)]
    frames[0][10:20, 10:20] = 30
    for _ in range(5):
        out = t(dict(imgs=[f.copy() for f in frames]))
        assert len(out['imgs']) == 4
        assert all(f.shape == (32, 32) for f in out['imgs'])
