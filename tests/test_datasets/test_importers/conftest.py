"""Helpers: DICOM series from mmdsa's synthetic writer, tools in-process."""
import datetime
import importlib.util

import numpy as np
import pytest
from pydicom.uid import generate_uid

from mmdsa.utils.cli import run_tool
from tests.conftest import REPO_ROOT


def write_dicom(path, num_frames=6, size=(40, 48), view='PA',
                patient_id='P1'):
    """A (num_frames, H, W) XA series written by ``mmdsa.synth``."""
    from mmdsa.synth.dicom_writer import write_xa_dicom
    h, w = size
    rng = np.random.default_rng(len(str(path)))
    frames = rng.integers(0, 4096, (num_frames, h, w)).astype(np.uint16)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_xa_dicom(str(path), frames, 100.0, view, patient_id,
                   generate_uid(), generate_uid(), generate_uid(),
                   datetime.datetime(2024, 3, 1, 9, 30, 0))
    return path


def load_tool(name):
    path = REPO_ROOT / 'tools' / 'dataset_converters' / f'{name}.py'
    spec = importlib.util.spec_from_file_location(f'_tool_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def tool(capsys):
    """``tool(name, *args) -> (status, last stderr line)`` in-process."""
    def call(name, *args):
        status = run_tool(load_tool(name).main, [str(a) for a in args])
        lines = capsys.readouterr().err.strip().splitlines()
        return status, (lines[-1] if lines else '')
    return call
