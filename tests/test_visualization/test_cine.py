"""Cine loops: frame count, timing, and every overlay where it belongs
(read back from the written GIF with Pillow)."""
import os
import stat

import numpy as np
import pytest

from mmdsa.visualization.cine import (COLOURS, FOOTER_PX, HEADER_PX,
                                      cine_scale, render_cine_frames,
                                      write_cine, write_series_cine)


def _read_gif(path):
    from PIL import Image, ImageSequence
    with Image.open(path) as im:
        frames = [np.asarray(f.convert('RGB')) for f in
                  ImageSequence.Iterator(im)]
        duration = im.info.get('duration')
        loop = im.info.get('loop')
    return frames, duration, loop


def _is(img, colour):
    return np.all(img == np.asarray(colour, np.uint8), axis=-1)


def test_detector_cine_boxes_land_on_scaled_coordinates(tmp_path):
    frames = np.random.default_rng(0).uniform(0.2, 0.4, (5, 64, 48))
    frames = frames.astype(np.float32)
    s = cine_scale(64, 48)  # 256 / 64 = 4
    assert s == 4
    traj_box = [10, 20, 30, 40]
    det_box = [2, 3, 12, 9]
    out = write_series_cine(
        str(tmp_path / 'det.gif'), frames, fps=4,
        detections=[(np.array([det_box]), np.array([0.9]))] * 5,
        trajectory={2: traj_box}, gt_boxes={3: [5, 5, 15, 15]})
    read, duration, loop = _read_gif(out)
    assert len(read) == 5 and duration == 250 and loop == 0
    assert read[0].shape == (HEADER_PX + 64 * s, 48 * s, 3)
    red = _is(read[2], COLOURS['trajectory'])
    ys, xs = np.nonzero(red)
    # the 2 px rectangle spans exactly the scaled box
    assert xs.min() == 10 * s and xs.max() == 30 * s - 1
    assert ys.min() == HEADER_PX + 20 * s
    assert ys.max() == HEADER_PX + 40 * s - 1
    # and is only in the frame that has it
    for k in (0, 1, 3, 4):
        assert not _is(read[k], COLOURS['trajectory']).any()
    yellow = _is(read[0], COLOURS['detection'])
    ys, xs = np.nonzero(yellow)
    assert (xs.min(), xs.max()) == (det_box[0] * s, det_box[2] * s - 1)
    assert (ys.min(), ys.max()) == (HEADER_PX + det_box[1] * s,
                                    HEADER_PX + det_box[3] * s - 1)
    green = _is(read[3], COLOURS['reference'])
    assert green.any() and not _is(read[2], COLOURS['reference']).any()
    # the image itself is grey (R == G == B) outside the overlays
    body = read[1][HEADER_PX + 50 * s:, 20 * s:]
    assert np.array_equal(body[..., 0], body[..., 1])


def test_low_scores_are_not_drawn():
    frames = np.zeros((2, 32, 32), np.float32)
    canvases = render_cine_frames(
        frames, detections=[(np.array([[1, 1, 9, 9]]), np.array([0.1]))] * 2,
        score_thr=0.3)
    assert not _is(canvases[0], COLOURS['detection']).any()


def test_recognizer_cine_probability_bar_and_points(tmp_path):
    frames = np.linspace(0, 1, 3 * 40 * 50, dtype=np.float32).reshape(
        3, 40, 50)
    s = cine_scale(40, 50)  # ceil(256 / 50) = 6
    out = write_series_cine(str(tmp_path / 'cls.gif'), frames,
                            probability=0.25, threshold=0.6,
                            points=[[20.0, 10.0]],
                            footer='NOT FOR DIAGNOSTIC USE')
    read, _, _ = _read_gif(out)
    assert len(read) == 3
    img = read[0]
    assert img.shape == (HEADER_PX + 40 * s + FOOTER_PX, 50 * s, 3)
    bar_row = img[HEADER_PX - 3]
    orange = _is(bar_row, COLOURS['bar'])
    assert orange.sum() == round(0.25 * 50 * s)
    assert orange[0] and not orange[-1]
    tick = int(round(0.6 * (50 * s - 1)))
    assert tuple(img[HEADER_PX - 6, tick]) == COLOURS['text']
    cyan = _is(img, COLOURS['point'])
    ys, xs = np.nonzero(cyan)
    assert abs(xs.mean() - 20 * s) <= 1
    assert abs(ys.mean() - (HEADER_PX + 10 * s)) <= 1
    footer = img[HEADER_PX + 40 * s:]
    assert _is(footer, COLOURS['banner']).sum() > 50


def test_written_with_normal_permissions_and_no_leftovers(tmp_path):
    out = write_series_cine(str(tmp_path / 'x.gif'),
                            np.zeros((2, 16, 16), np.float32))
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o666 & ~mask
    assert os.listdir(tmp_path) == ['x.gif']


def test_mp4_has_all_frames(tmp_path):
    import cv2
    canvases = render_cine_frames(np.random.rand(6, 32, 32))
    try:
        out = write_cine(canvases, str(tmp_path / 'x.mp4'), fps=5)
    except RuntimeError as err:
        pytest.skip(str(err))
    cap = cv2.VideoCapture(out)
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 6
    ok, frame = cap.read()
    cap.release()
    assert ok and frame.shape == canvases[0].shape


def test_bad_inputs(tmp_path):
    with pytest.raises(ValueError, match='expected a .gif or .mp4'):
        write_cine([np.zeros((4, 4, 3), np.uint8)], str(tmp_path / 'x.avi'))
    with pytest.raises(ValueError, match=r'\(T, H, W\)'):
        render_cine_frames(np.zeros((4, 4)))


def test_cine_timing_follows_frame_time_and_caps_length():
    from mmdsa.visualization.cine import cine_timing
    # 33 ms source (30 fps): played at its own pace, strided so that no
    # GIF delay is under 20 ms
    stride, fps = cine_timing(np.arange(96) * 33.0, 96)
    assert stride == 1 and fps == pytest.approx(1000 / 33.0)
    stride, fps = cine_timing(np.arange(96) * 10.0, 96)
    assert stride == 2 and fps == pytest.approx(50.0)
    # 96 frames capped at 48: every 2nd frame at half the rate, so the
    # loop lasts as long as the acquisition
    stride, fps = cine_timing(np.arange(96) * 33.0, 96, max_frames=48)
    assert stride == 2 and 48 / fps == pytest.approx(96 * 0.033)
    assert cine_timing(None, 5) == (1, 3.0)


def test_cine_gif_duration_and_size_cap(tmp_path):
    from PIL import Image

    from mmdsa.visualization.cine import (HEADER_PX, render_cine_frames,
                                          write_series_cine)
    frames = np.random.default_rng(0).random((30, 200, 100)).astype(
        np.float32)
    out = write_series_cine(str(tmp_path / 'c.gif'), frames,
                            frame_times_ms=np.arange(30) * 66.7,
                            max_frames=10, max_size=64)
    gif = Image.open(out)
    assert gif.n_frames == 10
    assert gif.info['duration'] == pytest.approx(3 * 66.7, abs=10)
    # 200 px shrunk by 4 -> 50 rows
    assert gif.size == (25, HEADER_PX + 50)
    canvases = render_cine_frames(frames[:2], gt_boxes={0: [40, 80, 80,
                                                            120]},
                                  max_size=64)
    green = np.all(canvases[0] == (0, 255, 0), axis=-1)
    rows, cols = np.nonzero(green)
    assert cols.min() == 10 and rows.min() == HEADER_PX + 20
