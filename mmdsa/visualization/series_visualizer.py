"""A registered MMEngine visualizer for DSA series."""
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.visualization import Visualizer

from mmdsa.registry import VISUALIZERS


@VISUALIZERS.register_module()
class DSASeriesVisualizer(Visualizer):
    """Writes pictures of a series (detections, kept trajectory, reference
    boxes) through the configured visualization backends.

    Use it in a config as ``visualizer = dict(type='DSASeriesVisualizer',
    vis_backends=[dict(type='LocalVisBackend')])``.
    """

    def add_series(self,
                   name: str,
                   frames: np.ndarray,
                   detections: Optional[Sequence] = None,
                   trajectory: Optional[Dict[int, Sequence]] = None,
                   gt_boxes: Optional[Dict[int, Sequence]] = None,
                   step: int = 0,
                   **kwargs) -> np.ndarray:
        """Render a series picture and send it to every backend.

        Args:
            name (str): Image name for the backends.
            frames (np.ndarray): (T, H, W) frames.
            detections, trajectory, gt_boxes: See
                :func:`mmdsa.visualization.draw_series_detections`.
            step (int): Global step for the backends.

        Returns:
            np.ndarray: The rendered RGB picture (H, W, 3) uint8.
        """
        import tempfile

        import cv2

        from .series_figure import draw_series_detections
        with tempfile.TemporaryDirectory() as tmp:
            path = draw_series_detections(
                frames, f'{tmp}/series.png', detections=detections,
                trajectory=trajectory, gt_boxes=gt_boxes, title=name,
                **kwargs)
            image = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)
        self.add_image(name, image, step=step)
        return image
