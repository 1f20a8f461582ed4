"""Reading DSA series: DICOM (multi-frame, single-frame, folders), PNG, NPY.

Needs only numpy and pydicom (plus Pillow for PNG): importing it does not
import the OpenMMLab stack.
"""
from .dicom import (DEFAULT_MODALITIES, NON_IMAGE_SOP_PREFIXES,
                    decoder_install_hint)
from .dicom_meta import VIEW_ANGLE_TOLERANCE, int_field
from .errors import DSAReadError
from .reader import read_dsa_series
from .series import DEFAULT_FRAME_INTERVAL_MS, FRAME_TIME_SOURCES, DSASeries
from .source import SeriesSource, open_dsa_series, series_key
from .subtraction import log_subtract
from .writer import write_frames

__all__ = [
    'read_dsa_series', 'open_dsa_series', 'SeriesSource', 'series_key',
    'DSASeries', 'DSAReadError', 'log_subtract', 'write_frames',
    'DEFAULT_FRAME_INTERVAL_MS', 'FRAME_TIME_SOURCES', 'VIEW_ANGLE_TOLERANCE',
    'NON_IMAGE_SOP_PREFIXES', 'DEFAULT_MODALITIES', 'decoder_install_hint',
    'int_field'
]
