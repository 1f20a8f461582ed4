"""Install mmdsa. Version from mmdsa/version.py, requirements from
requirements/*.txt (each version bound is written in exactly one place).

Like mmdet's ``add_mim_extension``, the package carries ``configs/``,
``tools/`` and ``model-index.yml`` under ``mmdsa/.mim/``, which is where
MMEngine looks for ``mmdsa::`` base configs and MIM for ``mim train mmdsa``:

- a regular build (``pip install .``, ``pip wheel .``) copies them into the
  build directory, so the wheel holds real files and the checkout is left
  untouched;
- an editable install (``pip install -e .``) links ``mmdsa/.mim/<name>`` to
  the checkout's folders instead (ignored by git), so edits are seen at once.

``mmdsa/mminstall.txt`` (read by ``import mmdsa``) is package data; the build
writes it from ``requirements/mminstall.txt``, the one file holding the
OpenMMLab bounds (in a checkout ``mmdsa/mminstall.txt`` links to it).
"""
import os
import os.path as osp
import re
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = osp.dirname(osp.abspath(__file__))
MIM_FILES = ('configs', 'tools', 'model-index.yml')
MMINSTALL = osp.join('requirements', 'mminstall.txt')


def get_version():
    with open(osp.join(HERE, 'mmdsa', 'version.py'), encoding='utf-8') as f:
        match = re.search(r"__version__ = '([^']+)'", f.read())
    return match.group(1)


def parse_requirements(fname):
    """Read requirement lines, skipping comments and blank lines."""
    reqs = []
    with open(osp.join(HERE, 'requirements', fname), encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                reqs.append(line)
    return reqs


def readme():
    path = osp.join(HERE, 'README.md')
    if not osp.exists(path):
        return ''
    with open(path, encoding='utf-8') as f:
        return f.read()


def _ignore_caches(_folder, names):
    return [n for n in names if n == '__pycache__' or n.endswith('.pyc')]


class BuildPyWithMim(build_py):
    """build_py that adds ``mmdsa/.mim/`` and ``mmdsa/mminstall.txt``."""

    def run(self):
        super().run()
        if getattr(self, 'editable_mode', False):
            self._link_mim_in_tree()
            return
        package_dir = osp.join(self.build_lib, 'mmdsa')
        mim_dir = osp.join(package_dir, '.mim')
        if osp.isdir(mim_dir):
            # a previous build of ours in the build directory
            shutil.rmtree(mim_dir)
        os.makedirs(mim_dir)
        for name in MIM_FILES:
            src = osp.join(HERE, name)
            dst = osp.join(mim_dir, name)
            if osp.isdir(src):
                shutil.copytree(src, dst, ignore=_ignore_caches)
            elif osp.isfile(src):
                shutil.copyfile(src, dst)
        # The real file, whether or not the checkout's link is materialised.
        shutil.copyfile(osp.join(HERE, MMINSTALL),
                        osp.join(package_dir, 'mminstall.txt'))

    @staticmethod
    def _link_mim_in_tree():
        """Editable install: ``mmdsa/.mim/<name>`` -> ``../../<name>``."""
        mim_dir = osp.join(HERE, 'mmdsa', '.mim')
        os.makedirs(mim_dir, exist_ok=True)
        for name in MIM_FILES:
            dst = osp.join(mim_dir, name)
            if osp.islink(dst):
                os.remove(dst)
            elif osp.exists(dst):
                # not ours (a copy made by hand?): leave it alone
                continue
            os.symlink(osp.join('..', '..', name), dst)


setup(
    name='mmdsa',
    version=get_version(),
    description='Spatio-temporal deep learning on DSA image sequences '
    '(thrombus classification, perforation detection) for OpenMMLab',
    long_description=readme(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=('mmdsa', 'mmdsa.*')),
    package_data={'mmdsa': ['mminstall.txt']},
    include_package_data=True,
    python_requires='>=3.10',
    install_requires=parse_requirements('runtime.txt'),
    extras_require={
        'tests': parse_requirements('tests.txt'),
        'mim': parse_requirements('mminstall.txt'),
        'optional': parse_requirements('optional.txt'),
    },
    cmdclass={'build_py': BuildPyWithMim},
    entry_points={'console_scripts': ['mmdsa-node = mmdsa.node.cli:console']},
    license='Apache License 2.0',
    zip_safe=False,
)
