from .roc_figure import plot_roc_curves
from .series_figure import draw_series_detections
from .series_visualizer import DSASeriesVisualizer

__all__ = ['plot_roc_curves', 'draw_series_detections', 'DSASeriesVisualizer']
