"""The data-driven part of the scope check (:mod:`mmdsa.apis.scope`):
the pooled last backbone map of a series and its Mahalanobis distance to
the training series' features (Ledoit-Wolf shrinkage covariance; features
wider than a limit are reduced to principal components plus a residual
term, so the calibration stored in the operating-point sidecar stays small).
"""
import contextlib
import math
from typing import Dict, List, Optional, Sequence

import numpy as np

__all__ = [
    'DEFAULT_QUANTILE', 'DEFAULT_MARGIN', 'DEFAULT_MAX_DIM', 'ScopeError',
    'capture_backbone_features', 'pooled_feature', 'fit_distance_model',
    'feature_distance'
]


#: Quantile of the validation series' feature distances, and the factor
#: above it that still counts as in scope.
DEFAULT_QUANTILE = 0.95
DEFAULT_MARGIN = 1.5
#: Feature widths above this are reduced to their principal components.
DEFAULT_MAX_DIM = 256


class ScopeError(ValueError):
    """A scope calibration that cannot be used or cannot be made."""


# --------------------------------------------------------------------------
# features and the distance model


def _backbone(model):
    inner = getattr(model, 'detector', None)
    backbone = getattr(inner, 'backbone', None) or getattr(
        model, 'backbone', None)
    if backbone is None:
        raise ScopeError(f'{type(model).__name__}: expected a model with a '
                         'backbone (detector.backbone or backbone), got none')
    return backbone


@contextlib.contextmanager
def capture_backbone_features(model):
    """Collect the globally average-pooled last backbone map of every
    backbone call while the block runs.

    Yields:
        list[np.ndarray]: filled with float64 (n, C) arrays, one per call
        (n frames or frame groups).
    """
    captured: List[np.ndarray] = []

    def hook(_module, _inputs, output):
        last = output[-1] if isinstance(output, (tuple, list)) else output
        captured.append(last.detach().float().mean(dim=(-2, -1))
                        .cpu().numpy().astype(np.float64))

    handle = _backbone(model).register_forward_hook(hook)
    try:
        yield captured
    finally:
        handle.remove()


def pooled_feature(captured: Sequence[np.ndarray]) -> Optional[np.ndarray]:
    """(C,) mean over all frames (groups) of the captured features."""
    if not captured:
        return None
    return np.concatenate(list(captured), axis=0).mean(axis=0)


def fit_distance_model(train: np.ndarray, val: np.ndarray,
                       quantile: float = DEFAULT_QUANTILE,
                       margin: float = DEFAULT_MARGIN,
                       max_dim: int = DEFAULT_MAX_DIM) -> Dict:
    """Mahalanobis distance model on training features, threshold on
    validation features.

    Features of up to ``max_dim`` channels use the full Ledoit-Wolf
    covariance. Wider ones (e.g. 2048 channels of a ResNet-50) are reduced
    to their first ``max_dim`` principal components (fitted on the training
    features) plus the residual: the squared distance is the Mahalanobis
    distance in the component space plus ``|residual|^2 / residual_var``
    (the training residuals' mean variance per channel), so the sidecar
    stays small and nothing outside the components is ignored.

    Args:
        train (np.ndarray): (N, C) pooled features of the training series.
        val (np.ndarray): (M, C) pooled features of the validation series.
        quantile (float): Quantile of the validation distances.
        margin (float): Factor on that quantile (>= 1).
        max_dim (int): Largest C kept without reduction.

    Returns:
        dict: ``mean`` (C,), ``components`` ((k, C) or None),
        ``residual_var`` (None without components), ``precision`` (inverse
        of the Ledoit-Wolf covariance, (C, C) or (k, k)), ``shrinkage``,
        ``threshold``, ``quantile``, ``margin``, ``num_train``,
        ``num_val`` and ``val_distances`` (min / median / max).

    Raises:
        ScopeError: fewer than 2 training or 1 validation series, or
            features of different widths.
    """
    from sklearn.covariance import LedoitWolf
    train, val = np.asarray(train, float), np.asarray(val, float)
    if train.ndim != 2 or train.shape[0] < 2:
        raise ScopeError('scope calibration: expected features of at least '
                         f'2 training series, got {train.shape[0]}')
    if val.ndim != 2 or val.shape[0] < 1 or val.shape[1] != train.shape[1]:
        raise ScopeError('scope calibration: expected validation features '
                         f'of width {train.shape[1]}, got {val.shape}')
    if not 0.0 < quantile <= 1.0 or margin < 1.0:
        raise ScopeError('scope calibration: expected 0 < quantile <= 1 and'
                         f' margin >= 1, got {quantile} and {margin}')
    mean = train.mean(axis=0)
    model = dict(mean=mean.tolist(), components=None, residual_var=None)
    coords = train
    if train.shape[1] > max_dim:
        centred = train - mean
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        comps = vt[:min(max_dim, vt.shape[0])]
        coords = train @ comps.T
        resid = centred - (centred @ comps.T) @ comps
        model.update(components=comps.tolist(),
                     residual_var=float(max((resid ** 2).mean(), 1e-12)))
    lw = LedoitWolf().fit(coords)
    model.update(precision=lw.precision_.tolist(),
                 shrinkage=float(lw.shrinkage_))
    if model['components'] is not None:
        model['component_mean'] = lw.location_.tolist()
    dists = np.array([feature_distance(v, model) for v in val])
    q = float(np.quantile(dists, quantile))
    model.update(threshold=q * margin, quantile=float(quantile),
                 margin=float(margin), num_train=int(train.shape[0]),
                 num_val=int(val.shape[0]),
                 val_distances=dict(min=float(dists.min()),
                                    median=float(np.median(dists)),
                                    max=float(dists.max())))
    return model


def feature_distance(feature: np.ndarray, model: Dict) -> float:
    """Mahalanobis distance ``sqrt((x - mean)^T P (x - mean))`` (plus the
    residual term for reduced features, see :func:`fit_distance_model`).

    Args:
        feature (np.ndarray): (C,) pooled feature.
        model (dict): From :func:`fit_distance_model`.
    """
    mean = np.asarray(model['mean'], float)
    feature = np.asarray(feature, float)
    if feature.shape != mean.shape:
        raise ScopeError(f'scope: expected a feature of shape {mean.shape}, '
                         f'got {feature.shape}; calibrate the scope of this '
                         'model again')
    precision = np.asarray(model['precision'], float)
    if model.get('components') is None:
        d = feature - mean
        return float(math.sqrt(max(d @ precision @ d, 0.0)))
    comps = np.asarray(model['components'], float)
    centred = feature - mean
    resid = centred - (centred @ comps.T) @ comps
    d = feature @ comps.T - np.asarray(model['component_mean'], float)
    sq = d @ precision @ d + (resid @ resid) / model['residual_var']
    return float(math.sqrt(max(sq, 0.0)))
