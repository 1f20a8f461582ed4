"""Fixtures of the fileio tests."""
import pytest

from .helpers import REAL_XA


@pytest.fixture
def real_xa():
    """The folder of real XA/RF fixtures; skip when it is not there."""
    if not REAL_XA.is_dir():
        pytest.skip(f'real DICOM fixtures not found at {REAL_XA.resolve()} '
                    '(they live in ../shared/data/real_xa next to the repo)')
    return REAL_XA
