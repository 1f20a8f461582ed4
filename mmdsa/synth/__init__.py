"""Realistic synthetic cerebral DSA: 3D vessel trees projected into PA and
LAT views, contrast dynamics, thrombus and perforation, written as
multi-frame XA DICOM with annotation files (see ``docs/contracts.md``)."""
from .annotations import classification_file, detection_file
from .contact_sheet import contact_sheet
from .dataset import (ensure_synthetic_dataset, generate_perforation_dataset,
                      generate_thrombus_dataset)
from .dicom_writer import synthetic_uid, write_xa_dicom
from .pathology import DIFFICULTIES
from .simulate import SimulatedSeries, simulate_pair, simulate_series

__all__ = [
    'generate_thrombus_dataset', 'generate_perforation_dataset',
    'ensure_synthetic_dataset', 'simulate_pair', 'simulate_series',
    'SimulatedSeries', 'write_xa_dicom', 'synthetic_uid', 'contact_sheet',
    'classification_file', 'detection_file', 'DIFFICULTIES'
]
