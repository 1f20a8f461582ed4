"""``mmdsa.evaluation`` imports nothing from ``mmdsa.models`` (the layers of
the package: the series rules both apply live in ``mmdsa.structures``)."""
import ast
from pathlib import Path

from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / 'mmdsa' / 'evaluation'


def _imported_modules(path: Path):
    """Absolute names of every module ``path`` imports (also inside
    functions), relative imports resolved against its package."""
    rel = path.relative_to(REPO_ROOT).with_suffix('')
    package = list(rel.parts[:-1])  # a module's and an __init__'s package
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                mod = '.'.join(base + ([node.module] if node.module else []))
            else:
                mod = node.module
            yield node.lineno, mod
            for alias in node.names:  # `from mmdsa import models`
                yield node.lineno, f'{mod}.{alias.name}'


def test_resolver_sees_relative_and_nested_imports():
    probe = PACKAGE / 'metrics' / '_series_grouping.py'
    names = {m for _, m in _imported_modules(probe)}
    assert 'mmdsa.structures.series' in names
    assert any(n.startswith('mmdsa.evaluation.') for n in names) or \
        'mmdsa.registry' in names


def test_evaluation_imports_nothing_from_models():
    files = sorted(PACKAGE.rglob('*.py'))
    assert len(files) > 10
    bad = [f'{f.relative_to(REPO_ROOT)}:{line}: {mod}'
           for f in files for line, mod in _imported_modules(f)
           if mod == 'mmdsa.models' or mod.startswith('mmdsa.models.')]
    assert not bad, 'mmdsa.evaluation imports mmdsa.models:\n' + \
        '\n'.join(bad)
