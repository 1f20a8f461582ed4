"""Cine loops of a DSA series (animated GIF, or MP4) with the model's
result drawn in: detections, the kept trajectory and reference boxes for a
detector; the probability bar and thrombus points for a recognizer.

Every cine frame is an RGB canvas: a header band of :data:`HEADER_PX`
rows (text, probability bar), the series frame scaled by an integer
factor (see :func:`cine_scale`), and an optional footer band of
:data:`FOOTER_PX` rows (e.g. "NOT FOR DIAGNOSTIC USE"). A point ``(x, y)``
of the original frame lands at canvas pixel ``(x * s, HEADER_PX + y * s)``.
"""
import math
from typing import Dict, List, Optional, Sequence

import numpy as np

from mmdsa.utils.colours import COLOURS

from .output import write_output

HEADER_PX = 22
FOOTER_PX = 18
_GREYS = 248


def cine_scale(height: int, width: int, min_size: int = 256) -> int:
    """Integer zoom making the longer side at least ``min_size`` pixels."""
    return max(1, int(math.ceil(min_size / max(height, width, 1))))


def to_uint8_frames(frames: np.ndarray) -> np.ndarray:
    """Window a series to uint8 by its 0.5 / 99.5 percentiles.

    Args:
        frames (np.ndarray): (T, H, W) (or (T, H, W, C), first channel
            used) frames of any dtype.

    Returns:
        np.ndarray: (T, H, W) uint8.
    """
    frames = np.asarray(frames)
    if frames.ndim == 4:
        frames = frames[..., 0]
    if frames.ndim != 3 or frames.shape[0] == 0:
        raise ValueError('cine: frames expected (T, H, W) with T >= 1, got '
                         f'{frames.shape}')
    lo, hi = np.percentile(frames, [0.5, 99.5])
    scaled = (frames.astype(np.float32) - lo) / max(hi - lo, 1e-6)
    return (np.clip(scaled, 0, 1) * 255).round().astype(np.uint8)


def _text(canvas, text, origin, colour, scale=0.42):
    """Text in one exact colour (OpenCV's glyphs thresholded, so the GIF
    palette and the tests see only ``colour``)."""
    import cv2
    mask = np.zeros(canvas.shape[:2], np.uint8)
    cv2.putText(mask, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, 255, 1,
                cv2.LINE_8)
    canvas[mask >= 128] = colour


def _box(canvas, box, s, colour, thickness):
    """Rectangle whose outer edge is the scaled box: columns
    ``[x1 * s, x2 * s - 1]``, rows ``HEADER_PX + [y1 * s, y2 * s - 1]``,
    clipped to the image."""
    x1, y1, x2, y2 = [float(v) for v in box]
    h = canvas.shape[0]
    left, right = int(round(x1 * s)), int(round(x2 * s)) - 1
    top, bottom = HEADER_PX + int(round(y1 * s)), \
        HEADER_PX + int(round(y2 * s)) - 1
    left, right = max(left, 0), min(right, canvas.shape[1] - 1)
    top, bottom = max(top, HEADER_PX), min(bottom, h - 1)
    if right < left or bottom < top:
        return
    t = thickness
    canvas[top:top + t, left:right + 1] = colour
    canvas[max(bottom - t + 1, top):bottom + 1, left:right + 1] = colour
    canvas[top:bottom + 1, left:left + t] = colour
    canvas[top:bottom + 1, max(right - t + 1, left):right + 1] = colour


def render_cine_frames(frames: np.ndarray,
                       detections: Optional[Sequence] = None,
                       trajectory: Optional[Dict[int, Sequence]] = None,
                       gt_boxes: Optional[Dict[int, Sequence]] = None,
                       points: Optional[Sequence[Sequence[float]]] = None,
                       probability: Optional[float] = None,
                       threshold: Optional[float] = None,
                       title: str = '',
                       footer: str = '',
                       score_thr: float = 0.3,
                       min_size: int = 256,
                       max_size: Optional[int] = None) -> List[np.ndarray]:
    """Draw the result into every frame of a series.

    Args:
        frames (np.ndarray): (T, H, W) frames, any dtype.
        detections (list, optional): Per frame ``(boxes (n, 4) x1y1x2y2,
            scores (n,))`` in original pixels; those with score >=
            ``score_thr`` are drawn thin yellow.
        trajectory (dict, optional): ``{frame: box}`` kept by the series
            optimiser; drawn red, 2 px.
        gt_boxes (dict, optional): ``{frame: box}`` references; green.
        points (list, optional): ``[[x, y], ...]`` (e.g. thrombus points of
            the annotation), drawn as cyan crosses on every frame.
        probability (float, optional): Drawn as an orange bar across the
            header (length = probability x width) with its value.
        threshold (float, optional): Marked as a white tick on the bar.
        title (str): Header text (after ``frame i/T``).
        footer (str): Footer band text (red), e.g. "NOT FOR DIAGNOSTIC USE".
        score_thr (float): Lowest detection score drawn.
        min_size (int): See :func:`cine_scale`.
        max_size (int, optional): A series whose longer side exceeds this
            is shrunk by the smallest integer factor d that fits (area
            averaging); a point ``(x, y)`` then lands at ``(x / d,
            HEADER_PX + y / d)``. Caps the size of cine loops of large
            acquisitions.

    Returns:
        list[np.ndarray]: T RGB canvases (HEADER_PX + H*s (+ FOOTER_PX),
        W*s, 3) uint8.
    """
    import cv2
    grey = to_uint8_frames(frames)
    t, h, w = grey.shape
    s = cine_scale(h, w, min_size)
    down = 1
    if max_size is not None and max(h, w) > max_size:
        down = int(math.ceil(max(h, w) / max_size))
        s = 1.0 / down
    img_h, img_w = (int(math.ceil(h / down)), int(math.ceil(w / down))) \
        if down > 1 else (h * s, w * s)
    trajectory = trajectory or {}
    gt_boxes = gt_boxes or {}
    foot = FOOTER_PX if footer else 0
    out = []
    for i in range(t):
        canvas = np.zeros((HEADER_PX + img_h + foot, img_w, 3), np.uint8)
        if down > 1:
            img = cv2.resize(grey[i], (img_w, img_h),
                             interpolation=cv2.INTER_AREA)
        else:
            img = np.kron(grey[i], np.ones((s, s), np.uint8)) if s > 1 \
                else grey[i]
        canvas[HEADER_PX:HEADER_PX + img_h] = img[..., None]
        if probability is not None:
            p = float(np.clip(probability, 0.0, 1.0))
            length = int(round(p * img_w))
            canvas[HEADER_PX - 5:HEADER_PX - 1, :length] = COLOURS['bar']
            if threshold is not None:
                x = int(round(float(np.clip(threshold, 0, 1)) * (img_w - 1)))
                canvas[HEADER_PX - 7:HEADER_PX - 1, x] = COLOURS['text']
        head = f'{i + 1}/{t}'
        if probability is not None:
            head += f'  prob {probability:.2f}'
        if title:
            head += f'  {title}'
        _text(canvas, head, (3, 12), COLOURS['text'])
        if i in gt_boxes:
            _box(canvas, gt_boxes[i], s, COLOURS['reference'], 1)
        if detections is not None and i < len(detections):
            boxes, scores = detections[i]
            for box, score in zip(np.asarray(boxes).reshape(-1, 4),
                                  np.asarray(scores).reshape(-1)):
                if score >= score_thr:
                    _box(canvas, box, s, COLOURS['detection'], 1)
        if i in trajectory:
            _box(canvas, trajectory[i], s, COLOURS['trajectory'], 2)
        for x, y in (points or []):
            centre = (int(round(float(x) * s)),
                      HEADER_PX + int(round(float(y) * s)))
            cv2.drawMarker(canvas, centre, COLOURS['point'],
                           cv2.MARKER_CROSS, 11, 2, cv2.LINE_8)
        if footer:
            _text(canvas, footer, (3, canvas.shape[0] - 5),
                  COLOURS['banner'], 0.4)
        out.append(canvas)
    return out


def _palette():
    """(256, 3) uint8: the greys, the overlay colours, black padding."""
    greys = np.linspace(0, 255, _GREYS).round().astype(np.uint8)
    pal = np.zeros((256, 3), np.uint8)
    pal[:_GREYS] = greys[:, None]
    pal[_GREYS:_GREYS + len(COLOURS)] = np.asarray(list(COLOURS.values()))
    return pal


def _to_palette_indices(canvas: np.ndarray, pal: np.ndarray) -> np.ndarray:
    """Exact palette indices: overlay colours to their own entry, greys to
    the nearest grey, anything else to the nearest palette colour."""
    flat = canvas.reshape(-1, 3).astype(np.int32)
    idx = np.rint(flat[:, 0] * (_GREYS - 1) / 255.0).astype(np.int32)
    grey = (flat[:, 0] == flat[:, 1]) & (flat[:, 1] == flat[:, 2])
    for k, colour in enumerate(COLOURS.values()):
        hit = np.all(flat == np.asarray(colour), axis=1)
        idx[hit] = _GREYS + k
        grey |= hit
    other = np.flatnonzero(~grey)
    if len(other):
        used = pal[:_GREYS + len(COLOURS)].astype(np.int32)
        dist = ((flat[other, None, :] - used[None]) ** 2).sum(-1)
        idx[other] = dist.argmin(1)
    return idx.reshape(canvas.shape[:2]).astype(np.uint8)


def write_cine(canvases: Sequence[np.ndarray], out_file: str,
               fps: float = 3.0) -> str:
    """Write cine canvases as an animated GIF (looping) or an MP4.

    The GIF uses one fixed palette (248 greys + the overlay colours, no
    dithering), so overlay pixels keep their exact colour.

    Args:
        canvases (list[np.ndarray]): (H, W, 3) uint8 RGB frames, same size.
        out_file (str): ``.gif`` or ``.mp4`` destination (atomic).
        fps (float): Frames per second (3 = the classification paper's
            acquisition rate).

    Returns:
        str: ``out_file``.
    """
    if not canvases:
        raise ValueError(f'{out_file}: cine: expected at least one frame')
    if not fps > 0:
        raise ValueError(f'{out_file}: cine: expected fps > 0, got {fps}')
    ext = out_file.lower().rsplit('.', 1)[-1]
    if ext == 'gif':
        from PIL import Image
        pal = _palette()
        images = []
        for c in canvases:
            image = Image.fromarray(_to_palette_indices(c, pal), mode='P')
            image.putpalette(pal.reshape(-1).tolist())
            images.append(image)

        def _gif(tmp):
            images[0].save(tmp, format='GIF', save_all=True,
                           append_images=images[1:],
                           duration=int(round(1000 / fps)), loop=0,
                           optimize=False, disposal=1)

        return write_output(out_file, _gif)
    if ext == 'mp4':
        import cv2
        h, w = canvases[0].shape[:2]

        def _mp4(tmp):
            writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*'mp4v'),
                                     float(fps), (w, h))
            if not writer.isOpened():
                raise RuntimeError(f'{out_file}: OpenCV cannot write MP4 '
                                   '(no mp4v encoder); use a .gif')
            for c in canvases:
                writer.write(np.ascontiguousarray(c[..., ::-1]))
            writer.release()

        return write_output(out_file, _mp4)
    raise ValueError(f'{out_file}: cine: expected a .gif or .mp4 file name')


#: Shortest frame delay a GIF keeps in every browser (shorter ones are
#: played at 100 ms by some).
MIN_GIF_DELAY_MS = 20.0


def cine_timing(frame_times_ms: Optional[Sequence[float]], num_frames: int,
                max_frames: Optional[int] = None,
                default_fps: float = 3.0,
                min_delay_ms: float = MIN_GIF_DELAY_MS):
    """Frame stride and playback rate that keep a series' own pace.

    Args:
        frame_times_ms (Sequence[float], optional): (T,) acquisition times
            (e.g. from DICOM FrameTime); None or no positive interval: the
            series is played at ``default_fps``.
        num_frames (int): T.
        max_frames (int, optional): At most this many frames in the loop;
            longer series keep every ``stride``-th frame.
        default_fps (float): Rate without timing.
        min_delay_ms (float): Shortest delay per shown frame; faster
            series are strided too.

    Returns:
        tuple[int, float]: ``(stride, fps)``: show frames ``::stride`` at
        ``fps`` frames per second, so the loop lasts as long as the
        acquisition.
    """
    interval = None
    if frame_times_ms is not None and len(frame_times_ms) > 1:
        steps = np.diff(np.asarray(frame_times_ms, dtype=float))
        steps = steps[steps > 0]
        if steps.size:
            interval = float(np.median(steps))
    if interval is None:
        interval = 1000.0 / default_fps
    stride = 1
    if max_frames is not None and max_frames > 0:
        stride = max(stride, int(math.ceil(num_frames / max_frames)))
    stride = max(stride, int(math.ceil(min_delay_ms / interval - 1e-9)))
    return stride, 1000.0 / (interval * stride)


def write_series_cine(out_file: str, frames: np.ndarray, fps: float = 3.0,
                      frame_times_ms: Optional[Sequence[float]] = None,
                      max_frames: Optional[int] = None,
                      **overlays) -> str:
    """:func:`render_cine_frames` + :func:`write_cine` in one call.

    With ``frame_times_ms`` the loop plays at the series' own pace
    (``fps`` ignored) and ``max_frames`` caps its length by a frame stride
    (:func:`cine_timing`); without, ``fps`` as given (and ``max_frames``
    still caps)."""
    canvases = render_cine_frames(frames, **overlays)
    if frame_times_ms is not None:
        stride, fps = cine_timing(frame_times_ms, len(canvases), max_frames)
    else:
        stride, _ = cine_timing(None, len(canvases), max_frames, fps,
                                min_delay_ms=0.0)
        fps = fps / stride
    return write_cine(canvases[::stride], out_file, fps)
