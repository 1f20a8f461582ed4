"""Compare the ROC-AUCs of two prediction files with DeLong's test.

    python tools/analysis_tools/delong_compare.py A.json B.json

Both files must hold the same series with the same labels; they are
matched by ``series_id``. Prints both AUCs, z and the two-sided p-value.
"""
import argparse
import sys
from typing import List, Optional

import numpy as np


def paired_scores(path_a: str, path_b: str):
    """Labels and both files' scores aligned by series id.

    Raises:
        ValueError: Different series sets or different labels, naming the
            files and series ids.
    """
    from mmdsa.evaluation.metrics.prediction_files import (
        check_same_task, load_prediction_file)
    data_a, data_b = load_prediction_file(path_a), load_prediction_file(
        path_b)
    check_same_task([data_a, data_b], [path_a, path_b])
    a = {p['series_id']: p for p in data_a['predictions']}
    b = {p['series_id']: p for p in data_b['predictions']}
    only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
    if only_a or only_b:
        raise ValueError(f'series sets differ: only in {path_a}: '
                         f'{only_a[:10]}; only in {path_b}: {only_b[:10]}')
    ids = sorted(a)
    wrong = [i for i in ids if a[i]['label'] != b[i]['label']]
    if wrong:
        raise ValueError(f'labels differ between {path_a} and {path_b} for '
                         f'series {wrong[:10]}')
    return (ids, np.array([a[i]['label'] for i in ids]),
            np.array([a[i]['score'] for i in ids]),
            np.array([b[i]['score'] for i in ids]))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('file_a')
    parser.add_argument('file_b')
    args = parser.parse_args(argv)
    from mmdsa.evaluation.functional import delong_test
    try:
        ids, y, sa, sb = paired_scores(args.file_a, args.file_b)
        res = delong_test(y, sa, sb)
    except ValueError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(f'series: {len(ids)} ({int(y.sum())} positive)')
    print(f'AUC A ({args.file_a}): {res.auc_a:.4f}')
    print(f'AUC B ({args.file_b}): {res.auc_b:.4f}')
    print(f'z = {res.z:.4f}, p = {res.p_value:.4g} (two-sided DeLong)')
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
