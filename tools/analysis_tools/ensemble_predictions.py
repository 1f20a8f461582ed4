"""Combine series prediction files into an ensemble, with metrics and ROC.

    # classification paper: 4-model PA+LAT ensemble (equal-weight mean)
    python tools/analysis_tools/ensemble_predictions.py \\
        pa_resnet18_gru.json pa_effv2s_gru.json \\
        lat_effb0_gru.json lat_effb0_lstm.json \\
        --method mean --pair --out work_dirs/ensemble.json
    # detection paper: median of 4 models' series probabilities
    python tools/analysis_tools/ensemble_predictions.py m1.json m2.json \\
        m3.json m4.json --method median --out work_dirs/median.json
    # the same from an ensemble config (members + method): reads
    # DIR/<member config name>.json
    python tools/analysis_tools/ensemble_predictions.py --config \\
        configs/perforation/ensembles/median-ensemble_...py --pred-dir DIR \\
        --out work_dirs/median.json

Rules:

- Input files are grouped by the set of views they hold (e.g. PA-only
  files, LAT-only files); files of one group must hold exactly the same
  series (folds or models of one view). Anything else is refused, naming
  the files and the missing series.
- Per series, the scores of all files holding it are combined with
  ``--method`` (mean or median); its label must agree in all files.
- ``--pair`` then combines the PA and LAT series of each ``pair_id`` with
  the same method (both views required; label = 1 if either view is 1).
  With two PA and two LAT models and ``mean`` this is the equal-weight mean
  of the four probabilities (Mittmann et al.).

Writes the prediction-file JSON of the ensemble plus ``metrics``,
``method``, ``level`` and ``inputs``, and a ROC PNG (``--plot``, default:
the output path with ``.png``). Exit status 2 with a one-line
``error: ...`` on bad input.
"""
import argparse
import os
import sys
from typing import List, Optional

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_roc import plot_roc  # noqa: E402

METHODS = ('mean', 'median')


def ensemble_config(path: str, pred_dir: str):
    """Members' prediction files and the method of an ensemble config.

    Args:
        path (str): A config with ``ensemble = dict(method=..., members=[
            config paths relative to it])``.
        pred_dir (str): Folder holding ``<member config name>.json``.

    Returns:
        tuple[list[str], str]: Prediction files and method.

    Raises:
        ValueError: Not an ensemble config, an unknown method or a missing
            prediction file (named).
    """
    from mmengine.config import Config
    ens = Config.fromfile(path).get('ensemble')
    if not isinstance(ens, dict) or not isinstance(ens.get('members'), list):
        raise ValueError(f'{path}: expected ensemble = dict(method=..., '
                         f'members=[...]), got {ens!r:.80}')
    method = ens.get('method', 'mean')
    if method not in METHODS:
        raise ValueError(f'{path}: ensemble.method: expected one of '
                         f"{list(METHODS)}, got {method!r}")
    files = []
    for member in ens['members']:
        stem = os.path.splitext(os.path.basename(member))[0]
        pred = os.path.join(pred_dir, stem + '.json')
        if not os.path.isfile(pred):
            raise ValueError(f'{path}: member {stem}: expected its '
                             f'prediction file {pred}, found none')
        files.append(pred)
    return files, method


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument('files', nargs='*', help='prediction files')
    parser.add_argument('--method', choices=METHODS, default=None,
                        help='mean (default) or median')
    parser.add_argument('--config', help='ensemble config (members and '
                        'method) instead of FILES')
    parser.add_argument('--pred-dir', help='with --config: folder of the '
                        "members' <config name>.json prediction files")
    parser.add_argument('--pair', action='store_true',
                        help='combine PA and LAT series by pair_id')
    parser.add_argument('--threshold', type=float, default=0.5,
                        help='decision threshold for MCC / sens / spec')
    parser.add_argument('--out', required=True, help='output JSON')
    parser.add_argument('--plot', default=None, help='output ROC PNG')
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(parser)
    args = parser.parse_args(argv)

    # the combination rules live in the library (one place for the CLI,
    # tools/run_cross_validation.py and the combination search)
    from mmdsa.evaluation.ensembles import combine_pairs, combine_series
    from mmdsa.evaluation.metrics.prediction_files import check_same_task
    from mmdsa.evaluation.metrics import (binary_summary,
                                          load_prediction_file,
                                          write_prediction_file)
    try:
        if args.config:
            if args.files or not args.pred_dir:
                raise ValueError('--config: expected --pred-dir and no '
                                 'FILES')
            args.files, method = ensemble_config(args.config, args.pred_dir)
            args.method = args.method or method
        elif not args.files:
            raise ValueError('expected prediction FILES or --config')
        args.method = args.method or 'mean'
        if len(set(args.files)) != len(args.files):
            raise ValueError(f'a file is given twice: {args.files}')
        files = {p: load_prediction_file(p) for p in args.files}
        task = check_same_task(list(files.values()), list(files))
        records = combine_series(files, args.method)
        if args.pair:
            records = combine_pairs(records, args.method)
        metrics = binary_summary([r['label'] for r in records],
                                 [r['score'] for r in records],
                                 args.threshold, 'ensemble')
        write_prediction_file(
            args.out, task, f'{args.method} ensemble of '
            f'{len(files)} files', records,
            extra=dict(method=args.method,
                       level='pair' if args.pair else 'series',
                       inputs=list(args.files), metrics=metrics))
        plot_file = args.plot or os.path.splitext(args.out)[0] + '.png'
        curves = [(f'{args.method} ensemble',
                   np.array([r['label'] for r in records]),
                   np.array([r['score'] for r in records]))]
        for path, data in files.items():
            labels = [p['label'] for p in data['predictions']]
            if len(set(labels)) == 2:
                curves.append((os.path.basename(path), np.array(labels),
                               np.array([p['score']
                                         for p in data['predictions']])))
        if len(set(curves[0][1].tolist())) < 2:
            plot_file = None  # no ROC curve for one class
        else:
            plot_roc(curves, plot_file,
                     title='ROC (' + ('PA+LAT pairs' if args.pair else
                                      'series') + ')')
    except ValueError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(f'{len(records)} {"pairs" if args.pair else "series"} from '
          f'{len(files)} files ({args.method})')
    for key in ('auc', 'mcc', 'youden_sens', 'youden_spec', 'sens95'):
        print(f'{key}: {metrics[key]:.4f}')
    print(f'written: {args.out}' + (f', {plot_file}' if plot_file else ''))
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
