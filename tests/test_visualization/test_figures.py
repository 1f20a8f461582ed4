import numpy as np
import pytest

from mmdsa.visualization import (DSASeriesVisualizer, draw_series_detections,
                                 plot_roc_curves)


def test_series_figure_draws_boxes(tmp_path):
    import cv2
    frames = np.full((8, 48, 48), 0.5, dtype=np.float32)
    out = draw_series_detections(
        frames,
        str(tmp_path / 'series.png'),
        detections=[(np.array([[5, 5, 20, 20]]), np.array([0.9]))] * 8,
        trajectory={2: [5, 5, 20, 20]},
        gt_boxes={2: [6, 6, 22, 22]},
        title='positive')
    img = cv2.imread(out)
    assert img is not None and img.shape[2] == 3
    red = (img[..., 2] > 200) & (img[..., 1] < 60) & (img[..., 0] < 60)
    yellow = (img[..., 2] > 200) & (img[..., 1] > 200) & (img[..., 0] < 60)
    assert red.sum() > 20 and yellow.sum() > 20
    assert not list(tmp_path.glob('*.png.tmp*'))


def test_series_figure_rejects_bad_frames(tmp_path):
    with pytest.raises(ValueError, match='expected'):
        draw_series_detections(np.zeros((4, 4)), str(tmp_path / 'x.png'))


def test_roc_figure_has_auc_in_legend(tmp_path, monkeypatch):
    import matplotlib.axes
    labels = []
    orig = matplotlib.axes.Axes.plot

    def spy(self, *args, **kwargs):
        labels.append(kwargs.get('label'))
        return orig(self, *args, **kwargs)

    monkeypatch.setattr(matplotlib.axes.Axes, 'plot', spy)
    y = np.array([0, 0, 1, 1])
    out = plot_roc_curves({'model': (y, [0.1, 0.4, 0.35, 0.8])},
                          str(tmp_path / 'roc.png'))
    assert (tmp_path / 'roc.png').stat().st_size > 1000 and out
    assert 'model: AUC 0.750 (n+ 2, n- 2)' in labels
    with pytest.raises(ValueError):
        plot_roc_curves({}, str(tmp_path / 'empty.png'))


def test_roc_figure_marks_operating_point_and_band(tmp_path, monkeypatch):
    import matplotlib.axes
    from sklearn.metrics import roc_curve as sk_roc

    from mmdsa.visualization.roc_figure import roc_band
    points = []
    orig = matplotlib.axes.Axes.plot

    def spy(self, *args, **kwargs):
        if kwargs.get('label', '').strip().startswith('operating point'):
            points.append((args[0][0], args[1][0], kwargs['label']))
        return orig(self, *args, **kwargs)

    monkeypatch.setattr(matplotlib.axes.Axes, 'plot', spy)
    rng = np.random.default_rng(0)
    y = np.array([0] * 20 + [1] * 20)
    s = np.concatenate([rng.normal(0, 1, 20), rng.normal(1, 1, 20)])
    plot_roc_curves({'m': (y, s)}, str(tmp_path / 'roc.png'),
                    operating_points={'m': 0.5}, n_boot=50)
    fpr, tpr, label = points[0]
    pred = s >= 0.5
    assert fpr == pytest.approx(1 - (~pred[y == 0]).mean())
    assert tpr == pytest.approx(pred[y == 1].mean())
    assert 'operating point 0.500' in label
    # the band holds the curve (oracle: scikit-learn's ROC at the grid)
    grid, low, high = roc_band(y, s, n_boot=200)
    sk_fpr, sk_tpr, _ = sk_roc(y, s, drop_intermediate=False)
    curve = sk_tpr[np.searchsorted(sk_fpr, grid, side='right') - 1]
    assert np.all(low <= curve + 1e-9) and np.all(curve <= high + 1e-9)
    assert np.all(high - low >= 0) and (high - low).max() > 0


def test_visualizer_sends_series_to_backend(tmp_path):
    vis = DSASeriesVisualizer(
        name='dsa_vis_test',
        vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(tmp_path))
    image = vis.add_series('series', np.random.rand(3, 32, 32),
                           trajectory={1: [2, 2, 10, 10]})
    assert image.ndim == 3
    assert list(tmp_path.rglob('series_0.png'))


def test_series_figure_legend_only_for_what_is_drawn(tmp_path, monkeypatch):
    """A recognizer's picture (no boxes) carries no detector legend; a
    detector's lists exactly the box kinds drawn."""
    import matplotlib.figure
    calls = []
    orig = matplotlib.figure.Figure.legend

    def spy(self, *args, **kwargs):
        calls.append([h.get_label() for h in kwargs.get('handles', [])])
        return orig(self, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, 'legend', spy)
    frames = np.random.default_rng(0).random((3, 32, 32))
    draw_series_detections(frames, str(tmp_path / 'cls.png'),
                           title='P(thrombus) = 0.7')
    assert calls == []
    draw_series_detections(
        frames, str(tmp_path / 'det.png'),
        detections=[(np.array([[2, 2, 9, 9]]), np.array([0.9]))] * 3,
        gt_boxes={1: [2, 2, 9, 9]})
    assert calls == [['reference box', 'detections (score)']]
