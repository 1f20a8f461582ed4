"""Renamed classes: old names still build / import and warn; nothing in the
project but the alias table uses them."""
import importlib
import re
import subprocess
import warnings

import pytest
import torch
from mmengine.config import Config

from mmdsa.utils import register_all_modules
from mmdsa.utils.deprecation import RENAMED
from tests.conftest import REPO_ROOT

register_all_modules(init_default_scope=True)

from mmdsa.datasets import DSAClassificationDataset  # noqa: E402
from mmdsa.datasets import DSADetectionDataset  # noqa: E402
from mmdsa.datasets.transforms import PackDSAClassificationInputs  # noqa
from mmdsa.datasets.transforms import PackDSADetectionInputs  # noqa: E402
from mmdsa.models.data_preprocessors import \
    DSAClassificationDataPreprocessor  # noqa: E402
from mmdsa.models.data_preprocessors import \
    DSADetectionDataPreprocessor  # noqa: E402
from mmdsa.registry import DATASETS, MODELS, TRANSFORMS  # noqa: E402

CONFIGS = REPO_ROOT / 'tests' / 'data' / 'configs'
# where each renamed class is exported (package, registry)
HOMES = {
    DSAClassificationDataset: ('mmdsa.datasets', DATASETS),
    DSADetectionDataset: ('mmdsa.datasets', DATASETS),
    PackDSAClassificationInputs: ('mmdsa.datasets.transforms', TRANSFORMS),
    PackDSADetectionInputs: ('mmdsa.datasets.transforms', TRANSFORMS),
    DSAClassificationDataPreprocessor: ('mmdsa.models.data_preprocessors',
                                        MODELS),
    DSADetectionDataPreprocessor: ('mmdsa.models.data_preprocessors',
                                   MODELS),
}
BY_NAME = {cls.__name__: cls for cls in HOMES}


def _deprecations(record, old):
    return [
        w for w in record if issubclass(w.category, DeprecationWarning)
        and old in str(w.message) and RENAMED[old] in str(w.message)
    ]


def test_every_renamed_class_is_covered():
    assert set(RENAMED.values()) == set(BY_NAME)


@pytest.mark.parametrize('old', sorted(RENAMED))
def test_old_python_name_imports_the_new_class_and_warns(old):
    new_cls = BY_NAME[RENAMED[old]]
    package = importlib.import_module(HOMES[new_cls][0])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter('always')
        assert getattr(package, old) is new_cls
    assert len(_deprecations(record, old)) == 1
    with pytest.raises(AttributeError, match='NoSuchName'):
        getattr(package, 'NoSuchName')


@pytest.mark.parametrize('old', sorted(RENAMED))
def test_old_registered_name_builds_the_new_class_and_warns(old):
    new_cls = BY_NAME[RENAMED[old]]
    registry = HOMES[new_cls][1]
    cfg = dict(type=old)
    if registry is DATASETS:
        cfg['lazy_init'] = True  # annotation files: the config tests below
    for name in (old, f'mmdsa.{old}'):
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter('always')
            obj = registry.build(dict(cfg, type=name))
        assert type(obj) is new_cls
        assert len(_deprecations(record, old)) == 1, [
            str(w.message) for w in record]
    # the new name builds without a deprecation warning
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter('always')
        registry.build(dict(cfg, type=RENAMED[old]))
    assert not [w for w in record if 'deprecated' in str(w.message)]


def _build_old_config(name, tmp_path, synthetic):
    cfg = Config.fromfile(str(CONFIGS / name))
    cfg.test_dataloader.dataset.update(
        data_root=str(tmp_path) + '/', synthetic=synthetic)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter('always')
        model = MODELS.build(cfg.model)
        dataset = DATASETS.build(cfg.test_dataloader.dataset)
        sample = dataset[0]
    return model, dataset, sample, record


def test_old_name_thrombus_config_builds_and_warns(tmp_path):
    model, dataset, sample, record = _build_old_config(
        'deprecated_names_thrombus.py', tmp_path,
        dict(num_pairs=1, image_size=32, num_frames=(3, 4), seed=0))
    for old in ('SequenceDataPreprocessor', 'DSASequenceDataset',
                'PackDSASequenceInputs'):
        assert _deprecations(record, old), old
    assert type(model.data_preprocessor) is DSAClassificationDataPreprocessor
    assert type(dataset) is DSAClassificationDataset
    assert sample['inputs'].shape[1:] == (3, 32, 32)
    model.eval()
    with torch.no_grad():
        out = model.test_step(
            dict(inputs=[sample['inputs']],
                 data_samples=[sample['data_samples']]))
    assert 0.0 <= float(out[0].pred_score[0]) <= 1.0


def test_old_name_perforation_config_builds_and_warns(tmp_path):
    model, dataset, sample, record = _build_old_config(
        'deprecated_names_perforation.py', tmp_path,
        dict(num_series=1, image_size=32, num_frames=(3, 4), seed=0))
    for old in ('SpatioTemporalDetDataPreprocessor', 'DSAVideoDataset',
                'PackDSADetInputs'):
        assert _deprecations(record, old), old
    assert type(model.data_preprocessor) is DSADetectionDataPreprocessor
    assert type(dataset) is DSADetectionDataset
    assert sample['inputs'].shape == (5, 3, 32, 32)
    model.eval()
    with torch.no_grad():
        out = model.test_step(
            dict(inputs=[sample['inputs']],
                 data_samples=[sample['data_samples']]))
    assert 'pred_instances' in out[0]


def test_old_names_are_used_nowhere_else():
    """configs/, docs, tools, the package and the other tests say the new
    names; the old ones live in the alias table, this test and its two
    configs only."""
    allowed = {
        'mmdsa/utils/deprecation.py', 'tests/test_utils/test_deprecation.py',
        'tests/data/configs/deprecated_names_thrombus.py',
        'tests/data/configs/deprecated_names_perforation.py'
    }
    files = subprocess.run(['git', 'ls-files'], cwd=str(REPO_ROOT),
                           capture_output=True, text=True,
                           check=True).stdout.split()
    assert 'configs/_base_/datasets/synthetic_thrombus.py' in files
    pattern = re.compile(r'\b(%s)\b' % '|'.join(RENAMED))
    hits = []
    for path in files:
        if path in allowed or not path.endswith(
                ('.py', '.md', '.sh', '.yml', '.yaml', '.txt', '.cfg')):
            continue
        text = (REPO_ROOT / path).read_text(errors='replace')
        hits += [f'{path}: {m}' for m in pattern.findall(text)]
    assert hits == []
