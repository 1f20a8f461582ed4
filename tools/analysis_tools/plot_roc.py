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
             title: str = 'ROC') -> None:
    """Draw ROC curves and save them atomically as PNG.

    Args:
        curves: ``(name, y_true (N,), y_score (N,))`` per curve.
        out_file (str): PNG path.
        title (str): Figure title.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from mmdsa.evaluation.functional import binary_roc_auc, roc_curve
    from mmdsa.utils.fileio import atomic_write

    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    for name, y_true, y_score in curves:
        fpr, tpr, _ = roc_curve(y_true, y_score)
        auc = binary_roc_auc(y_true, y_score)
        ax.plot(fpr, tpr, label=f'{name} (AUC = {auc:.3f})')
    ax.plot([0, 1], [0, 1], linestyle='--', color='grey', linewidth=0.8)
    ax.set_xlabel('1 - specificity')
    ax.set_ylabel('sensitivity')
    ax.set_title(title)
    ax.legend(loc='lower right', fontsize=8)
    try:
        atomic_write(out_file,
                     writer=lambda tmp: fig.savefig(tmp, format='png'))
    finally:
        plt.close(fig)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('files', nargs='+', help='prediction files')
    parser.add_argument('--out', required=True, help='output PNG')
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
        return 1
    print(f'ROC plot written to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
