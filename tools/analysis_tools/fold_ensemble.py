"""The paper's figures from cross-validation folds: per view and per PA+LAT
pair, the test metrics of the mean probability of the fold models.

    # one CV run per view (tools/run_cross_validation.py), then both:
    python tools/analysis_tools/fold_ensemble.py \\
        work_dirs/cv_resnet18_pa/predictions/fold_*_test.json \\
        work_dirs/cv_resnet18_lat/predictions/fold_*_test.json \\
        --out work_dirs/cv_resnet18_fold_ensemble

Mittmann et al. (papers.md A) report fold ensembles: the equal-weight mean
of the 5 fold models' probabilities per series, and for a pair the mean of
the two views' ensembles. This tool writes, under ``--out``:

- ``fold_ensemble.json``: per view and for the pairs, every fold model's
  metrics, their mean and standard deviation, the ensemble's metrics (AUC,
  MCC, Youden sens/spec, sens at 95 % spec, sensitivity per occlusion
  level) and DeLong tests (ensemble vs each fold model; pair ensemble vs
  each view's ensemble);
- ``fold_ensemble_<view>.json``: the ensemble's predictions (prediction-file
  format), ``<view>`` in ``pa``, ``lat``, ``pair``.

``tools/run_cross_validation.py`` calls :func:`write_fold_ensemble` after
its folds. Refusals print ``error: ...`` and exit with status 2.
"""
import argparse
import math
import os.path as osp
import sys
from typing import List, Optional, Sequence

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def _strip(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != 'records'}


def write_fold_ensemble(pred_files: Sequence[str], out_dir: str,
                        threshold: float = 0.5,
                        method: str = 'mean') -> dict:
    """Compute the fold-ensemble report of ``pred_files`` and write it.

    Args:
        pred_files (Sequence[str]): the fold models' test prediction files
            (one or both views; the files of one view hold the same
            series).
        out_dir (str): output folder (created).
        threshold (float): decision threshold.
        method (str): 'mean' (the paper) or 'median'.

    Returns:
        dict: the report (:func:`mmdsa.evaluation.ensembles.
        fold_ensemble_report`) without the records, plus ``files``.
    """
    from mmdsa.evaluation.ensembles import fold_ensemble_report
    from mmdsa.evaluation.metrics.prediction_files import check_same_task
    from mmdsa.evaluation.metrics import (load_prediction_file,
                                          write_json_atomic,
                                          write_prediction_file)
    if len(set(pred_files)) != len(pred_files):
        raise ValueError(f'a file is given twice: {list(pred_files)}')
    files = {p: load_prediction_file(p) for p in pred_files}
    task = check_same_task(list(files.values()), list(files)) or \
        'thrombus'
    report = fold_ensemble_report(files, threshold, method)
    written = {}
    for view, records in report['records'].items():
        tag = 'pair' if view == 'PA+LAT' else view.lower()
        path = osp.join(out_dir, f'fold_ensemble_{tag}.json')
        write_prediction_file(
            path, task, f'{method} of {len(files)} fold models ({view})',
            records, extra=dict(method=method, inputs=list(pred_files)))
        written[view] = path
    out = dict(_strip(report), files=written, inputs=list(pred_files))
    write_json_atomic(osp.join(out_dir, 'fold_ensemble.json'), out)
    return out


def _f(v):
    return '-' if v is None or (isinstance(v, float) and math.isnan(v)) \
        else f'{v:.3f}'


def format_report(report: dict) -> List[str]:
    """Text lines: per view / pair, mean +- std of the folds and the
    ensemble's AUC and MCC."""
    lines = []
    rows = list(report['views'].items())
    if report.get('pair'):
        rows.append(('PA+LAT', report['pair']))
    for view, r in rows:
        fm = r['fold_mean']
        lines.append(
            f"{view}: folds AUC {_f(fm['auc']['mean'])} +- "
            f"{_f(fm['auc']['std'])}, MCC {_f(fm['mcc']['mean'])} +- "
            f"{_f(fm['mcc']['std'])} (n={fm['auc']['n']}); fold ensemble "
            f"AUC {_f(r['ensemble']['auc'])}, MCC {_f(r['ensemble']['mcc'])}")
    return lines


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('files', nargs='+', help='fold test prediction files')
    p.add_argument('--out', required=True, help='output folder')
    p.add_argument('--threshold', type=float, default=0.5)
    p.add_argument('--method', choices=('mean', 'median'), default='mean')
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(p)
    args = p.parse_args(argv)
    missing = [f for f in args.files if not osp.isfile(f)]
    if missing:
        print(f'error: prediction files not found: {missing}',
              file=sys.stderr)
        return 2
    try:
        report = write_fold_ensemble(args.files, args.out, args.threshold,
                                     args.method)
    except ValueError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    for line in format_report(report):
        print(line)
    print(f"written: {osp.join(args.out, 'fold_ensemble.json')}")
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
