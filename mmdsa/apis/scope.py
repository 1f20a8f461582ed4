"""Scope check: is a series the kind of input the model was trained on?

A verdict (positive / negative) is only given for a series that passes
every rule below; otherwise the verdict is ``out_of_scope`` with the
reasons. Each rule is a small named function ``rule(facts, limits) ->
reason or None``:

* :func:`check_modality` -- the DICOM Modality is one the training series
  had (e.g. ``XA``; ``RF`` fluoroscopy is refused by a DSA model).
* :func:`check_frame_count` -- at least the model's window T (detector) or
  one frame group (recognizer), and within the training range of series
  lengths widened by ``slack``.
* :func:`check_frame_rate` -- frames per second (from FrameTimeVector,
  FrameTime, CineRate or RecommendedDisplayFrameRate) within the training
  range widened by ``slack`` (a 30 frames/s cardiac cine is not a 2-4
  frames/s DSA run).
* :func:`check_image_size` -- Rows / Columns within the training range
  widened by ``slack``.
* :func:`check_view` -- the C-arm's positioner angles are within
  ``max_oblique_deg`` of a canonical PA (0 / 180 degrees) or LAT (+-90
  degrees) projection; an oblique beyond it is view ``'unknown'``, never
  'PA' or 'LAT'.
* :func:`check_subtraction` -- where the header says whether the pixels are
  subtracted (ImageType, DerivationDescription, RecommendedViewingMode,
  Mask Subtraction Sequence), it matches the training series.
* :func:`check_feature_distance` -- the Mahalanobis distance of the
  series' pooled backbone features to the training series' features
  (Ledoit-Wolf shrinkage covariance) is at most a threshold chosen as a
  quantile of the validation series' distances.

The limits are derived from the training split (header ranges, distance
model) and the threshold from the validation split by
:func:`calibrate_scope`; they are stored in the checkpoint's operating-point
sidecar (key ``scope``, see :mod:`mmdsa.apis.operating_point`), so
``tools/analysis_tools/calibrate_threshold.py`` writes them for every new
model. ``max_oblique_deg`` is the one limit a clinician sets
(``tools/infer.py --max-oblique``).
"""
import math
import warnings
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from .scope_features import (DEFAULT_MARGIN, DEFAULT_MAX_DIM,  # noqa: F401
                             DEFAULT_QUANTILE, ScopeError,
                             capture_backbone_features, feature_distance,
                             fit_distance_model, pooled_feature)

SCOPE_FORMAT = 'mmdsa.scope/1'
#: Largest deviation (degrees) from a canonical PA / LAT projection that
#: still counts as that view (a clinician's setting).
DEFAULT_MAX_OBLIQUE_DEG = 20.0
#: Relative widening of the training ranges (frame count, frame rate,
#: image size): ``[min * (1 - slack), max * (1 + slack)]``.
DEFAULT_SLACK = 0.5

SUBTRACTED, UNSUBTRACTED, UNKNOWN = 'subtracted', 'unsubtracted', 'unknown'
_SUBTRACTION_WORDS = ('SUBTRACT', 'DSA')
_SUBTRACTING_MASK_OPERATIONS = ('AVG_SUB', 'TID')


# --------------------------------------------------------------------------
# header facts


def _dicom_header(meta: Dict):
    """The first DICOM header of a series read by :mod:`mmdsa.fileio`
    (pixel data not read), or None for PNG / NPY input."""
    import pydicom
    if meta.get('source_format') not in ('dicom', 'dicom_folder'):
        return None
    path = (meta.get('files') or [meta.get('path')])[0]
    try:
        return pydicom.dcmread(path, stop_before_pixels=True, force=True)
    except Exception as exc:  # the reader already accepted it once
        warnings.warn(f'{path}: cannot re-read the header for the scope '
                      f'check ({exc})')
        return None


def subtraction_status(ds) -> Dict[str, str]:
    """Whether the header says the stored pixels are subtracted.

    Evidence, in order: ImageType or DerivationDescription naming a
    subtraction (``SUBTRACTED``, ``DSA``); a derivation code meaning
    subtraction; RecommendedViewingMode ``NAT`` (native) or a Mask
    Subtraction Sequence whose MaskOperation is ``NONE``, or ``AVG_SUB`` /
    ``TID`` (the viewer subtracts on display: the stored pixels are
    native). Anything else is ``unknown``.

    Args:
        ds (pydicom.Dataset | None): The header.

    Returns:
        dict: ``status`` ('subtracted' / 'unsubtracted' / 'unknown') and
        ``evidence`` (the attribute and value that decided).
    """
    if ds is None:
        return dict(status=UNKNOWN, evidence='no DICOM header')
    from mmdsa.fileio.dicom_meta import lookup
    image_type = [str(v).upper() for v in (ds.get('ImageType') or [])]
    for value in image_type:
        if any(w in value for w in _SUBTRACTION_WORDS):
            return dict(status=SUBTRACTED,
                        evidence=f'ImageType {"/".join(image_type)}')
    description = str(lookup(ds, 'DerivationDescription') or '').upper()
    if 'SUBTRACT' in description:
        return dict(status=SUBTRACTED,
                    evidence=f'DerivationDescription {description!r}')
    for item in lookup(ds, 'DerivationCodeSequence') or []:
        meaning = str(item.get('CodeMeaning', '')).upper()
        if 'SUBTRACT' in meaning:
            return dict(status=SUBTRACTED,
                        evidence=f'DerivationCodeSequence {meaning!r}')
    mode = str(ds.get('RecommendedViewingMode', '') or '').strip().upper()
    operations = [
        str(item.get('MaskOperation', '')).strip().upper()
        for item in (ds.get('MaskSubtractionSequence') or [])
    ]
    if mode == 'NAT':
        return dict(status=UNSUBTRACTED,
                    evidence='RecommendedViewingMode NAT (native)')
    if operations and all(op == 'NONE' for op in operations):
        return dict(status=UNSUBTRACTED,
                    evidence='MaskSubtractionSequence MaskOperation NONE')
    if any(op in _SUBTRACTING_MASK_OPERATIONS for op in operations):
        return dict(status=UNSUBTRACTED,
                    evidence='MaskSubtractionSequence MaskOperation '
                    f'{"/".join(operations)}: native pixels, subtracted '
                    'only on display')
    return dict(status=UNKNOWN, evidence='the header does not say')


def series_facts(meta: Dict, frame_times_ms=None,
                 frame_time_source: Optional[str] = None) -> Dict:
    """The header facts the rules read, from a series' ``meta`` (as
    :func:`mmdsa.fileio.read_dsa_series` returns it).

    Args:
        meta (dict): The series meta (modality, rows, columns, num_frames,
            positioner angles, source_format, path / files, subtraction).
        frame_times_ms (array-like, optional): (T,) frame times in ms.
        frame_time_source (str, optional): Where they came from (``'none'``
            when the header has no timing).

    Returns:
        dict: ``dicom`` (bool), ``modality``, ``num_frames``, ``rows``,
        ``columns``, ``frame_rate_fps`` (None without timing),
        ``primary_angle``, ``secondary_angle``, ``subtraction`` and
        ``subtraction_evidence``.
    """
    ds = _dicom_header(meta)
    rate = None
    times = None if frame_times_ms is None else np.asarray(frame_times_ms,
                                                           dtype=float)
    if times is not None and times.size > 1 and frame_time_source not in (
            None, 'none') and times[-1] > 0:
        rate = float((times.size - 1) * 1000.0 / times[-1])
    if meta.get('subtraction'):  # the reader subtracted (subtract_mask)
        sub = dict(status=SUBTRACTED, evidence='subtracted by the reader '
                   f"({meta['subtraction'].get('method')})")
    else:
        sub = subtraction_status(ds)
    return dict(
        dicom=ds is not None,
        modality=meta.get('modality'),
        num_frames=int(meta.get('num_frames') or 0),
        rows=meta.get('rows'),
        columns=meta.get('columns'),
        frame_rate_fps=rate,
        frame_time_source=frame_time_source,
        primary_angle=meta.get('positioner_primary_angle'),
        secondary_angle=meta.get('positioner_secondary_angle'),
        subtraction=sub['status'],
        subtraction_evidence=sub['evidence'])


def view_deviation_deg(primary: Optional[float],
                       secondary: Optional[float]) -> Optional[Dict]:
    """How far the projection is from the nearest canonical view.

    Args:
        primary (float | None): PositionerPrimaryAngle (LAO+ / RAO-).
        secondary (float | None): PositionerSecondaryAngle (cranial+ /
            caudal-); 0 when absent.

    Returns:
        dict | None: ``nearest`` ('PA' or 'LAT') and ``deviation_deg``
        (the larger of the primary's distance to 0/180 or +-90 and
        |secondary|), or None without a primary angle.
    """
    if primary is None:
        return None
    p = (float(primary) + 180.0) % 360.0 - 180.0
    s = abs(float(secondary or 0.0))
    to_pa = min(abs(p), 180.0 - abs(p))
    to_lat = abs(abs(p) - 90.0)
    nearest, off = ('PA', to_pa) if to_pa <= to_lat else ('LAT', to_lat)
    return dict(nearest=nearest, deviation_deg=max(off, s))


# --------------------------------------------------------------------------
# rules: each returns a reason (str) or None


def _widen(low, high, slack):
    return low * (1.0 - slack), high * (1.0 + slack)


def check_modality(facts: Dict, limits: Dict) -> Optional[str]:
    """Modality among the training series' modalities."""
    allowed = limits.get('modalities')
    modality = facts.get('modality')
    if not allowed or modality is None:
        return None
    if modality not in allowed:
        return (f'modality: {modality} (the model was trained on '
                f'{"/".join(allowed)})')
    return None


def check_frame_count(facts: Dict, limits: Dict) -> Optional[str]:
    """At least the model's window (``min_frames``) and within the training
    range of series lengths widened by ``slack``."""
    n = facts.get('num_frames', 0)
    need = limits.get('min_frames')
    if need and n < need:
        return (f'number of frames: {n} (the model needs at least {need} '
                'consecutive frames)')
    trained = limits.get('num_frames')
    if trained:
        low, high = _widen(*trained, limits.get('slack', DEFAULT_SLACK))
        if not low <= n <= high:
            return (f'number of frames: {n} (training series had '
                    f'{trained[0]}-{trained[1]}; accepted '
                    f'{math.ceil(low)}-{math.floor(high)})')
    return None


def check_frame_rate(facts: Dict, limits: Dict) -> Optional[str]:
    """Frame rate within the training range widened by ``slack``."""
    rate, trained = facts.get('frame_rate_fps'), limits.get('frame_rate_fps')
    if rate is None or not trained:
        return None
    low, high = _widen(*trained, limits.get('slack', DEFAULT_SLACK))
    if not low <= rate <= high:
        return (f'frame rate: {rate:.3g} frames/s (training series had '
                f'{trained[0]:.3g}-{trained[1]:.3g}; accepted '
                f'{low:.3g}-{high:.3g})')
    return None


def check_image_size(facts: Dict, limits: Dict) -> Optional[str]:
    """Rows and Columns within the training range widened by ``slack``."""
    slack = limits.get('slack', DEFAULT_SLACK)
    for key, name in (('rows', 'Rows'), ('columns', 'Columns')):
        value, trained = facts.get(key), limits.get(key)
        if value is None or not trained:
            continue
        low, high = _widen(*trained, slack)
        if not low <= value <= high:
            return (f'image size: {name} {value} (training series had '
                    f'{trained[0]}-{trained[1]}; accepted '
                    f'{math.ceil(low)}-{math.floor(high)})')
    return None


def check_view(facts: Dict, limits: Dict) -> Optional[str]:
    """Positioner angles within ``max_oblique_deg`` of PA or LAT."""
    dev = view_deviation_deg(facts.get('primary_angle'),
                             facts.get('secondary_angle'))
    limit = limits.get('max_oblique_deg', DEFAULT_MAX_OBLIQUE_DEG)
    if dev is None or dev['deviation_deg'] <= limit:
        return None
    return (f'view: oblique projection (primary '
            f'{facts["primary_angle"]:g}, secondary '
            f'{facts.get("secondary_angle") or 0:g} degrees), '
            f'{dev["deviation_deg"]:.0f} degrees from {dev["nearest"]}, '
            f'more than {limit:g}: view unknown')


def check_subtraction(facts: Dict, limits: Dict) -> Optional[str]:
    """A subtraction status the header states matches the training
    series' (``subtracted`` when the training headers did not say)."""
    status = facts.get('subtraction', UNKNOWN)
    expected = [s for s in (limits.get('subtraction') or []) if s != UNKNOWN]
    expected = expected or [SUBTRACTED]
    if status == UNKNOWN or status in expected:
        return None
    return (f'subtraction: {status} ({facts.get("subtraction_evidence")}); '
            f'the model was trained on {"/".join(expected)} series')


def check_feature_distance(facts: Dict, limits: Dict) -> Optional[str]:
    """Feature distance to the training series at most the calibrated
    threshold (``facts['feature_distance']``)."""
    dist, model = facts.get('feature_distance'), limits.get('distance')
    if dist is None or not model:
        return None
    if dist > model['threshold']:
        return (f'feature distance: {dist:.3g} to the training series '
                f'(in scope up to {model["threshold"]:.3g}: '
                f'{model["quantile"]:g} quantile of the validation series x '
                f'{model["margin"]:g})')
    return None


#: The rules in the order they are reported.
RULES: Dict[str, Callable[[Dict, Dict], Optional[str]]] = dict(
    modality=check_modality,
    frame_count=check_frame_count,
    frame_rate=check_frame_rate,
    image_size=check_image_size,
    view=check_view,
    subtraction=check_subtraction,
    feature_distance=check_feature_distance,
)

# --------------------------------------------------------------------------
# limits, calibration and the check


def model_min_frames(model) -> int:
    """Frames the model needs: the detector's window T, else the test
    pipeline's GroupFrames group size (1 without one)."""
    if getattr(model, 'num_frames', None):
        return int(model.num_frames)
    from .series_inference import _dataset_cfg
    for step in _dataset_cfg(model.cfg).pipeline:
        if str(step.get('type', '')).endswith('GroupFrames'):
            return int(step.get('group_size', 3))
    return 1


def header_limits(facts: Sequence[Dict], slack: float = DEFAULT_SLACK
                  ) -> Dict:
    """Training ranges of the header facts of the training series."""
    if not facts:
        raise ScopeError('scope calibration: expected training series, got '
                         'none')

    def span(key):
        values = [f[key] for f in facts if f.get(key) is not None]
        return [min(values), max(values)] if values else None

    return dict(
        modalities=sorted({f['modality'] for f in facts if f['modality']}),
        num_frames=span('num_frames'),
        frame_rate_fps=span('frame_rate_fps'),
        rows=span('rows'),
        columns=span('columns'),
        subtraction=sorted({f['subtraction'] for f in facts}),
        slack=float(slack))


def _split_dataset(cfg, split: str):
    from mmdsa.registry import DATASETS
    loader = cfg.get(f'{split}_dataloader')
    if not loader:
        raise ScopeError(f'field "{split}_dataloader": expected a dataloader '
                         'to check the scope on, got none')
    dataset = DATASETS.build(loader.dataset)
    while hasattr(dataset, 'dataset') and \
            not hasattr(dataset, 'get_data_info'):
        dataset = dataset.dataset  # wrappers such as RepeatDataset
    dataset.full_init()
    return dataset


def _sample_paths(info: Dict) -> List[str]:
    path = info['img_path']
    return list(path) if isinstance(path, (list, tuple)) else [path]


def split_series_paths(cfg, split: str) -> List[str]:
    """The series files of a config's split, in annotation order."""
    dataset = _split_dataset(cfg, split)
    paths: List[str] = []
    for i in range(len(dataset)):
        for path in _sample_paths(dataset.get_data_info(i)):
            if path not in paths:
                paths.append(path)
    return paths


def is_series_config(cfg, split: str = 'test') -> bool:
    """Whether a config's split reads DSA series (LoadDSASeries /
    LoadDSAWindow), i.e. whether the scope check applies to it."""
    from .series_inference import LOADERS
    loader = cfg.get(f'{split}_dataloader')
    if not loader:
        return False
    dataset = loader.dataset
    while 'dataset' in dataset and 'pipeline' not in dataset:
        dataset = dataset.dataset
    return any(step.get('type') in LOADERS
               for step in dataset.get('pipeline', []))


def scope_split(model, cfg, split: str = 'test', force: bool = False,
                max_oblique_deg: float = DEFAULT_MAX_OBLIQUE_DEG) -> Dict:
    """Check the scope of every series of a split (what ``tools/test.py``
    does before evaluating).

    A sample (a series, a key frame of a series, or a PA+LAT pair) is
    excluded when any of its series is out of scope, unless ``force``.

    Returns:
        dict: ``num_series``, ``num_out_of_scope``, ``out_of_scope`` (list
        of ``{'series', 'reasons'}``), ``forced``, ``num_samples``,
        ``kept_indices`` (the samples to evaluate) and ``calibrated``.
    """
    from mmengine.utils import ProgressBar

    from .series_inference import inference_series
    dataset = _split_dataset(cfg, split)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    paths = list(dict.fromkeys(p for info in infos
                               for p in _sample_paths(info)))
    out = {}
    bar = ProgressBar(len(paths))
    for path in paths:
        result = inference_series(model, path, force=force, modalities='any',
                                  max_oblique_deg=max_oblique_deg)
        if not result['scope']['in_scope']:
            out[path] = result['scope']['reasons']
        bar.update()
    print()
    kept = [i for i, info in enumerate(infos)
            if force or not any(p in out for p in _sample_paths(info))]
    return dict(num_series=len(paths), num_out_of_scope=len(out),
                out_of_scope=[dict(series=p, reasons=r)
                              for p, r in out.items()],
                forced=bool(force), num_samples=len(infos),
                kept_indices=kept,
                calibrated=model_scope(model) is not None)


def calibrate_scope(model, train_paths: Sequence[str],
                    val_paths: Sequence[str],
                    quantile: float = DEFAULT_QUANTILE,
                    margin: float = DEFAULT_MARGIN,
                    slack: float = DEFAULT_SLACK) -> Dict:
    """Fit the scope of ``model``: header ranges and the distance model on
    the training series, the distance threshold on the validation series.

    Each series is run through :func:`mmdsa.apis.inference_series` (so the
    features are those the check sees at inference), with a progress bar.

    Returns:
        dict: The sidecar's ``scope`` entry: ``format``, ``limits`` (see
        :func:`header_limits`, plus ``min_frames`` and ``distance``),
        ``train_series`` and ``val_series`` counts.
    """
    from mmengine.utils import ProgressBar

    from .series_inference import inference_series

    def run(paths, what):
        facts, feats = [], []
        bar = ProgressBar(len(paths))
        for path in paths:
            result = inference_series(model, path, threshold=0.5,
                                      check_scope=False, modalities='any')
            facts.append(result['scope_facts'])
            feats.append(result['scope_feature'])
            bar.update()
        print(f'\nscope: {len(paths)} {what} series')
        return facts, np.stack(feats)

    train_facts, train_feats = run(train_paths, 'training')
    _, val_feats = run(val_paths, 'validation')
    limits = header_limits(train_facts, slack)
    limits['min_frames'] = model_min_frames(model)
    limits['distance'] = fit_distance_model(train_feats, val_feats,
                                            quantile, margin)
    return dict(format=SCOPE_FORMAT, limits=limits,
                train_series=len(train_paths), val_series=len(val_paths))


def model_scope(model) -> Optional[Dict]:
    """The calibrated scope of ``model`` (its sidecar's ``scope``), or None.

    Raises:
        ScopeError: The sidecar's scope has another format.
    """
    point = getattr(model, 'operating_point', None) or {}
    scope = point.get('scope')
    if scope is None:
        return None
    if not isinstance(scope, dict) or scope.get('format') != SCOPE_FORMAT:
        raise ScopeError(
            f'{point.get("file")}: field "scope.format": expected '
            f'"{SCOPE_FORMAT}", got '
            f'{scope.get("format") if isinstance(scope, dict) else scope!r}')
    return scope


def check_scope(facts: Dict, scope: Optional[Dict], min_frames: int = 1,
                max_oblique_deg: float = DEFAULT_MAX_OBLIQUE_DEG,
                force: bool = False) -> Dict:
    """Run every rule on a series.

    Args:
        facts (dict): :func:`series_facts` plus ``feature_distance`` (or
            None).
        scope (dict | None): The calibrated scope (:func:`model_scope`);
            None runs only the rules that need no training data (window
            length, view, subtraction, and modality XA).
        min_frames (int): The model's window (:func:`model_min_frames`).
        max_oblique_deg (float): The view rule's limit.
        force (bool): Score the series even when out of scope.

    Returns:
        dict: ``in_scope``, ``reasons`` (one line per failed rule),
        ``figures`` (the facts, the view deviation, the limits used,
        ``calibrated``), ``forced`` (out of scope but scored on request).
    """
    limits = dict(scope['limits']) if scope else dict(
        modalities=['XA'] if facts.get('dicom') else None)
    limits.setdefault('min_frames', min_frames)
    limits['max_oblique_deg'] = float(max_oblique_deg)
    reasons = [r for r in (rule(facts, limits) for rule in RULES.values())
               if r]
    dev = view_deviation_deg(facts.get('primary_angle'),
                             facts.get('secondary_angle'))
    shown = {k: v for k, v in limits.items() if k != 'distance'}
    if limits.get('distance'):
        shown['feature_distance_threshold'] = limits['distance']['threshold']
    figures = dict(
        {k: v for k, v in facts.items()},
        view_deviation_deg=None if dev is None else dev['deviation_deg'],
        nearest_view=None if dev is None else dev['nearest'],
        limits=shown,
        calibrated=scope is not None,
        rules_run=[k for k in RULES
                   if scope is not None or k not in (
                       'frame_rate', 'image_size', 'feature_distance')])
    if scope is None:
        figures['note'] = (
            'no calibrated scope for this checkpoint: the frame-rate, '
            'image-size and feature-distance rules were not run; run '
            'tools/analysis_tools/calibrate_threshold.py')
    in_scope = not reasons
    return dict(in_scope=in_scope, reasons=reasons, figures=figures,
                forced=bool(force and not in_scope))


def scope_view(meta_view: str, scope_result: Dict) -> str:
    """The view to report: 'unknown' when the view rule fired."""
    if any(r.startswith('view:') for r in scope_result['reasons']):
        return 'unknown'
    return meta_view

