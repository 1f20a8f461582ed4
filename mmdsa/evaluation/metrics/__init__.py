from .series_classification_metric import SeriesClassificationMetric
from .series_detection_metric import SeriesDetectionMetric

__all__ = ['SeriesClassificationMetric', 'SeriesDetectionMetric']
