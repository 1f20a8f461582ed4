"""Fixtures shared by the whole test suite."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / 'shared' / 'data'


def run_tool(args, cwd=None, env=None, timeout=600, check=True):
    """Run ``python <args>`` from the repository root and return the result.

    The child gets the same interpreter and a PYTHONPATH with the repository
    and tests/data (for test-only modules such as the kill hook).
    """
    full_env = dict(os.environ)
    full_env['PYTHONPATH'] = os.pathsep.join(
        [str(REPO_ROOT), str(REPO_ROOT / 'tests' / 'data'),
         full_env.get('PYTHONPATH', '')])
    full_env.setdefault('OMP_NUM_THREADS', '1')
    if env:
        full_env.update(env)
    proc = subprocess.run([sys.executable] + [str(a) for a in args],
                          cwd=str(cwd or REPO_ROOT),
                          env=full_env,
                          capture_output=True,
                          text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(
            f'command {args} failed with {proc.returncode}\n'
            f'--- stdout ---\n{proc.stdout[-4000:]}\n'
            f'--- stderr ---\n{proc.stderr[-6000:]}')
    return proc


@pytest.fixture
def image_folder(tmp_path):
    """A two-class folder of small PNG images (mmpretrain CustomDataset)."""
    import cv2
    rng = np.random.default_rng(0)
    root = tmp_path / 'images'
    for cls in ('a', 'b'):
        (root / cls).mkdir(parents=True)
        for i in range(4):
            img = rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)
            if cls == 'b':
                img[8:24, 8:24] = 0
            cv2.imwrite(str(root / cls / f'{i}.png'), img)
    return root


@pytest.fixture(autouse=True, scope='session')
def _private_cache_dir(tmp_path_factory):
    """Loaders' persistent caches go to a temporary folder, not ~/.cache."""
    old = os.environ.get('MMDSA_CACHE_DIR')
    os.environ['MMDSA_CACHE_DIR'] = str(tmp_path_factory.mktemp('mmdsa_cache'))
    yield
    if old is None:
        os.environ.pop('MMDSA_CACHE_DIR', None)
    else:
        os.environ['MMDSA_CACHE_DIR'] = old


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'slow: long-running test (deselect with -m "not slow")')
