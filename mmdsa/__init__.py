"""mmdsa: spatio-temporal deep learning on DSA series for OpenMMLab.

Importing mmdsa is light: the readers (:mod:`mmdsa.fileio`, numpy + pydicom)
and the metric functions (:mod:`mmdsa.evaluation.functional`, numpy +
scipy) work without the OpenMMLab stack. The installed OpenMMLab packages
are checked against the ranges of ``requirements/mminstall.txt`` (the one
place those bounds are written; ``mmdsa/mminstall.txt`` links to it) where
the stack is first needed (:mod:`mmdsa.registry`, which every registered
module imports, and :func:`mmdsa.utils.register_all_modules`), with an
``ImportError`` and an install hint when one is missing or outside its
range. An OpenMMLab package that is already imported when mmdsa is imported
is checked at once.
"""
import os.path as osp
import sys
from importlib import import_module

from .version import __version__, version_info

INSTALL_HINT = ('Install the tested set with `bash tools/setup_env.sh` or '
                '`pip install -r requirements/mminstall.txt` (mmcv from '
                'source: `MMCV_WITH_OPS=1 pip install --no-build-isolation '
                '"mmcv>=2.1.0,<2.2.0"`).')


def _read_bounds():
    """Parse ``name>=low,<high`` lines of mminstall.txt into a dict."""
    from packaging.requirements import Requirement
    path = osp.join(osp.dirname(osp.abspath(__file__)), 'mminstall.txt')
    bounds = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                req = Requirement(line)
                bounds[req.name] = req.specifier
    return bounds


def check_versions(installed=None, only_imported=False):
    """Check installed OpenMMLab versions against mminstall.txt.

    Args:
        installed (dict, optional): ``{package: version string}``; read from
            the imported packages when None (used by tests to simulate
            other versions).
        only_imported (bool): Check only packages already in
            ``sys.modules`` (imports nothing).

    Raises:
        ImportError: a package is missing or outside its supported range;
            the message names the package, the range and what was found.
    """
    from packaging.version import Version
    for name, spec in _read_bounds().items():
        if installed is not None and name in installed:
            found = installed[name]
        elif only_imported:
            module = sys.modules.get(name)
            if module is None or not hasattr(module, '__version__'):
                continue
            found = module.__version__
        else:
            try:
                found = import_module(name).__version__
            except ImportError as exc:
                raise ImportError(
                    f'mmdsa needs {name}{spec}, but {name} cannot be '
                    f'imported ({exc}). {INSTALL_HINT}') from exc
        if Version(found) not in spec:
            raise ImportError(
                f'mmdsa needs {name}{spec}, but {name}=={found} is '
                f'installed. {INSTALL_HINT}')


_STACK_READY = False


def register_config_package() -> None:
    """Let MMEngine resolve ``'mmdsa::<task>/<config>.py'`` references.

    MMEngine 0.10.7 resolves ``package::path`` only for the packages named in
    ``mmengine.config.utils.MODULE2PACKAGE`` (an ``assert`` in
    ``_get_package_and_cfg_path`` refuses any other) and then reads
    ``<installed package>/.mim/configs/<path>`` (``.mim/model-index.yml``
    must exist). The wheel carries that layout (see setup.py); this adds the
    one missing entry, ``'mmdsa' -> 'mmdsa'``. Nothing else is changed, and
    calling it again is a no-op. :func:`require_mm_stack` calls it, i.e.
    every mmdsa module that needs MMEngine and
    :func:`mmdsa.utils.register_all_modules`.
    """
    from mmengine.config.utils import MODULE2PACKAGE
    MODULE2PACKAGE.setdefault('mmdsa', 'mmdsa')


def require_mm_stack():
    """Check the OpenMMLab versions and let MMEngine resolve ``mmdsa::``
    config references, once. Nothing process-wide is patched: mmdsa's
    safe checkpoint loading is scoped to its own loads
    (:mod:`mmdsa.utils.compat`).

    Called by :mod:`mmdsa.registry` and :mod:`mmdsa.utils.setup_env` before
    they import MMEngine.

    Raises:
        ImportError: see :func:`check_versions`.
    """
    global _STACK_READY
    if _STACK_READY:
        return
    check_versions()
    register_config_package()
    _STACK_READY = True


check_versions(only_imported=True)

__all__ = ['__version__', 'version_info', 'check_versions',
           'require_mm_stack', 'register_config_package']
