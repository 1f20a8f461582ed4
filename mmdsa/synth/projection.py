"""Head geometry and orthographic projection into the PA and LAT views.

World coordinates are millimetres in a head-centred frame: ``x`` points to
the patient's left-right axis (positive = the injected side when the tree is
built for side +1), ``y`` points anteriorly and ``z`` upwards. The PA view
looks along ``y`` (image column = ``x``, image row = ``-z``); the LAT view
looks along ``x`` (image column = ``-y``, i.e. the face on the left, image
row = ``-z``). Both views share one field of view, so one pixel has the same
size in millimetres in both.
"""
import numpy as np

#: Semi-axes (mm) of the inner skull ellipsoid (x, y, z).
HEAD_AXES = np.array([70.0, 88.0, 78.0])
#: Field of view (mm) covered by the image, square.
FIELD_OF_VIEW_MM = 220.0
#: Height (mm, z) of the image centre; negative shows more skull base.
IMAGE_CENTRE_Z = -8.0

#: View definitions: DICOM positioner angles and the projection axes.
VIEWS = {
    'PA': dict(primary_angle=0.0, secondary_angle=0.0, view_position='PA'),
    'LAT': dict(primary_angle=90.0, secondary_angle=0.0,
                view_position='LL'),
}


def check_view(view):
    """Return ``view`` if it is 'PA' or 'LAT', else raise ValueError."""
    if view not in VIEWS:
        raise ValueError(f'view: expected one of {sorted(VIEWS)}, '
                         f'got {view!r}')
    return view


def mm_per_pixel(image_size):
    """Pixel size in millimetres for a square image of ``image_size``."""
    return FIELD_OF_VIEW_MM / float(image_size)


def project(points, view, image_size):
    """Project 3D points (mm) orthographically into pixel coordinates.

    Args:
        points (np.ndarray): (N, 3) world coordinates in mm.
        view (str): 'PA' or 'LAT'.
        image_size (int): side of the square image in pixels.

    Returns:
        np.ndarray: (N, 2) float64 pixel coordinates (column, row); pixel
        ``(i, j)`` covers ``[i, i + 1) x [j, j + 1)``, its centre is at
        ``(i + 0.5, j + 0.5)``.
    """
    check_view(view)
    points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    scale = 1.0 / mm_per_pixel(image_size)
    half = image_size / 2.0
    if view == 'PA':
        horizontal = points[:, 0]
    else:
        horizontal = -points[:, 1]
    col = half + horizontal * scale
    row = half - (points[:, 2] - IMAGE_CENTRE_Z) * scale
    return np.stack([col, row], axis=1)


def view_axes(view):
    """Indices of the world axes shown as (horizontal, vertical) and the
    sign of the horizontal one, for building 2D outlines."""
    check_view(view)
    return (0, 2, 1.0) if view == 'PA' else (1, 2, -1.0)
