"""The independent DICOM validators the tests use: dciodvfy (dicom3tools)
and dsrdump (dcmtk). A test that needs one is skipped, saying which Debian
package is missing, when it is not installed."""
import shutil
import subprocess

import pytest


def dciodvfy_errors(path):
    """The 'Error' lines dciodvfy (dicom3tools) reports on ``path``."""
    exe = shutil.which('dciodvfy')
    if exe is None:
        pytest.skip('dciodvfy (Debian package dicom3tools) is not installed')
    proc = subprocess.run([exe, str(path)], capture_output=True, text=True,
                          timeout=60)
    lines = (proc.stdout + proc.stderr).splitlines()
    return [line for line in lines if line.startswith('Error')]


def dsrdump(path):
    """dsrdump (dcmtk) of ``path``: (exit status, output)."""
    exe = shutil.which('dsrdump')
    if exe is None:
        pytest.skip('dsrdump (Debian package dcmtk) is not installed')
    proc = subprocess.run([exe, '-Pl', str(path)], capture_output=True,
                          text=True, timeout=60)
    return proc.returncode, proc.stdout + proc.stderr
