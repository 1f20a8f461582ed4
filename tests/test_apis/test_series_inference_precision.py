"""bf16 inference: autocast only around the features, fp32 decoding / NMS.

Small models with random weights. The bf16 path is forced (or ``auto`` is
made to see a bf16 CPU by monkeypatching the capability check), so these
tests run on any CPU.
"""
import numpy as np
import pytest
import torch

from mmdsa.utils import precision as P

DET = 'configs/perforation/' \
    'retinanet_r18-tiny_fpn_tcm-t5_dr-iou_so_8e_synthetic-perforation.py'
CLS = 'configs/thrombus/cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py'
# bf16 keeps 8 significant bits (relative rounding 2**-9 = 0.002 per
# operation); through the tiny models' ~20 layers and a sigmoid (slope
# <= 0.25) the scores move by a few 1e-4 (measured 1e-4 .. 3e-4). 0.02 is
# the agreement bound the benchmark checks for series scores.
SCORE_ATOL = 0.02


@pytest.fixture(scope='module')
def det_model():
    from mmdsa.apis import init_model
    model = init_model(DET)
    # random heads score below the config's cut: keep every box
    model.detector.test_cfg.score_thr = 0.0
    return model


@pytest.fixture(scope='module')
def cls_model():
    from mmdsa.apis import init_model
    return init_model(CLS)


@pytest.fixture(scope='module')
def series(tmp_path_factory):
    frames = np.random.default_rng(0).integers(0, 4096, (6, 48, 40),
                                               dtype=np.uint16)
    path = tmp_path_factory.mktemp('precision') / 'stack.npy'
    np.save(path, frames)
    return str(path)


class Spy:
    """Record whether autocast is on when the model's parts run, and the
    dtypes NMS receives."""

    def __init__(self, model, monkeypatch):
        from mmdet.models.dense_heads import base_dense_head
        self.calls = []
        head = model.detector.bbox_head
        for name, obj in (('features', model), ('head', head)):
            attr = 'extract_frame_feat' if name == 'features' else 'forward'
            original = getattr(obj, attr)
            monkeypatch.setattr(obj, attr, self._wrap(name, original))
        monkeypatch.setattr(head, 'predict_by_feat',
                            self._wrap('decode', head.predict_by_feat))
        nms = base_dense_head.batched_nms

        def batched_nms(boxes, scores, *args, **kwargs):
            self.calls.append(('nms', torch.is_autocast_enabled('cpu'),
                               (boxes.dtype, scores.dtype)))
            return nms(boxes, scores, *args, **kwargs)

        monkeypatch.setattr(base_dense_head, 'batched_nms', batched_nms)

    def _wrap(self, name, fn):

        def wrapped(*args, **kwargs):
            dtypes = tuple(a.dtype for a in args if torch.is_tensor(a))
            if name in ('decode', 'head'):
                dtypes = tuple(t.dtype for t in args[0])
            self.calls.append((name, torch.is_autocast_enabled('cpu'),
                               dtypes))
            return fn(*args, **kwargs)

        return wrapped

    def autocast(self, name):
        return {c[1] for c in self.calls if c[0] == name}

    def dtypes(self, name):
        return {d for c in self.calls if c[0] == name for d in c[2]}


def test_bf16_boxes_are_finite_fp32_and_nms_gets_fp32(det_model, series,
                                                      monkeypatch):
    from mmdsa.apis import inference_series
    spy = Spy(det_model, monkeypatch)
    with pytest.warns(UserWarning) if not P.cpu_supports_bf16() else \
            _nothing():
        result = inference_series(det_model, series, precision='bf16')
    assert result['precision'] == 'bf16'
    assert spy.autocast('features') == {True}
    # the head, decoding, NMS and everything after them: fp32 on float32
    # features, autocast off (the series post-processing is discontinuous
    # in the box scores)
    assert spy.autocast('head') == spy.autocast('decode') == \
        spy.autocast('nms') == {False}
    assert spy.dtypes('head') == spy.dtypes('decode') == \
        spy.dtypes('nms') == {torch.float32}
    assert sum(len(s) for _, s in result['detections']) > 0
    for boxes, scores in result['detections']:
        assert boxes.dtype == scores.dtype == np.float32
        assert np.isfinite(boxes).all() and np.isfinite(scores).all()
    assert np.isfinite(result['series_score'])


def test_bf16_scores_close_to_fp32(det_model, series):
    from mmdsa.apis import inference_series
    with pytest.warns(UserWarning) if not P.cpu_supports_bf16() else \
            _nothing():
        low = inference_series(det_model, series, precision='bf16')
    ref = inference_series(det_model, series, precision='fp32')
    assert ref['precision'] == 'fp32'
    top = [[s.max() for _, s in r['detections']] for r in (ref, low)]
    np.testing.assert_allclose(top[1], top[0], rtol=0, atol=SCORE_ATOL)
    assert abs(low['series_score'] - ref['series_score']) <= SCORE_ATOL
    # and not equal: the bf16 path really ran in bf16
    assert not np.array_equal(top[0], top[1])


def test_fp32_switch_disables_autocast(det_model, series, monkeypatch):
    from mmdsa.apis import inference_series
    monkeypatch.setattr(P, 'cpu_supports_bf16', lambda: True)
    spy = Spy(det_model, monkeypatch)
    result = inference_series(det_model, series, precision='fp32')
    assert result['precision'] == 'fp32'
    assert spy.autocast('features') == spy.autocast('head') == {False}
    assert spy.dtypes('features') == {torch.float32}
    # the config key chooses when the argument is left out
    spy.calls.clear()
    try:
        det_model.cfg.inference_precision = 'fp32'
        assert inference_series(det_model, series)['precision'] == 'fp32'
        assert spy.autocast('features') == {False}
        # on a bf16 CPU, auto picks bf16
        spy.calls.clear()
        det_model.cfg.inference_precision = 'auto'
        assert inference_series(det_model, series)['precision'] == 'bf16'
        assert spy.autocast('features') == {True}
    finally:
        det_model.cfg.pop('inference_precision')


def test_auto_falls_back_to_fp32_without_bf16(det_model, cls_model, series,
                                              monkeypatch):
    from mmdsa.apis import inference_series
    monkeypatch.setattr(P, 'cpu_supports_bf16', lambda: False)
    spy = Spy(det_model, monkeypatch)
    assert inference_series(det_model, series)['precision'] == 'fp32'
    assert spy.autocast('features') == spy.autocast('head') == {False}
    assert inference_series(cls_model, series)['precision'] == 'fp32'


def test_recognizer_bf16_backbone_fp32_encoder(cls_model, series,
                                               monkeypatch):
    from mmdsa.apis import inference_series
    seen = []
    encoder = cls_model.encoder.forward

    def spy(x, *args, **kwargs):
        seen.append((x.dtype, torch.is_autocast_enabled('cpu')))
        return encoder(x, *args, **kwargs)

    monkeypatch.setattr(cls_model.encoder, 'forward', spy)
    ref = inference_series(cls_model, series, precision='fp32')
    with pytest.warns(UserWarning) if not P.cpu_supports_bf16() else \
            _nothing():
        low = inference_series(cls_model, series, precision='bf16')
    assert low['precision'] == 'bf16'
    assert seen == [(torch.float32, False)] * 2
    assert abs(low['probability'] - ref['probability']) <= SCORE_ATOL


def test_infer_cli_precision_switch():
    import importlib.util
    spec = importlib.util.spec_from_file_location('infer', 'tools/infer.py')
    infer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(infer)
    base = ['cfg.py', 'w.pth', 'series']
    assert infer.parse_args(base).precision is None
    assert infer.parse_args(base + ['--fp32']).precision == 'fp32'
    assert infer.parse_args(base + ['--precision', 'bf16']).precision == \
        'bf16'
    with pytest.raises(SystemExit):
        infer.parse_args(base + ['--fp32', '--precision', 'bf16'])


class _nothing:

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
