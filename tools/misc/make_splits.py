"""Write a patient-level split file for a classification or detection
annotation file.

Examples::

    # classification paper: first 20 % of patients (by time) = test,
    # 5 contiguous chronological folds on the rest
    python tools/misc/make_splits.py data/dsa/thrombus.json \
        --method chronological_kfold --test-fraction 0.2 --folds 5 \
        --out data/dsa/thrombus_split.json
    # detection paper: stratified 10-fold, grouped by patient
    python tools/misc/make_splits.py data/dsa/perforation.json \
        --method stratified_group_kfold --folds 10 --seed 0 \
        --out data/dsa/perforation_split.json
"""
import argparse
import sys

from mmdsa.datasets import (AnnotationError, chronological_kfold,
                            series_records, stratified_group_kfold,
                            write_split)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('ann', help='annotation JSON (either format)')
    parser.add_argument('--method', required=True,
                        choices=['chronological_kfold',
                                 'stratified_group_kfold'])
    parser.add_argument('--test-fraction', type=float, default=0.2,
                        help='chronological_kfold: share of test patients')
    parser.add_argument('--folds', type=int, default=5)
    parser.add_argument('--seed', type=int, default=0,
                        help='stratified_group_kfold: tie shuffling seed')
    parser.add_argument('--out', required=True, help='split JSON to write')
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        records = series_records(args.ann)
        if args.method == 'chronological_kfold':
            split = chronological_kfold(records, args.test_fraction,
                                        args.folds)
        else:
            split = stratified_group_kfold(records, args.folds, args.seed)
    except (AnnotationError, ValueError) as exc:
        print(f'make_splits: error: {exc}', file=sys.stderr)
        return 2
    split['source'] = args.ann
    write_split(split, args.out)
    labels = {}
    for r in records:
        labels.setdefault(r['patient_id'], []).append(r['label'])
    print(f'{args.out}: {len(labels)} patients, {len(records)} series, '
          f"test {len(split['test'])} patients")
    for k, fold in enumerate(split['folds']):
        pos = sum(sum(labels[p]) for p in fold['val'])
        n = sum(len(labels[p]) for p in fold['val'])
        print(f"  fold {k}: train {len(fold['train'])} / val "
              f"{len(fold['val'])} patients ({n} series, {pos} positive)")
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
