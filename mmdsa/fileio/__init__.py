"""Reading DSA series: DICOM (multi-frame, single-frame, folders), PNG, NPY."""
from .dicom import NON_IMAGE_SOP_PREFIXES, decoder_install_hint
from .dicom_meta import VIEW_ANGLE_TOLERANCE
from .errors import DSAReadError
from .reader import read_dsa_series
from .series import DEFAULT_FRAME_INTERVAL_MS, FRAME_TIME_SOURCES, DSASeries
from .subtraction import log_subtract
from .writer import write_frames

__all__ = [
    'read_dsa_series', 'DSASeries', 'DSAReadError', 'log_subtract',
    'write_frames', 'DEFAULT_FRAME_INTERVAL_MS', 'FRAME_TIME_SOURCES',
    'VIEW_ANGLE_TOLERANCE', 'NON_IMAGE_SOP_PREFIXES', 'decoder_install_hint'
]
