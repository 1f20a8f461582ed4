"""Run a trained model on one DSA series or a PA+LAT pair.

The user-facing layer: it reads the file, runs the config's test pipeline
and scores the series. The detector's window-by-window forward over the
whole series that it calls is the model layer,
:mod:`mmdsa.models.detectors.window_inference`.
"""
import copy
import os.path as osp
import time
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.dataset import Compose


def _dataset_cfg(cfg):
    dataset = cfg.test_dataloader.dataset
    while 'dataset' in dataset and 'pipeline' not in dataset:
        dataset = dataset.dataset  # wrappers such as RepeatDataset
    return dataset


WINDOW_LOADERS = ('LoadDSAWindow', 'mmdsa.LoadDSAWindow')
LOADERS = ('LoadDSAWindow', 'mmdsa.LoadDSAWindow', 'LoadDSASeries',
           'mmdsa.LoadDSASeries')


def _test_pipeline(cfg, single_frame: bool, modalities=None) -> Compose:
    """The config's test pipeline; for detection the window loader is set
    to one frame so each call yields one preprocessed frame. ``modalities``
    (when given) is set on the loader (see :func:`read_dsa_series`)."""
    pipeline = copy.deepcopy(_dataset_cfg(cfg).pipeline)
    for step in pipeline:
        if modalities is not None and step.get('type') in LOADERS:
            step['modalities'] = modalities
        if single_frame and step.get('type') in WINDOW_LOADERS:
            step['num_frames'] = 1
            step['stride'] = 1
    return Compose(pipeline)


def window_settings(cfg) -> Dict[str, int]:
    """``num_frames`` and ``stride`` of the test pipeline's window loader.

    The whole-series inference builds its windows with these (and
    :func:`mmdsa.structures.window_indices`), so ``tools/infer.py`` sees the
    windows ``tools/test.py`` sees.

    Args:
        cfg (Config): The model's config (``test_dataloader.dataset``).

    Returns:
        dict: ``num_frames`` and ``stride`` (LoadDSAWindow's defaults, 5 and
        1, where the config leaves them out).

    Raises:
        ValueError: the test pipeline has no LoadDSAWindow, or more than
            one.
    """
    steps = [s for s in _dataset_cfg(cfg).pipeline
             if s.get('type') in WINDOW_LOADERS]
    if len(steps) != 1:
        raise ValueError(
            'test_dataloader.dataset.pipeline: expected one LoadDSAWindow '
            f'step for a detector, got {len(steps)}')
    import inspect

    from mmdsa.datasets.transforms import LoadDSAWindow
    defaults = inspect.signature(LoadDSAWindow).parameters
    return {k: steps[0].get(k, defaults[k].default)
            for k in ('num_frames', 'stride')}


def model_precision(model, precision: Optional[str] = None) -> str:
    """The precision inference runs ``model`` at, and prepare it for it.

    Chosen by ``precision`` when given, else the config's
    ``inference_precision`` key, else ``'auto'`` (bf16 on a CPU with
    native bf16, fp16 autocast on CUDA, fp32 elsewhere:
    :func:`mmdsa.utils.precision.resolve_precision`). For bf16 on a CPU the
    model's 4-D weights are made channels_last (once; the values do not
    change, so fp32 calls on the same model give the same results).

    Args:
        model: A model from :func:`init_model`.
        precision (str, optional): ``'auto'``, ``'fp32'``, ``'bf16'`` or
            ``'fp16'`` (CUDA).

    Returns:
        str: The resolved precision, ``'fp32'``, ``'bf16'`` or ``'fp16'``.
    """
    from mmdsa.utils.precision import (resolve_precision, to_channels_last,
                                       uses_channels_last)
    cfg = getattr(model, 'cfg', None)
    if precision is None and cfg is not None:
        precision = cfg.get('inference_precision')
    device = next(model.parameters()).device
    resolved = resolve_precision(precision, device)
    if uses_channels_last(resolved, device) and \
            not getattr(model, '_channels_last', False):
        to_channels_last(model)
        model._channels_last = True
    return resolved


def is_detector(model) -> bool:
    """Whether ``model`` is a spatio-temporal detector (else recognizer)."""
    return hasattr(model, 'predict_series')


def _series_info(path: str, modalities=None) -> Dict:
    from mmdsa.fileio import DEFAULT_MODALITIES, read_dsa_series
    series = read_dsa_series(path, modalities=modalities or
                             DEFAULT_MODALITIES)
    name = osp.splitext(osp.basename(osp.normpath(path)))[0]
    return dict(
        series=series,
        base=dict(
            img_path=path,
            series_id=name,
            video_id=0,
            patient_id=series.meta.get('patient_id') or '',
            pair_id=name,
            view=series.meta.get('view', 'unknown'),
            series_length=len(series.frames),
            num_frames=len(series.frames),
            series_label=-1,
            gt_label=-1))


@torch.no_grad()
def inference_detector_series(model, path: str, batch_size: int = 4,
                              modalities=None,
                              precision: Optional[str] = None) -> Dict:
    """Detect perforations in every frame of a series (the windows of the
    config's test pipeline: its LoadDSAWindow ``num_frames`` and ``stride``,
    :func:`window_settings`), then apply the model's series rule
    (``SpatioTemporalDetector.post_process_series``: its
    ``series_post_processor``, e.g. SO, else the maximum box score).

    Args:
        model: A :class:`SpatioTemporalDetector` from :func:`init_model`.
        path (str): DICOM file, DICOM folder, PNG/NPY folder or .npy file.
        batch_size (int): Key frames per cached-inference step.
        modalities (str | list[str], optional): DICOM Modality values to
            accept (default: XA, RF and secondary-capture exports);
            ``'any'`` reads every modality.
        precision (str, optional): ``'auto'``, ``'fp32'``, ``'bf16'`` or
            ``'fp16'`` (:func:`model_precision`; default: the config's
            ``inference_precision``, else ``'auto'``). Box decoding, NMS and
            the series post-processing run in fp32 at every precision.

    Returns:
        dict: ``precision`` (the resolved one), ``frames`` (T, H, W) float32 as read, ``meta``,
        ``frame_times_ms`` (T,), ``frame_time_source``, ``scope_feature``
        ((C,) mean of the pooled last backbone map over the frames, for
        :mod:`mmdsa.apis.scope`), ``detections`` list over
        frames of ``(boxes (n, 4) x1y1x2y2 in original pixels, scores (n,))``,
        ``trajectory`` ``{frame: box}`` of the boxes the model's series
        optimiser keeps (empty without the optimiser or without a box),
        ``series_score`` (the optimiser's series score, or the max frame
        score without it), ``optimiser`` (bool), ``timings_s``.
    """
    t0 = time.perf_counter()
    precision = model_precision(model, precision)
    window = window_settings(model.cfg)
    if window['num_frames'] != model.num_frames:
        raise ValueError(
            'test_dataloader.dataset.pipeline: LoadDSAWindow.num_frames: '
            f"expected the model's num_frames {model.num_frames}, got "
            f"{window['num_frames']}")
    info = _series_info(path, modalities)
    series, base = info['series'], info['base']
    pipeline = _test_pipeline(model.cfg, single_frame=True,
                              modalities=modalities)
    frames, samples = [], []
    for i in range(len(series.frames)):
        data = pipeline(dict(base, frame_id=i, img_id=i))
        frames.append(data['inputs'][0])
        samples.append(data['data_samples'])
    t1 = time.perf_counter()
    device = next(model.parameters()).device
    batch = torch.stack(frames).to(device)
    from .scope import capture_backbone_features, pooled_feature
    with capture_backbone_features(model) as captured:
        preds = model.predict_series(batch, samples, batch_size=batch_size,
                                     stride=window['stride'],
                                     precision=precision)
    t2 = time.perf_counter()
    detections = []
    for pred in preds:
        inst = pred.pred_instances
        detections.append((inst.bboxes.detach().cpu().numpy().reshape(-1, 4),
                           inst.scores.detach().cpu().numpy().reshape(-1)))
    optimiser = getattr(model, 'series_post_processor', None)
    result = model.post_process_series([d[0] for d in detections],
                                       [d[1] for d in detections])
    series_score = float(result.series_score)
    kept: List = list(zip(result.bboxes, result.scores)) \
        if optimiser is not None else [None] * len(detections)
    # frames where the optimiser kept a box (the trajectory, or Seq-NMS'
    # best box per frame)
    trajectory: Dict[int, List[float]] = {}
    for f, pair in enumerate(kept):
        if pair is not None and len(pair[1]):
            trajectory[f] = pair[0][int(np.argmax(pair[1]))].tolist()
    t3 = time.perf_counter()
    return dict(
        precision=precision,
        frames=series.frames,
        meta=series.meta,
        frame_times_ms=series.frame_times_ms,
        frame_time_source=series.frame_time_source,
        scope_feature=pooled_feature(captured),
        detections=detections,
        trajectory=trajectory,
        series_score=series_score,
        optimiser=optimiser is not None,
        timings_s=dict(
            load_and_preprocess=t1 - t0,
            model=t2 - t1,
            post_processing=t3 - t2,
            frames_per_second=len(preds) / max(t2 - t1, 1e-9)))


@torch.no_grad()
def inference_recognizer_series(model, path: str,
                                modalities=None,
                                precision: Optional[str] = None) -> Dict:
    """Thrombus probability of one series.

    Args:
        model: A :class:`CNNRNNRecognizer` from :func:`init_model`.
        path (str): DICOM file, DICOM folder, PNG/NPY folder or .npy file.
        modalities: see :func:`inference_detector_series`.
        precision (str, optional): see :func:`inference_detector_series`
            (the backbone runs under autocast; the recurrent encoder and
            the head in fp32).

    Returns:
        dict: ``precision``, ``probability`` (float, P(thrombus)), ``frames``, ``meta``,
        ``frame_times_ms``, ``frame_time_source``, ``scope_feature`` ((C,)
        mean of the pooled last backbone map over the frame groups),
        ``timings_s``.
    """
    t0 = time.perf_counter()
    precision = model_precision(model, precision)
    info = _series_info(path, modalities)
    pipeline = _test_pipeline(model.cfg, single_frame=False,
                              modalities=modalities)
    data = pipeline(dict(info['base']))
    t1 = time.perf_counter()
    batch = dict(inputs=[data['inputs']], data_samples=[data['data_samples']])
    from .scope import capture_backbone_features, pooled_feature
    with capture_backbone_features(model) as captured:
        # test_step without its wrapper, to pass the precision on
        batch = model.data_preprocessor(batch, False)
        pred = model(**batch, mode='predict', precision=precision)[0]
    t2 = time.perf_counter()
    series = info['series']
    return dict(
        precision=precision,
        probability=float(pred.pred_score.reshape(-1)[-1]),
        frames=series.frames,
        meta=series.meta,
        frame_times_ms=series.frame_times_ms,
        frame_time_source=series.frame_time_source,
        scope_feature=pooled_feature(captured),
        timings_s=dict(load_and_preprocess=t1 - t0, model=t2 - t1))


def inference_series(model, path: str, threshold: Optional[float] = None,
                     check_scope: bool = True, force: bool = False,
                     max_oblique_deg: Optional[float] = None,
                     **kwargs) -> Dict:
    """Dispatch to the detector or recognizer inference, check the scope
    (:mod:`mmdsa.apis.scope`) and add ``decision``: the verdict at the
    model's calibrated operating point, or at ``threshold`` when given
    (:func:`mmdsa.apis.operating_point.model_decision`).

    Args:
        model: From :func:`mmdsa.apis.init_model`.
        path (str): The series (see :func:`inference_detector_series`).
        threshold (float, optional): Overrides the operating point.
        check_scope (bool): Run the scope check (False only to calibrate
            it: ``scope`` is then absent and the verdict is the score's).
        force (bool): Give a positive / negative verdict even when the
            series is out of scope (``scope['forced']`` says so).
        max_oblique_deg (float, optional): The view rule's limit (default
            :data:`mmdsa.apis.scope.DEFAULT_MAX_OBLIQUE_DEG`).
        **kwargs: ``batch_size`` (detector) and ``modalities``.

    Returns:
        dict: The task's result plus ``scope_facts`` (the header facts),
        ``scope`` (``in_scope``, ``reasons``, ``figures``, ``forced``) and
        ``decision`` (``verdict`` 'positive' / 'negative', or
        'out_of_scope' with ``reasons`` when out of scope and not forced).
        An oblique beyond the view rule's limit sets ``meta['view']`` to
        'unknown' (the header's reading stays in ``meta['header_view']``).
    """
    from .operating_point import model_decision
    from . import scope as scope_lib
    if is_detector(model):
        result = inference_detector_series(model, path, **kwargs)
        score = result['series_score']
    else:
        result = inference_recognizer_series(
            model, path, modalities=kwargs.get('modalities'),
            precision=kwargs.get('precision'))
        score = result['probability']
    facts = scope_lib.series_facts(result['meta'], result['frame_times_ms'],
                                   result['frame_time_source'])
    result['scope_facts'] = facts
    decision = model_decision(model, score, threshold)
    if check_scope:
        calibrated = scope_lib.model_scope(model)
        if calibrated is not None and result['scope_feature'] is not None:
            facts = dict(facts, feature_distance=scope_lib.feature_distance(
                result['scope_feature'], calibrated['limits']['distance']))
        result['scope'] = scope_lib.check_scope(
            facts, calibrated, scope_lib.model_min_frames(model),
            scope_lib.DEFAULT_MAX_OBLIQUE_DEG if max_oblique_deg is None
            else max_oblique_deg, force)
        view = scope_lib.scope_view(result['meta'].get('view', 'unknown'),
                                    result['scope'])
        if view != result['meta'].get('view'):
            result['meta'] = dict(result['meta'], view=view,
                                  header_view=result['meta'].get('view'))
        decision = apply_scope(decision, result['scope'])
    result['decision'] = decision
    return result


def apply_scope(decision: Dict, scope: Dict) -> Dict:
    """A decision turned into ``out_of_scope`` (with the scope's reasons)
    when the series is out of scope and not forced; else ``decision`` with
    ``forced`` set."""
    if scope['in_scope']:
        return dict(decision, forced=False)
    if scope['forced']:
        return dict(decision, forced=True, reasons=list(scope['reasons']))
    return dict(decision, verdict='out_of_scope', forced=False,
                reasons=list(scope['reasons']))


def merge_scopes(scopes: Dict[str, Dict], force: bool) -> Dict:
    """One scope for several series (a PA+LAT pair): out of scope when any
    view is; reasons prefixed with the view."""
    reasons = [f'{name}: {r}' for name, s in scopes.items()
               for r in s['reasons']]
    return dict(in_scope=not reasons, reasons=reasons,
                figures={name: s['figures'] for name, s in scopes.items()},
                forced=bool(force and reasons))


def inference_pair(model, pa_path: str, lat_path: str,
                   **kwargs) -> Dict:
    """Run a PA+LAT pair: each view alone, then the pair score as the mean
    of the two views' series scores (classification paper's pairing,
    :mod:`mmdsa.structures.pairing`).

    Returns:
        dict: ``pa``, ``lat`` (the per-view results), ``pair_score``,
        ``scope`` (out of scope when either view is) and the pair's
        ``decision``.

    Raises:
        ValueError: a series' own view (from its DICOM header) is the
            other one: the two files are swapped or both of one view.
    """
    from mmdsa.structures.pairing import check_pair_views, pair_score
    from .operating_point import model_decision
    pa = inference_series(model, pa_path, **kwargs)
    lat = inference_series(model, lat_path, **kwargs)
    check_pair_views(pa['meta'].get('view'), lat['meta'].get('view'),
                     pa_path, lat_path)
    key = 'series_score' if is_detector(model) else 'probability'
    score = pair_score(pa[key], lat[key])
    decision = model_decision(model, score, kwargs.get('threshold'), 'pair')
    out = dict(pa=pa, lat=lat, pair_score=score)
    if kwargs.get('check_scope', True):
        out['scope'] = merge_scopes(dict(PA=pa['scope'], LAT=lat['scope']),
                                     kwargs.get('force', False))
        decision = apply_scope(decision, out['scope'])
    out['decision'] = decision
    return out
