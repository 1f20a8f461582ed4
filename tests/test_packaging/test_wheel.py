"""A regular install works: the wheel carries mminstall.txt and mmdsa/.mim.

The wheel is built from a copy of what the source distribution holds
(``pip wheel --no-deps --no-build-isolation``, a few seconds), installed with
``pip install --no-deps --target`` into a scratch folder and imported from
there in a child process whose path has the scratch folder first and not the
checkout.
"""
import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

#: what setup.py and MANIFEST.in need (the source distribution's content)
SDIST_ITEMS = ('setup.py', 'MANIFEST.in', 'README.md', 'model-index.yml',
               'requirements', 'mmdsa', 'configs', 'tools')
DEMO_CONFIG = ('perforation/retinanet_r18-tiny_fpn_tcm-t5_dr-iou_so_8e_'
               'synthetic-perforation.py')


def _run(cmd, cwd, env=None, timeout=300):
    proc = subprocess.run([str(c) for c in cmd], cwd=str(cwd), env=env,
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f'{cmd} failed with {proc.returncode}\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}')
    return proc


def _child_env(target):
    """Only the scratch install (and mim, if importable here) on the path."""
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    paths = [str(target)]
    try:
        import mim
        paths.append(str(Path(mim.__file__).resolve().parents[1]))
    except ImportError:
        pass
    env['PYTHONPATH'] = os.pathsep.join(paths)
    env.setdefault('OMP_NUM_THREADS', '1')
    return env


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp('wheel')
    src = root / 'src'
    src.mkdir()
    ignore = shutil.ignore_patterns('__pycache__', '*.pyc', '.mim')
    for name in SDIST_ITEMS:
        path = REPO_ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    dist = root / 'dist'
    _run([sys.executable, '-m', 'pip', 'wheel', '.', '--no-deps',
          '--no-build-isolation', '--no-index', '-q', '-w', dist], cwd=src)
    wheels = sorted(dist.glob('mmdsa-*.whl'))
    assert len(wheels) == 1, wheels
    target = root / 'site'
    _run([sys.executable, '-m', 'pip', 'install', '--no-deps', '--no-index',
          '-q', '--target', target, wheels[0]], cwd=root)
    return dict(root=root, wheel=wheels[0], target=target)


def test_wheel_contents(installed):
    names = zipfile.ZipFile(installed['wheel']).namelist()
    tops = {n.split('/')[0] for n in names}
    assert tops == {'mmdsa', 'mmdsa-0.1.0.dist-info'}, tops  # no tests.*
    for name in ('mmdsa/mminstall.txt', 'mmdsa/.mim/model-index.yml',
                 'mmdsa/.mim/tools/train.py', 'mmdsa/.mim/tools/test.py',
                 'mmdsa/.mim/configs/_base_/default_runtime.py',
                 'mmdsa/.mim/configs/perforation/metafile.yml',
                 f'mmdsa/.mim/configs/{DEMO_CONFIG}'):
        assert name in names, name
    configs = sorted(p.relative_to(REPO_ROOT).as_posix()
                     for p in (REPO_ROOT / 'configs').rglob('*.py'))
    assert configs and all(f'mmdsa/.mim/{c}' in names for c in configs)
    # a real file holding the one list of OpenMMLab bounds
    installed_file = installed['target'] / 'mmdsa' / 'mminstall.txt'
    assert installed_file.is_file() and not installed_file.is_symlink()
    assert installed_file.read_text() == \
        (REPO_ROOT / 'requirements' / 'mminstall.txt').read_text()


def test_import_and_mmdsa_base_reference_from_the_install(installed):
    target = installed['target']
    user_cfg = installed['root'] / 'user_config.py'
    user_cfg.write_text(f"_base_ = ['mmdsa::{DEMO_CONFIG}']\n"
                        'train_cfg = dict(max_epochs=1)\n')
    script = textwrap.dedent(f'''
        import json
        from mmengine.config import Config
        from mmengine.utils import get_installed_path
        import mmdsa  # light: MMEngine's table is not touched yet
        out = dict(file=mmdsa.__file__,
                   installed_path=get_installed_path('mmdsa'))
        try:  # MMEngine alone does not know the package
            Config.fromfile({str(user_cfg)!r})
            out['unregistered'] = 'loaded'
        except AssertionError as exc:
            out['unregistered'] = str(exc)
        # any mmdsa module that needs MMEngine registers the package
        from mmdsa.utils.setup_env import register_all_modules
        cfg = Config.fromfile({str(user_cfg)!r})
        base, scope = Config._get_cfg_path('mmdsa::{DEMO_CONFIG}', '')
        out.update(base=base, scope=scope,
                   max_epochs=cfg.train_cfg.max_epochs,
                   val_interval=cfg.train_cfg.val_interval,
                   model=cfg.model.type, num_frames=cfg.model.num_frames)
        register_all_modules()  # builds nothing, but must import cleanly
        print('RESULT' + json.dumps(out))
    ''')
    proc = _run([sys.executable, '-c', script], cwd=installed['root'],
                env=_child_env(target))
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith('RESULT')]
    out = json.loads(line[-1][len('RESULT'):])
    package = target / 'mmdsa'
    assert Path(out['file']).parent == package
    assert Path(out['installed_path']) == package
    assert 'does not support to load mmdsa config' in out['unregistered']
    assert Path(out['base']) == package / '.mim' / 'configs' / DEMO_CONFIG
    assert out['scope'] == 'mmdsa'
    assert out['max_epochs'] == 1 and out['val_interval'] == 4
    assert out['model'] == 'SpatioTemporalDetector'
    assert out['num_frames'] == 5


def test_mim_train_finds_the_installed_tool_and_config(installed):
    """``mim train mmdsa CONFIG`` resolved by MIM's own code (the training
    command itself is captured, not run; the tool's ``-h`` is run)."""
    pytest.importorskip('mim', reason='openmim is not installed')
    target = installed['target']
    basename = Path(DEMO_CONFIG).name
    script = textwrap.dedent(f'''
        import importlib
        import json
        # the module (mim.commands re-exports a function of the same name)
        mim_train = importlib.import_module('mim.commands.train')
        calls = []
        mim_train.subprocess.check_call = \\
            lambda cmd, env=None: calls.append(cmd) or 0
        ok, msg = mim_train.train(package='mmdsa', config={basename!r},
                                  gpus=0, yes=True,
                                  other_args=('--work-dir', 'w'))
        print('RESULT' + json.dumps(dict(ok=ok, msg=msg, cmd=calls[0])))
    ''')
    proc = _run([sys.executable, '-c', script], cwd=installed['root'],
                env=_child_env(target))
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith('RESULT')]
    out = json.loads(line[-1][len('RESULT'):])
    mim_dir = target / 'mmdsa' / '.mim'
    assert out['ok'], out
    assert Path(out['cmd'][1]) == mim_dir / 'tools' / 'train.py'
    assert Path(out['cmd'][2]) == mim_dir / 'configs' / DEMO_CONFIG
    assert out['cmd'][3:] == ['--launcher', 'none', '--work-dir', 'w']
