"""Confusion matrix and Matthews correlation coefficient (binary)."""
import numpy as np

from ._validation import check_binary_inputs


def confusion_matrix(y_true, y_pred) -> np.ndarray:
    """Binary confusion matrix.

    Args:
        y_true (array-like): (N,) labels in {0, 1}.
        y_pred (array-like): (N,) predictions in {0, 1}.

    Returns:
        np.ndarray: (2, 2) int64 ``[[tn, fp], [fn, tp]]`` (rows = truth), as
        ``sklearn.metrics.confusion_matrix(..., labels=[0, 1])``.

    Raises:
        ValueError: Empty input, length mismatch or values outside {0, 1}.
    """
    y_true, y_pred = check_binary_inputs(
        y_true, y_pred, 'confusion_matrix', need_both=False,
        score_name='y_pred')
    if not np.all(np.isin(y_pred, [0, 1])):
        raise ValueError('confusion_matrix: expected binary y_pred in '
                         f'{{0, 1}}, got values {np.unique(y_pred)[:5]}')
    y_pred = y_pred.astype(np.int64)
    return np.bincount(2 * y_true + y_pred, minlength=4).reshape(2, 2)


def matthews_corrcoef(y_true, y_pred) -> float:
    """Matthews correlation coefficient of binary predictions.

    ``(tp*tn - fp*fn) / sqrt((tp+fp)(tp+fn)(tn+fp)(tn+fn))``; 0 when the
    denominator is 0 (as scikit-learn).

    Args:
        y_true (array-like): (N,) labels in {0, 1}.
        y_pred (array-like): (N,) predictions in {0, 1}.

    Returns:
        float: MCC in [-1, 1].
    """
    (tn, fp), (fn, tp) = confusion_matrix(y_true, y_pred).astype(np.float64)
    denom = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
    if denom == 0:
        return 0.0
    return float((tp * tn - fp * fn) / np.sqrt(denom))
