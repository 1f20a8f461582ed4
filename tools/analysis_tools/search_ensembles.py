"""Systematic analysis of combinations (Mittmann et al.): the best 2 PA +
2 LAT model ensemble, chosen on validation predictions only.

    python tools/analysis_tools/search_ensembles.py variants.json \\
        --out work_dirs/ensemble_search.json [--select mcc] [--num-pa 2]
        [--num-lat 2] [--threshold 0.5]

``variants.json`` lists every trained variant (backbone + RNN, one view):

```
{"variants": [
  {"name": "resnet18-gru_pa", "view": "PA",
   "val": ["cv_r18_pa/predictions/fold_0_val.json", ...],
   "test": ["cv_r18_pa/predictions/fold_0_test.json", ...]},
  ...]}
```

Relative paths are relative to the manifest's folder. Per variant, the
``val`` files are pooled (the out-of-fold validation predictions of the
fold models: every series predicted by a model that did not train on it; a
series in several files gets the mean) and the ``test`` files are combined
into the fold ensemble (mean of the fold models). Every combination of
``--num-pa`` PA and ``--num-lat`` LAT variants is scored on the validation
pairs (equal-weight mean of the models' probabilities) and the best by
``--select`` is chosen; the best single pair (1 PA + 1 LAT variant) is
chosen the same way. The test set is only used to report the two chosen
ensembles: MCC / AUC (and the rest of the series metrics) on the test
pairs, and DeLong's test of the 4-model ensemble against the best single
pair. Writes ``--out`` (JSON, atomically) and prints a summary. Refusals
print ``error: ...`` and exit with status 2.
"""
import argparse
import json
import math
import os.path as osp
import sys
from typing import List, Optional

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from mmdsa.structures.views import PAIR_VIEWS  # noqa: E402


class ManifestError(ValueError):
    """A variants manifest that cannot be used."""


def load_manifest(path: str) -> dict:
    """Read the manifest and the prediction files it names.

    Returns:
        dict: name -> ``{'view', 'val': records, 'test': records}``.

    Raises:
        ManifestError: unreadable JSON, a missing field, a duplicated name,
            a view other than PA / LAT, or a missing / broken prediction
            file (the message names the manifest and the variant).
    """
    from mmdsa.evaluation.ensembles import combine_series, pool_records
    from mmdsa.evaluation.metrics import load_prediction_file
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError) as err:
        raise ManifestError(f'{path}: cannot read the manifest: {err}')
    items = data.get('variants') if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise ManifestError(f'{path}: expected {{"variants": [...]}} with at '
                            f'least one variant, got {str(data)[:80]!r}')
    base = osp.dirname(osp.abspath(path))
    out = {}
    for i, v in enumerate(items):
        where = f'{path}: variants[{i}]'
        if not isinstance(v, dict):
            raise ManifestError(f'{where}: expected an object, got {v!r}')
        name = v.get('name')
        if not isinstance(name, str) or not name:
            raise ManifestError(f'{where}: field "name": expected a '
                                f'non-empty string, got {name!r}')
        where = f'{where} ({name})'
        if name in out:
            raise ManifestError(f'{where}: field "name": expected a unique '
                                'name, got a duplicate')
        if v.get('view') not in PAIR_VIEWS:
            raise ManifestError(f'{where}: field "view": expected "PA" or '
                                f'"LAT", got {v.get("view")!r}')
        loaded = {}
        for key in ('val', 'test'):
            files = v.get(key)
            if not isinstance(files, list) or not files or not all(
                    isinstance(f, str) for f in files):
                raise ManifestError(f'{where}: field "{key}": expected a '
                                    'non-empty list of prediction files, '
                                    f'got {files!r}')
            try:
                loaded[key] = {f: load_prediction_file(osp.join(base, f))
                               for f in files}
            except ValueError as err:
                raise ManifestError(f'{where}: field "{key}": {err}')
        try:
            val = pool_records(loaded['val'])
            test = combine_series(loaded['test'], 'mean')
        except ValueError as err:
            raise ManifestError(f'{where}: {err}')
        for key, recs in (('val', val), ('test', test)):
            views = {r.get('view') for r in recs}
            if views != {v['view']}:
                raise ManifestError(f'{where}: field "{key}": expected '
                                    f'{v["view"]} series only, got views '
                                    f'{sorted(map(str, views))}')
        out[name] = dict(view=v['view'], val=val, test=test)
    return out


def _f(x):
    return '-' if x is None or (isinstance(x, float) and math.isnan(x)) \
        else f'{x:.3f}'


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('manifest', help='variants JSON (see above)')
    p.add_argument('--out', required=True, help='result JSON')
    p.add_argument('--select', choices=('mcc', 'auc'), default='mcc',
                   help='validation criterion (ties: the other one)')
    p.add_argument('--num-pa', type=int, default=2)
    p.add_argument('--num-lat', type=int, default=2)
    p.add_argument('--threshold', type=float, default=0.5)
    p.add_argument('--top', type=int, default=10,
                   help='combinations printed')
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(p)
    args = p.parse_args(argv)
    from mmdsa.evaluation.ensembles import search_combinations
    from mmdsa.evaluation.metrics import write_json_atomic
    if args.num_pa < 1 or args.num_lat < 1:
        print('error: --num-pa and --num-lat: expected >= 1, got '
              f'{args.num_pa} and {args.num_lat}', file=sys.stderr)
        return 2
    try:
        variants = load_manifest(args.manifest)
        res = search_combinations(variants, args.num_pa, args.num_lat,
                                  args.select, args.threshold)
    except ValueError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    payload = {k: v for k, v in res.items() if k != 'records'}
    payload.update(manifest=osp.abspath(args.manifest),
                   predictions=res['records'])
    write_json_atomic(args.out, payload)
    print(f"{res['num_combinations']} combinations of {args.num_pa} PA + "
          f"{args.num_lat} LAT models, chosen on validation "
          f"{args.select}:")
    for row in res['ranking'][:args.top]:
        print(f"  val {args.select} {_f(row['val'][args.select])}  "
              f"PA {'+'.join(row['pa'])}  LAT {'+'.join(row['lat'])}")
    for key, label in (('best', 'best ensemble'),
                       ('best_single_pair', 'best single pair')):
        r = res[key]
        print(f"{label}: PA {'+'.join(r['pa'])}, LAT {'+'.join(r['lat'])}: "
              f"test MCC {_f(r['test']['mcc'])}, AUC {_f(r['test']['auc'])}"
              f" ({r['test']['num_pairs']} pairs)")
    if res['delong']:
        print(f"DeLong (ensemble vs single pair, test): z "
              f"{_f(res['delong']['z'])}, p {_f(res['delong']['p_value'])}")
    print(f'written: {args.out}')
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
