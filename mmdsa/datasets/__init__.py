"""Datasets, annotation formats, splits and transforms for DSA series."""
from mmdsa.utils.deprecation import renamed_getattr
from . import transforms  # noqa: F401
from .annotations import (AnnotationError, load_classification_annotations,
                          load_detection_annotations, series_records)
from .collate import dsa_pair_collate
from .dsa_classification_dataset import DSAClassificationDataset
from .dsa_detection_dataset import DSADetectionDataset
from .splits import (chronological_kfold, load_split, stratified_group_kfold,
                     validate_split, write_split)

__all__ = [
    'AnnotationError', 'dsa_pair_collate', 'load_classification_annotations',
    'load_detection_annotations', 'series_records',
    'DSAClassificationDataset', 'DSADetectionDataset', 'chronological_kfold',
    'stratified_group_kfold', 'load_split', 'validate_split', 'write_split'
]

# old names (mmdsa.utils.deprecation.RENAMED) for one release
__getattr__ = renamed_getattr(__name__, globals())
