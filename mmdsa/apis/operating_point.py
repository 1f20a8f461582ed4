"""Operating points: choose a decision threshold on validation predictions,
store it next to the checkpoint, and turn a series score into a verdict
that says how it was reached.

The sidecar of ``work_dir/best_auc_epoch_8.pth`` is
``work_dir/best_auc_epoch_8.operating_point.json``::

    {"format": "mmdsa.operating_point/1", "threshold": 0.213,
     "method": "youden", "required_specificity": null,
     "sensitivity": 0.9, "specificity": 0.85,
     "num_series": 40, "num_positive": 20, "num_negative": 20,
     "chosen_on": {"predictions": ".../val_predictions.json",
                   "predictions_sha256": "...", "split": "val",
                   "task": "thrombus", "model": "..."},
     "checkpoint": "best_auc_epoch_8.pth", "checkpoint_sha256": "..."}

A series is positive when ``score >= threshold`` (the rule of
:mod:`mmdsa.evaluation.functional.operating_points`).
"""
import hashlib
import json
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np

SIDECAR_FORMAT = 'mmdsa.operating_point/1'
SIDECAR_SUFFIX = '.operating_point.json'
METHODS = ('youden', 'sens_at_spec')
DEFAULT_THRESHOLD = 0.5
RULE = 'positive when score >= threshold'


class OperatingPointError(ValueError):
    """A sidecar that cannot be used, or data that cannot choose one."""


def check_threshold(value, where: str) -> float:
    """A decision threshold: a finite number in [0, 1] (scores are
    probabilities), or :class:`OperatingPointError` naming ``where``."""
    if not isinstance(value, (int, float, np.floating, np.integer)) or \
            isinstance(value, bool) or not np.isfinite(value) or \
            not 0.0 <= float(value) <= 1.0:
        raise OperatingPointError(
            f'{where}: expected a finite number in [0, 1], got {value!r}')
    return float(value)


def task_of_config(cfg) -> str:
    """'perforation' for a detector config, else 'thrombus'."""
    model = cfg.get('model', {}) if cfg is not None else {}
    return 'perforation' if str(model.get('type', '')).endswith(
        'SpatioTemporalDetector') else 'thrombus'


def sidecar_path(checkpoint: str) -> str:
    """The operating-point file that belongs to ``checkpoint``."""
    return osp.splitext(checkpoint)[0] + SIDECAR_SUFFIX


def file_sha256(path: str) -> str:
    """SHA-256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def choose_operating_point(labels: Sequence[int],
                           scores: Sequence[float],
                           method: str = 'youden',
                           specificity: float = 0.95) -> Dict:
    """Choose a threshold on labelled (validation) series scores.

    Args:
        labels (array-like): (N,) 0/1 series labels.
        scores (array-like): (N,) finite series scores.
        method (str): ``'youden'`` (maximise sensitivity + specificity - 1)
            or ``'sens_at_spec'`` (the largest sensitivity among thresholds
            whose specificity is >= ``specificity``).
        specificity (float): Required specificity for ``'sens_at_spec'``.

    Returns:
        dict: ``threshold``, ``method``, ``required_specificity`` (None for
        Youden), ``sensitivity``, ``specificity`` (reached on these data),
        ``num_series``, ``num_positive``, ``num_negative``.

    Raises:
        OperatingPointError: Unknown method, one class only, or no finite
            threshold reaching the required specificity.
    """
    from mmdsa.evaluation.functional import (sensitivity_at_specificity,
                                             youden_operating_point)
    if method not in METHODS:
        raise OperatingPointError(
            f'operating point: expected method in {METHODS}, got {method!r}')
    labels = np.asarray(labels).astype(int)
    scores = np.asarray(scores, dtype=float)
    n_pos, n_neg = int((labels == 1).sum()), int((labels == 0).sum())
    if n_pos == 0 or n_neg == 0:
        raise OperatingPointError(
            'operating point: expected positive and negative series, got '
            f'{n_pos} positive and {n_neg} negative')
    try:
        if method == 'youden':
            thr, sens, spec = youden_operating_point(labels, scores)
            required = None
        else:
            sens, thr = sensitivity_at_specificity(
                labels, scores, specificity, return_threshold=True)
            required = float(specificity)
    except ValueError as err:
        raise OperatingPointError(f'operating point: {err}') from err
    if not np.isfinite(thr):
        raise OperatingPointError(
            f'operating point: no threshold reaches specificity >= '
            f'{specificity} with any positive series ({n_neg} negatives)')
    predicted = scores >= thr
    spec = float((~predicted[labels == 0]).mean())
    sens = float(predicted[labels == 1].mean())
    return dict(threshold=float(thr), method=method,
                required_specificity=required, sensitivity=sens,
                specificity=spec, num_series=int(len(labels)),
                num_positive=n_pos, num_negative=n_neg)


def operating_point_from_predictions(prediction_file: str,
                                     method: str = 'youden',
                                     specificity: float = 0.95,
                                     split: str = 'val',
                                     task: Optional[str] = None) -> Dict:
    """:func:`choose_operating_point` on a prediction file (the contract's
    format, e.g. a metric's ``prediction_file`` on the validation split),
    with ``chosen_on`` naming the file, its hash, the split and model.

    When the file holds PA+LAT pairs (same ``pair_id``), ``pair`` holds a
    second point chosen on the pair scores (mean of the two views, label =
    either view's, the metrics' pairing rule) for pair verdicts.
    ``task`` ('thrombus' / 'perforation') refuses a file of the other
    task."""
    from mmdsa.evaluation.metrics.prediction_files import \
        load_prediction_file
    data = load_prediction_file(prediction_file, task=task)
    preds = data['predictions']
    try:
        point = choose_operating_point([p['label'] for p in preds],
                                       [p['score'] for p in preds], method,
                                       specificity)
    except OperatingPointError as err:
        raise OperatingPointError(f'{prediction_file}: {err}') from err
    point['unit'] = 'series'
    from mmdsa.structures.pairing import pair_records
    paired = pair_records(preds, prediction_file, 'skip')
    if paired:
        try:
            point['pair'] = dict(
                choose_operating_point([p['label'] for p in paired],
                                       [p['score'] for p in paired], method,
                                       specificity), unit='PA+LAT pair')
        except OperatingPointError:
            pass  # e.g. every pair positive: pairs fall back to series
    point['chosen_on'] = dict(
        predictions=osp.abspath(prediction_file),
        predictions_sha256=file_sha256(prediction_file), split=split,
        task=data.get('task'), model=data.get('model'))
    return point


def write_operating_point(checkpoint: str, point: Dict) -> str:
    """Store ``point`` as the checkpoint's sidecar (atomically).

    Refuses to replace a file at the sidecar path that mmdsa did not write
    (no ``format`` marker).

    Returns:
        str: The sidecar path.
    """
    from mmdsa.visualization.output import write_json
    path = sidecar_path(checkpoint)
    if osp.exists(path):
        try:
            with open(path) as f:
                ours = json.load(f).get('format') == SIDECAR_FORMAT
        except (OSError, ValueError, AttributeError):
            ours = False
        if not ours:
            raise OperatingPointError(
                f'{path}: exists and was not written by mmdsa (no "format": '
                f'"{SIDECAR_FORMAT}"); move it away first')
    payload = dict(format=SIDECAR_FORMAT, **point,
                   checkpoint=osp.basename(checkpoint),
                   checkpoint_sha256=file_sha256(checkpoint))
    return write_json(path, payload)


def load_operating_point(checkpoint: Optional[str]) -> Optional[Dict]:
    """The checkpoint's sidecar, checked, or None when there is none.

    Raises:
        OperatingPointError: The sidecar is unreadable, lacks a field, or
            was chosen for another checkpoint (hash mismatch).
    """
    if checkpoint is None or not osp.isfile(sidecar_path(checkpoint)):
        return None
    path = sidecar_path(checkpoint)
    try:
        with open(path) as f:
            point = json.load(f)
    except (OSError, ValueError) as err:
        raise OperatingPointError(f'{path}: cannot read: {err}') from err
    if not isinstance(point, dict) or point.get('format') != SIDECAR_FORMAT:
        raise OperatingPointError(
            f'{path}: field "format": expected "{SIDECAR_FORMAT}", got '
            f'{point.get("format") if isinstance(point, dict) else point!r}')
    check_threshold(point.get('threshold'), f'{path}: field "threshold"')
    pair = point.get('pair')
    if pair is not None:
        check_threshold(pair.get('threshold') if isinstance(pair, dict)
                        else pair, f'{path}: field "pair.threshold"')
    if osp.isfile(checkpoint):
        digest = file_sha256(checkpoint)
        if point.get('checkpoint_sha256') != digest:
            raise OperatingPointError(
                f'{path}: field "checkpoint_sha256": expected {digest} (the '
                f'hash of {checkpoint}), got {point.get("checkpoint_sha256")}'
                ': it was chosen for another checkpoint; calibrate again '
                '(tools/analysis_tools/calibrate_threshold.py) or pass '
                '--threshold')
    point['file'] = osp.abspath(path)
    return point


def attach_operating_point(model, checkpoint: Optional[str]) -> None:
    """Set ``model.operating_point`` (the sidecar or None) and
    ``model.operating_point_error`` (why an existing sidecar cannot be
    used, else None). A broken or stale sidecar does not stop the model
    from loading; :func:`model_decision` refuses to decide without an
    explicit threshold then, instead of silently using 0.5."""
    model.operating_point, model.operating_point_error = None, None
    try:
        model.operating_point = load_operating_point(checkpoint)
    except OperatingPointError as err:
        model.operating_point_error = str(err)


def config_threshold(cfg) -> Optional[float]:
    """The ``threshold`` of the config's ``test_evaluator`` (first metric
    that sets one), or None."""
    evaluator = cfg.get('test_evaluator', {}) if cfg is not None else {}
    for metric in evaluator if isinstance(evaluator, list) else [evaluator]:
        if isinstance(metric, dict) and 'threshold' in metric:
            return check_threshold(metric['threshold'],
                                   'config: test_evaluator.threshold')
    return None


def resolve_operating_point(threshold: Optional[float] = None,
                            operating_point: Optional[Dict] = None,
                            cfg=None,
                            unit: str = 'series') -> Dict:
    """Which threshold decides, and why.

    Priority: an explicit ``threshold`` (e.g. ``--threshold``), the
    calibrated ``operating_point`` (sidecar), the config's
    ``test_evaluator`` threshold, then 0.5.

    Returns:
        dict: ``threshold``, ``source`` (``'explicit'``, ``'calibrated'``,
        ``'config'`` or ``'default'``), ``calibrated`` (bool), ``unit`` and,
    for a
        calibrated point, the sidecar's ``method``, ``required_specificity``,
        ``sensitivity``, ``specificity``, ``num_series`` and ``chosen_on``
        (validation sensitivity / specificity, not a guarantee on new data).
        ``unit='pair'`` uses the sidecar's pair point when it has one.
    """
    if unit not in ('series', 'pair'):
        raise OperatingPointError(
            f"operating point: expected unit 'series' or 'pair', got {unit!r}")
    if threshold is not None:
        threshold = check_threshold(threshold, 'threshold (--threshold)')
        return dict(threshold=threshold, source='explicit', calibrated=False,
                    note='threshold given by the caller (--threshold)')
    if operating_point is not None:
        chosen = operating_point
        if unit == 'pair' and operating_point.get('pair'):
            chosen = dict(operating_point['pair'],
                          chosen_on=operating_point.get('chosen_on'),
                          file=operating_point.get('file'))
        keep = ('unit', 'method', 'required_specificity', 'sensitivity',
                'specificity', 'num_series', 'num_positive', 'num_negative',
                'chosen_on', 'file')
        return dict(threshold=float(chosen['threshold']),
                    source='calibrated', calibrated=True,
                    **{k: chosen.get(k, 'series') if k == 'unit' else
                       chosen.get(k) for k in keep},
                    note='operating point chosen on validation series; '
                    'sensitivity/specificity are those reached there')
    from_cfg = config_threshold(cfg)
    if from_cfg is not None:
        return dict(threshold=from_cfg, source='config', calibrated=False,
                    note='uncalibrated: the config test_evaluator threshold;'
                    ' run tools/analysis_tools/calibrate_threshold.py')
    return dict(threshold=DEFAULT_THRESHOLD, source='default',
                calibrated=False,
                note='uncalibrated: the default 0.5; run '
                'tools/analysis_tools/calibrate_threshold.py')


def decide(score: float, point: Dict) -> Dict:
    """The verdict of ``score`` at a resolved operating point.

    Args:
        score (float): Series (or pair) score.
        point (dict): From :func:`resolve_operating_point`.

    Returns:
        dict: ``verdict`` ('positive' / 'negative'), ``score``,
        ``threshold``, ``rule`` and ``operating_point`` (= ``point``).
    """
    score = float(score)
    return dict(verdict='positive' if score >= point['threshold'] else
                'negative', score=score, threshold=point['threshold'],
                rule=RULE, operating_point=point)


def model_decision(model, score: float,
                   threshold: Optional[float] = None,
                   unit: str = 'series') -> Dict:
    """:func:`decide` with the model's calibrated operating point
    (``model.operating_point``, set by :func:`mmdsa.apis.init_model` from
    the checkpoint's sidecar) or the fallbacks of
    :func:`resolve_operating_point`.

    Raises:
        OperatingPointError: The checkpoint has a sidecar that cannot be
            used (``model.operating_point_error``) and no ``threshold``
            was given.
    """
    error = getattr(model, 'operating_point_error', None)
    if error and threshold is None:
        raise OperatingPointError(error)
    point = resolve_operating_point(
        threshold, getattr(model, 'operating_point', None),
        getattr(model, 'cfg', None), unit)
    return decide(score, point)
