"""Contact sheet: a grid of a series' frames as one PNG for a human look."""
import os

import numpy as np
from PIL import Image, ImageDraw

from mmdsa.utils.fileio import atomic_write


def _load(frames):
    """Frames (T, H, W), window and frame times from an array or DICOM."""
    if isinstance(frames, (str, os.PathLike)):
        import pydicom
        ds = pydicom.dcmread(os.fspath(frames))
        arr = ds.pixel_array
        arr = arr[None] if arr.ndim == 2 else arr
        center = float(ds.get('WindowCenter', 1800))
        width = float(ds.get('WindowWidth', 2400))
        return np.asarray(arr, np.float32), (center, width)
    arr = np.asarray(frames, dtype=np.float32)
    if arr.ndim != 3:
        raise ValueError(f'contact_sheet frames: expected a (T, H, W) array '
                         f'or a DICOM path, got shape {arr.shape}')
    return arr, None


def contact_sheet(frames, out_png, boxes=None, points=None, max_frames=12,
                  columns=6, window=None, frame_ids=None):
    """Write a grid of frames (windowed to 8 bit) as a PNG.

    Args:
        frames (np.ndarray | str): (T, H, W) array or a DICOM file path.
        out_png (str): output PNG path (written atomically).
        boxes (list, optional): per frame ``[x, y, w, h]`` or None (all T
            frames); drawn in red.
        points (list, optional): ``[[x, y], ...]`` drawn as yellow crosses
            on every shown frame (e.g. thrombus points).
        max_frames (int): at most this many frames, evenly spaced.
        columns (int): frames per row.
        window (tuple, optional): (center, width); from the DICOM's
            WindowCenter / WindowWidth, else (1800, 2400).
        frame_ids (list, optional): frames to show instead of even spacing.

    Returns:
        str: ``out_png``.
    """
    arr, dicom_window = _load(frames)
    t = arr.shape[0]
    if boxes is not None and len(boxes) != t:
        raise ValueError(f'contact_sheet boxes: expected one entry per frame '
                         f'({t}), got {len(boxes)}')
    center, width = window or dicom_window or (1800.0, 2400.0)
    if frame_ids is None:
        frame_ids = np.unique(np.linspace(0, t - 1, min(t, max_frames))
                              .round().astype(int)).tolist()
    lo = center - width / 2.0
    tiles = []
    for i in frame_ids:
        g = np.clip((arr[i] - lo) / width * 255.0, 0, 255).astype(np.uint8)
        tile = Image.fromarray(g).convert('RGB')
        draw = ImageDraw.Draw(tile)
        if boxes is not None and boxes[i] is not None:
            x, y, w, h = boxes[i]
            draw.rectangle([x, y, x + w - 1, y + h - 1], outline=(255, 0, 0))
        for px, py in points or []:
            draw.line([px - 3, py, px + 3, py], fill=(255, 255, 0))
            draw.line([px, py - 3, px, py + 3], fill=(255, 255, 0))
        draw.text((2, 1), str(i), fill=(0, 255, 0))
        tiles.append(tile)
    h, w = arr.shape[1:]
    cols = min(columns, len(tiles))
    rows = int(np.ceil(len(tiles) / cols))
    sheet = Image.new('RGB', (cols * (w + 2), rows * (h + 2)), (0, 0, 0))
    for k, tile in enumerate(tiles):
        sheet.paste(tile, ((k % cols) * (w + 2), (k // cols) * (h + 2)))
    return atomic_write(out_png,
                        writer=lambda tmp: sheet.save(tmp, format='PNG'))
