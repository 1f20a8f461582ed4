"""The old import path of the series rules still works, and warns."""
import importlib
import sys

import pytest

import mmdsa.structures.series as series
from mmdsa.registry import TASK_UTILS
from mmdsa.utils.deprecation import MOVED


def test_old_module_path_warns_and_gives_the_same_names():
    assert MOVED['mmdsa.models.post_processing'] == 'mmdsa.structures.series'
    sys.modules.pop('mmdsa.models.post_processing', None)
    with pytest.warns(DeprecationWarning, match='mmdsa.structures.series'):
        old = importlib.import_module('mmdsa.models.post_processing')
    for name in series.__all__:
        assert getattr(old, name) is getattr(series, name)


def test_registered_name_unchanged():
    assert TASK_UTILS.get('TrajectoryOptimizer') is \
        series.TrajectoryOptimizer
