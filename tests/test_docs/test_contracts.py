"""docs/contracts.md matches the code: the registry table and every name in
the data-flow picture."""
import importlib
import re
from types import ModuleType

import pytest

import mmdsa.registry as registry_module
from mmdsa.utils import register_all_modules
from tests.conftest import REPO_ROOT

register_all_modules(init_default_scope=False)

DOC = (REPO_ROOT / 'docs' / 'contracts.md').read_text()
# where a name of the picture may live
NAMESPACES = (
    'mmdsa.fileio', 'mmdsa.fileio.source', 'mmdsa.datasets',
    'mmdsa.datasets.transforms', 'mmdsa.models.data_preprocessors',
    'mmdsa.models.recognizers', 'mmdsa.models.detectors',
    'mmdsa.models.heads', 'mmdsa.models.necks', 'mmdsa.structures.series',
    'mmdsa.evaluation.metrics', 'mmdsa.evaluation.metrics._series_grouping',
    'mmdsa.evaluation.metrics.subgroup_metrics',
    'mmdsa.evaluation.metrics.detection_summary', 'mmpretrain.structures',
    'mmdet.structures', 'mmdet.datasets.transforms', 'mmengine.dataset',
    'torch.utils.data')


def _section(title):
    start = DOC.index(f'## {title}\n')
    end = DOC.find('\n## ', start + 1)
    return DOC[start:end if end >= 0 else None]


def _picture():
    blocks = re.findall(r'```\n(.*?)```', _section('Data flow'), re.S)
    assert len(blocks) == 1
    return blocks[0]


def _resolve_dotted(name):
    parts = name.split('.')
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module('.'.join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(name)


def _in_namespaces(name):
    """The class / function / method ``name`` (not a submodule)."""
    for module in NAMESPACES:
        mod = importlib.import_module(module)
        value = getattr(mod, name, None)
        if value is not None and not isinstance(value, ModuleType):
            return value
        for value in vars(mod).values():  # methods, e.g. read_frames
            if isinstance(value, type) and name in vars(value):
                return getattr(value, name)
    return None


def test_registry_table_matches_the_registries():
    rows = re.findall(r'^  \| (`[A-Z_]+`.*?) \| (.*?) \|$',
                      _section('Registries and scope'), re.M)
    documented = {}
    for names, locations in rows:
        locs = re.findall(r'`(mmdsa\.[\w.]+)`', locations)
        for name in re.findall(r'`([A-Z_]+)`', names):
            assert name not in documented, name
            documented[name] = locs
    actual = {
        name: list(obj._locations)
        for name, obj in vars(registry_module).items()
        if type(obj).__name__ == 'Registry' and obj.scope == 'mmdsa'
    }
    assert documented == actual


def test_every_dotted_name_of_the_picture_exists():
    names = set(re.findall(r'\b(?:mmdsa|mmdet|mmpretrain)(?:\.\w+)+',
                           _picture()))
    assert 'mmdsa.datasets.DSAClassificationDataset' in names
    missing = []
    for name in sorted(names):
        if name.startswith('mmdet.') and name.count('.') == 1:
            name = f'mmdet.datasets.transforms.{name[6:]}'  # registry name
        try:
            _resolve_dotted(name)
        except (ImportError, AttributeError):
            missing.append(name)
    assert missing == []


def test_every_class_and_function_of_the_picture_exists():
    picture = _picture()
    classes = set(re.findall(r'\b[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*\b',
                             picture))
    classes = {c for c in classes if sum(ch.isupper() for ch in c) > 1}
    assert {'CNNRNNRecognizer', 'SpatioTemporalDetector',
            'PackDSADetectionInputs', 'SeriesDetectionMetric'} <= classes
    missing = [c for c in sorted(classes) if _in_namespaces(c) is None]
    assert missing == []
    # snake_case words are functions (found above) or keys the code uses
    source = '\n'.join(
        p.read_text() for p in (REPO_ROOT / 'mmdsa').rglob('*.py'))
    functions, unknown = [], []
    for word in sorted(set(re.findall(r'\b[a-z]+(?:_[a-z0-9]+)+\b',
                                      picture))):
        if callable(_in_namespaces(word)):
            functions.append(word)
        elif not re.search(
                r"""['"`]%s['"`]|\b%s\s*[:=]|\.%s\b""" % ((word, ) * 3),
                source):
            unknown.append(word)
    assert {'open_dsa_series', 'score_series', 'group_series',
            'binary_summary', 'detection_summary'} <= set(functions)
    assert unknown == []


@pytest.mark.parametrize('stage', [
    'DICOM', 'DATASET', 'TRANSFORMS', 'MODEL', 'POST-PROCESSING', 'METRIC'
])
def test_the_picture_has_every_stage(stage):
    assert re.search(r'\b%s\b' % stage, _picture())
