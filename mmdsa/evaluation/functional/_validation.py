"""Input checks shared by the functional metrics."""
from typing import Tuple

import numpy as np


def check_binary_inputs(y_true, y_score, where: str,
                        need_both: bool = True,
                        score_name: str = 'y_score'
                        ) -> Tuple[np.ndarray, np.ndarray]:
    """Validate binary labels and scores.

    Args:
        y_true (array-like): (N,) labels in {0, 1} (bools accepted).
        y_score (array-like): (N,) finite scores or predictions.
        where (str): Caller name used in messages.
        need_both (bool): Require both classes to be present.
        score_name (str): Name of the second argument in messages.

    Returns:
        tuple[np.ndarray, np.ndarray]: int64 labels and float64 scores.

    Raises:
        ValueError: Empty input, length mismatch, labels outside {0, 1},
            NaN / inf scores or (with ``need_both``) one class only.
    """
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score, dtype=np.float64)
    if y_true.ndim != 1 or y_score.ndim != 1:
        raise ValueError(f'{where}: expected 1-D y_true and {score_name}, '
                         f'got shapes {y_true.shape} and {y_score.shape}')
    if y_true.shape[0] != y_score.shape[0]:
        raise ValueError(f'{where}: length mismatch: y_true has '
                         f'{y_true.shape[0]} entries, {score_name} has '
                         f'{y_score.shape[0]}')
    if y_true.shape[0] == 0:
        raise ValueError(f'{where}: expected at least one sample, got empty '
                         'input')
    if not np.all(np.isfinite(y_score)):
        bad = np.flatnonzero(~np.isfinite(y_score))[:5].tolist()
        raise ValueError(f'{where}: expected finite {score_name}, got NaN or '
                         f'inf at indices {bad}')
    values = np.unique(y_true)
    if not np.all(np.isin(values, [0, 1])):
        raise ValueError(f'{where}: expected binary y_true in {{0, 1}}, got '
                         f'values {values.tolist()[:5]}')
    y_true = y_true.astype(np.int64)
    if need_both and values.shape[0] < 2:
        raise ValueError(f'{where}: y_true holds one class only '
                         f'({int(values[0])}); the metric needs both '
                         'positive and negative samples')
    return y_true, y_score
