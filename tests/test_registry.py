"""Every mmdsa registry: locations import, modules resolve by name."""
import importlib
import inspect

import pytest

import mmdsa.registry as registry_module
from mmdsa.utils import register_all_modules

register_all_modules(init_default_scope=False)

REGISTRIES = {
    name: obj
    for name, obj in vars(registry_module).items()
    if type(obj).__name__ == 'Registry' and obj.scope == 'mmdsa'
}


def test_registries_are_children_in_mmdsa_scope():
    assert {'MODELS', 'DATASETS', 'TRANSFORMS', 'METRICS', 'EVALUATOR',
            'HOOKS', 'TASK_UTILS', 'VISUALIZERS',
            'DATA_SAMPLERS'} <= set(REGISTRIES)
    for name, reg in REGISTRIES.items():
        assert reg.parent is not None and reg.parent.scope == 'mmengine', name


@pytest.mark.parametrize('name', sorted(REGISTRIES))
def test_locations_point_at_real_modules(name):
    reg = REGISTRIES[name]
    for location in reg._locations:
        module = importlib.import_module(location)
        assert module is not None
    if reg._locations:
        # something is registered in this scope once its locations import
        assert len(reg.module_dict) > 0, (
            f'{name}: locations {reg._locations} register nothing')


def _all_registered():
    for reg_name, reg in sorted(REGISTRIES.items()):
        for mod_name, cls in sorted(reg.module_dict.items()):
            yield pytest.param(reg, mod_name, cls, id=f'{reg_name}.{mod_name}')


@pytest.mark.parametrize('reg,mod_name,cls', list(_all_registered()))
def test_every_module_resolves_and_defaults_build(reg, mod_name, cls):
    assert reg.get(mod_name) is cls
    assert reg.get(f'mmdsa.{mod_name}') is cls
    if not inspect.isclass(cls):
        return
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    required = [
        p for p in params if p.default is inspect.Parameter.empty
        and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    if required:
        return
    cfg = dict(type=mod_name)
    from mmengine.dataset import BaseDataset
    from mmengine.visualization import Visualizer
    if issubclass(cls, BaseDataset):
        cfg['lazy_init'] = True  # annotation files are covered elsewhere
    if issubclass(cls, Visualizer):
        cfg['name'] = f'registry_test_{mod_name}'  # MMEngine singleton name
    obj = reg.build(cfg)
    assert isinstance(obj, cls)
