"""Datasets, annotation formats, splits and transforms for DSA series."""
from . import transforms  # noqa: F401
from .annotations import (AnnotationError, load_classification_annotations,
                          load_detection_annotations, series_records)
from .collate import dsa_pair_collate
from .dsa_sequence_dataset import DSASequenceDataset
from .dsa_video_dataset import DSAVideoDataset
from .splits import (chronological_kfold, load_split, stratified_group_kfold,
                     validate_split, write_split)

__all__ = [
    'AnnotationError', 'dsa_pair_collate', 'load_classification_annotations',
    'load_detection_annotations', 'series_records', 'DSASequenceDataset',
    'DSAVideoDataset', 'chronological_kfold', 'stratified_group_kfold',
    'load_split', 'validate_split', 'write_split'
]
