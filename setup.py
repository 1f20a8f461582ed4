"""Install mmdsa. Version from mmdsa/version.py, requirements from
requirements/*.txt (each version bound is written in exactly one place)."""
import os.path as osp
import re

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


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


setup(
    name='mmdsa',
    version=get_version(),
    description='Spatio-temporal deep learning on DSA image sequences '
    '(thrombus classification, perforation detection) for OpenMMLab',
    long_description=readme(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
    include_package_data=True,
    python_requires='>=3.10',
    install_requires=parse_requirements('runtime.txt'),
    extras_require={
        'tests': parse_requirements('tests.txt'),
        'mim': parse_requirements('mminstall.txt'),
        'optional': parse_requirements('optional.txt'),
    },
    license='Apache License 2.0',
    zip_safe=False,
)
