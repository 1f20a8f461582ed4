"""Plot ROC curves of prediction files into one PNG (AUC in the legend).

    python tools/analysis_tools/plot_roc.py A.json [B.json ...] --out roc.png
"""
import argparse
import os
import sys
from typing import List, Optional, Sequence, Tuple

import numpy as np


def plot_roc(curves: Sequence[Tuple[str, np.ndarray, np.ndarray]],
             out_file: str,
             title: str = 'ROC') -> str:
    """Draw ROC curves into a PNG through the library's one ROC picture
    (:func:`mmdsa.visualization.plot_roc_curves`), keeping every curve when
    two share a name (``a.json``, ``a.json (2)``).

    Args:
        curves: ``(name, y_true (N,), y_score (N,))`` per curve.
        out_file (str): PNG path (written atomically).
        title (str): Figure title.

    Returns:
        str: ``out_file``.
    """
    from mmdsa.visualization import plot_roc_curves
    named = {}
    for name, y_true, y_score in curves:
        key, k = name, 1
        while key in named:
            k += 1
            key = f'{name} ({k})'
        named[key] = (y_true, y_score)
    return plot_roc_curves(named, out_file, title=title)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('files', nargs='+', help='prediction files')
    parser.add_argument('--out', required=True, help='output PNG')
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(parser)
    args = parser.parse_args(argv)
    from mmdsa.evaluation.metrics import load_prediction_file
    curves = []
    try:
        for path in args.files:
            preds = load_prediction_file(path)['predictions']
            curves.append((os.path.basename(path),
                           np.array([p['label'] for p in preds]),
                           np.array([p['score'] for p in preds])))
        plot_roc(curves, args.out)
    except ValueError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(f'ROC plot written to {args.out}')
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
