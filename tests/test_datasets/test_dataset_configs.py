"""The dataset bases: each task's pipelines are written once (in the
``dsa_*`` base) and the synthetic and own-data bases derive theirs."""
import json
import os.path as osp

import pytest
from mmengine.config import Config

from tests.conftest import REPO_ROOT

BASES = REPO_ROOT / 'configs' / '_base_' / 'datasets'
SNAPSHOT = REPO_ROOT / 'tests' / 'data' / 'configs' / \
    'dataset_bases_resolved.json'
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
DERIVED = {'synthetic_perforation': 'dsa_perforation_640',
           'own_perforation_640': 'dsa_perforation_640',
           'synthetic_thrombus': 'dsa_thrombus_512',
           'own_thrombus_512': 'dsa_thrombus_512'}


def _load(name):
    return json.loads(json.dumps(
        Config.fromfile(str(BASES / f'{name}.py')).to_dict()))


@pytest.mark.parametrize('name', sorted(json.loads(SNAPSHOT.read_text())))
def test_resolved_values_unchanged(name):
    """Pipelines and dataloaders resolve to the values they had before the
    synthetic bases derived theirs from the dsa bases.

    After an intended change of a pipeline, rewrite the snapshot from the
    new resolved values (``Config.fromfile(...).to_dict()``, the keys
    below) and say so in the commit.
    """
    expected = json.loads(SNAPSHOT.read_text())[name]
    cfg = _load(name)
    for key, value in expected.items():
        assert cfg[key] == value, key


@pytest.mark.parametrize('name', sorted(DERIVED))
def test_derived_bases_write_no_transform(name):
    lines = (BASES / f'{name}.py').read_text().splitlines()
    code = '\n'.join(line.split('#')[0] for line in lines)
    assert f"_base_ = ['./{DERIVED[name]}.py']" in code
    for transform in ('BroadcastFrames', 'ShiftScaleRotate', 'RandomFlip',
                      'Resize', 'LoadDSA', 'Pack', 'GroupFrames'):
        assert transform not in code, transform


@pytest.mark.parametrize('name', ['own_perforation_640', 'own_thrombus_512'])
def test_own_data_bases(name, monkeypatch, tmp_path):
    monkeypatch.setenv('MMDSA_DATA_ROOT', str(tmp_path))
    own, paper = _load(name), _load(DERIVED[name])
    assert own['train_pipeline'] == paper['train_pipeline']
    assert own['test_pipeline'] == paper['test_pipeline']
    for loader in LOADERS:
        dataset = own[loader]['dataset']
        assert 'synthetic' not in dataset
        assert dataset['data_root'] == str(tmp_path)
        assert dataset['pipeline'] == paper[loader]['dataset']['pipeline']
        assert dataset['split_file'] == paper[loader]['dataset']['split_file']
    monkeypatch.delenv('MMDSA_DATA_ROOT')
    assert _load(name)['train_dataloader']['dataset']['data_root'] == \
        'data/own/'
    assert osp.isfile(BASES / f'{DERIVED[name]}.py')
