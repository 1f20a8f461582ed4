"""mmdsa: spatio-temporal deep learning on DSA series for OpenMMLab.

Importing mmdsa checks that the installed OpenMMLab packages lie in the
ranges of ``requirements/mminstall.txt`` (the one place those bounds are
written; ``mmdsa/mminstall.txt`` links to it) and raises ``ImportError`` with
an install hint otherwise.
"""
import os.path as osp
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


def check_versions(installed=None):
    """Check installed OpenMMLab versions against mminstall.txt.

    Args:
        installed (dict, optional): ``{package: version string}``; read from
            the imported packages when None (used by tests to simulate
            other versions).

    Raises:
        ImportError: a package is missing or outside its supported range;
            the message names the package, the range and what was found.
    """
    from packaging.version import Version
    for name, spec in _read_bounds().items():
        if installed is not None and name in installed:
            found = installed[name]
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


check_versions()

from .utils.compat import apply_all as _apply_compat  # noqa: E402

_apply_compat()

__all__ = ['__version__', 'version_info', 'check_versions']
