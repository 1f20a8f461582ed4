"""Every tool under tools/ refuses bad input in one line with exit status 2.

The tools are discovered by globbing, so a new tool is covered without
editing this file. Each runs in-process (its ``main`` through
``mmdsa.utils.cli.run_tool``, as its ``__main__`` does), which keeps the
whole file at a few seconds.
"""
import argparse
import importlib.util
import re
import sys

import pytest

from mmdsa.utils.cli import run_tool
from tests.conftest import REPO_ROOT

TOOLS = sorted(
    p for p in (REPO_ROOT / 'tools').rglob('*.py')
    if "if __name__ == '__main__':" in p.read_text(encoding='utf-8'))
IDS = [str(p.relative_to(REPO_ROOT / 'tools')) for p in TOOLS]


def _load(path):
    name = '_every_tool_' + re.sub(r'\W', '_', str(path.relative_to(
        REPO_ROOT)))
    if str(path.parent) not in sys.path:   # as `python tools/x.py` has it
        sys.path.append(str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Captured(Exception):
    pass


def _parser_of(module, monkeypatch):
    """The tool's ArgumentParser, caught when ``main`` parses."""
    seen = {}

    def capture(self, args=None, namespace=None):
        seen['parser'] = self
        raise _Captured

    monkeypatch.setattr(argparse.ArgumentParser, 'parse_args', capture)
    with pytest.raises(_Captured):
        module.main([])
    monkeypatch.undo()
    return seen['parser']


def _status(module, argv):
    try:
        return run_tool(module.main, argv)
    except SystemExit as exc:   # argparse usage errors
        return exc.code


def _one_error_line(err):
    lines = [ln for ln in err.strip().splitlines() if 'error:' in ln]
    assert len(lines) == 1, err
    # argparse adds a usage line; a refusal is the only line
    if not lines[0].startswith('usage:') and 'usage:' not in err:
        assert len(err.strip().splitlines()) == 1, err
    return lines[0]


def test_tools_are_found():
    assert len(TOOLS) >= 25, IDS
    assert 'train.py' in IDS and 'infer.py' in IDS


@pytest.mark.parametrize('path', TOOLS, ids=IDS)
def test_main_runs_behind_the_one_wrapper(path):
    text = path.read_text(encoding='utf-8')
    tail = text[text.index("if __name__ == '__main__':"):]
    # a tool with a run_tool of its own imports the wrapper under an alias
    assert ('sys.exit(run_tool(main))' in tail
            or ('import run_tool as run_entry' in tail
                and 'sys.exit(run_entry(main))' in tail)), path


@pytest.mark.parametrize('path', TOOLS, ids=IDS)
def test_unknown_option_exits_2(path, capsys):
    module = _load(path)
    assert _status(module, ['--no-such-option-xyz']) == 2
    _one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize('path', TOOLS, ids=IDS)
def test_missing_input_files_exit_2(path, tmp_path, capsys, monkeypatch):
    """Every required positional argument names a file that is not there:
    one line ``error: ...`` that names it, exit status 2, nothing
    written."""
    module = _load(path)
    parser = _parser_of(module, monkeypatch)
    positionals = [a for a in parser._actions
                   if not a.option_strings and a.nargs != argparse.REMAINDER]
    required = [a for a in positionals if a.nargs not in ('?', '*')]
    if not required:
        pytest.skip(f'{path.name}: no required positional argument')
    missing = str(tmp_path / 'missing' / 'no_such_input.json')
    # an output argument gets a path below a file, not a folder
    blocker = tmp_path / 'no_such_input_is_a_file'
    blocker.write_text('mine')
    argv = [str(blocker / 'out.png') if 'output' in (a.help or '').lower()
            else missing for a in required]
    out = tmp_path / 'out'
    opts = {o for a in parser._actions for o in a.option_strings}
    for flag in ('--out', '--work-dir', '--output-dir'):
        if flag in opts:
            argv += [flag, str(out / 'x')]
    monkeypatch.chdir(tmp_path)
    status = _status(module, argv)
    err = capsys.readouterr().err
    assert status == 2, err
    line = _one_error_line(err)
    assert line.startswith('error: ') or 'usage:' in err, err
    assert 'no_such_input' in line or 'usage:' in err, err
    assert not out.exists()
    assert blocker.read_text() == 'mine'
