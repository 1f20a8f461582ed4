"""mmdsa.apis.experiment runs the package's tools without a checkout cwd."""
import os.path as osp

import pytest

from mmdsa.apis.experiment import run_tool, tools_dir


def test_tools_dir_holds_the_tools():
    folder = tools_dir()
    for name in ('train.py', 'test.py', 'analysis_tools/reproduce.py'):
        assert osp.isfile(osp.join(folder, name)), name


def test_run_tool_from_any_directory(tmp_path, monkeypatch, capfd):
    monkeypatch.chdir(tmp_path)
    run_tool(['misc/make_splits.py', '--help'])
    assert 'usage' in capfd.readouterr().out.lower()
    with pytest.raises(RuntimeError, match='exit status 2'):
        run_tool(['misc/make_splits.py', '--no-such-option'])
    with pytest.raises(FileNotFoundError, match='no_such_tool.py'):
        run_tool(['no_such_tool.py'])
