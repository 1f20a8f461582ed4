from .cine import render_cine_frames, write_cine, write_series_cine
from .output import write_output
from .roc_figure import plot_roc_curves
from .saliency_figure import draw_saliency
from .sample_figure import draw_packed_sample
from .series_figure import draw_series_detections
from .series_visualizer import DSASeriesVisualizer
from .training_curves import load_scalars, plot_training_curves

__all__ = [
    'plot_roc_curves', 'draw_series_detections', 'DSASeriesVisualizer',
    'render_cine_frames', 'write_cine', 'write_series_cine', 'write_output',
    'draw_saliency', 'draw_packed_sample', 'load_scalars',
    'plot_training_curves'
]
