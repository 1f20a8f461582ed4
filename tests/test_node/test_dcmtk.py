import os

from mmdsa.node.dcmtk import dcmtk_executable


def _script(folder, text):
    path = folder / 'storescu'
    path.write_text(text)
    path.chmod(0o755)
    return str(path)


def test_a_pynetdicom_script_of_the_same_name_is_passed_over(tmp_path,
                                                             monkeypatch):
    venv, system = tmp_path / 'venv', tmp_path / 'usr'
    venv.mkdir(), system.mkdir()
    _script(venv, '#!/usr/bin/python\nfrom pynetdicom.apps.storescu '
            'import main\n')
    real = _script(system, '#!/bin/sh\necho dcmtk\n')
    monkeypatch.setenv('PATH', os.pathsep.join([str(venv), str(system)]))
    assert dcmtk_executable('storescu') == real


def test_none_when_only_pynetdicom_or_nothing_is_there(tmp_path,
                                                       monkeypatch):
    _script(tmp_path, '#!/usr/bin/python\nimport pynetdicom\n')
    monkeypatch.setenv('PATH', str(tmp_path))
    assert dcmtk_executable('storescu') is None
    monkeypatch.setenv('PATH', '')
    assert dcmtk_executable('storescu') is None
