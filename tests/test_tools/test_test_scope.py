"""tools/test.py checks the scope of every test series: out-of-scope series
are left out of the metrics (counted and listed), --force keeps them."""
import json

import pytest
import torch
from mmengine.config import Config

from tests.conftest import run_tool

TINY = 'configs/thrombus/cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py'


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    from mmdsa.apis import init_model
    from mmdsa.apis.experiment import dump_config, set_synthetic_data
    from mmdsa.apis.operating_point import write_operating_point
    from mmdsa.apis.scope import (calibrate_scope, split_series_paths)
    root = tmp_path_factory.mktemp('test_scope')
    cfg = Config.fromfile(TINY)
    set_synthetic_data(cfg, str(root / 'data'),
                       dict(train=2, val=2, test=3), seed=3, image_size=64)
    cfg.test_evaluator = dict(type='SeriesClassificationMetric')
    config = dump_config(cfg, str(root / 'cfg.py'))
    model = init_model(config)
    ckpt = root / 'm.pth'
    torch.save(dict(state_dict=model.state_dict(), meta={}), ckpt)
    scope = calibrate_scope(model, split_series_paths(model.cfg, 'train'),
                            split_series_paths(model.cfg, 'val'))
    test_paths = split_series_paths(model.cfg, 'test')
    return root, config, ckpt, scope, test_paths


def _sidecar(ckpt, scope):
    from mmdsa.apis.operating_point import write_operating_point
    write_operating_point(str(ckpt), dict(threshold=0.5, scope=scope))


def test_scope_split_excludes_samples_of_out_of_scope_series(setup):
    from mmdsa.apis import init_model
    from mmdsa.apis.scope import scope_split
    from mmdsa.fileio import open_dsa_series
    root, config, ckpt, scope, test_paths = setup
    lengths = [open_dsa_series(p).num_frames for p in test_paths]
    # training range = exactly the first test series' length, no slack:
    # the series of other lengths are out of scope
    limits = dict(scope['limits'], num_frames=[lengths[0], lengths[0]],
                  slack=0.0)
    _sidecar(ckpt, dict(scope, limits=limits))
    model = init_model(config, str(ckpt))
    report = scope_split(model, model.cfg, 'test')
    out = {e['series'] for e in report['out_of_scope']}
    by_length = {e['series'] for e in report['out_of_scope']
                 if any(r.startswith('number of frames')
                        for r in e['reasons'])}
    assert by_length == {p for p, n in zip(test_paths, lengths)
                         if n != lengths[0]}
    assert report['num_series'] == len(test_paths) == 6
    excluded = report['num_samples'] - len(report['kept_indices'])
    assert excluded == len(out)  # one sample per series (no pair mode)
    forced = scope_split(model, model.cfg, 'test', force=True)
    assert forced['kept_indices'] == list(range(forced['num_samples']))
    assert forced['num_out_of_scope'] == len(out)


def test_test_tool_counts_and_lists_excluded_series(setup, tmp_path):
    root, config, ckpt, scope, test_paths = setup
    # a model trained on RF only: every XA test series is out of scope
    _sidecar(ckpt, dict(scope, limits=dict(scope['limits'],
                                           modalities=['RF'])))
    bad = run_tool(['tools/test.py', config, ckpt, '--work-dir',
                    tmp_path / 'w'], check=False)
    assert bad.returncode == 2 and 'every test series is out of scope' \
        in bad.stderr
    proc = run_tool(['tools/test.py', config, ckpt, '--work-dir',
                     tmp_path / 'w', '--force'])
    assert 'scope: 6 of 6 test series out of scope, kept (--force)' in \
        proc.stdout + proc.stderr
    listed = json.loads((tmp_path / 'w' / 'scope.json').read_text())
    assert listed['num_out_of_scope'] == 6 and listed['forced'] is True
    assert listed['out_of_scope'][0]['reasons'][0].startswith('modality: XA')
