"""Choose a model's operating point on validation series and store it next
to the checkpoint, where tools/infer.py and mmdsa.apis.init_model find it.

    python tools/analysis_tools/calibrate_threshold.py CONFIG CHECKPOINT
        [--predictions VAL.json] [--split val] [--method youden|sens-at-spec]
        [--specificity 0.95] [--cfg-options k=v ...] [--no-scope]
        [--scope-quantile 0.95] [--scope-margin 1.5] [--scope-slack 0.5]

Without ``--predictions`` the model is run on the config's ``val`` split
(``--split``) with the test pipeline of that split and the series score of
the model (its ``series_post_processor`` for a detector, as inference
does), and the predictions are kept in
``<checkpoint stem>.<split>_predictions.json``. With ``--predictions`` an
existing prediction file (``docs/contracts.md``, e.g. a metric's
``prediction_file`` on the validation split) chooses the threshold (the
scope calibration below still runs the model on the training and
validation series unless ``--no-scope``).

Writes ``<checkpoint stem>.operating_point.json``: the threshold, the
method, the sensitivity / specificity reached on those series, and which
file (with its SHA-256) chose it. Youden's J is the default;
``--method sens-at-spec --specificity 0.95`` gives the most sensitive
threshold whose validation specificity is >= 95 %.

The same file holds the model's scope (``scope``, docs/scope.md): the
ranges of the training series' headers (modalities, number of frames,
frame rate, image size, subtraction) widened by ``--scope-slack``, and a
Mahalanobis distance model of the training series' pooled backbone
features whose threshold is the ``--scope-quantile`` quantile of the
validation series' distances times ``--scope-margin``. ``--no-scope``
leaves it out (inference then runs only the rules that need no training
data).
"""
import argparse
import json
import os.path as osp
import sys
import tempfile

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

MARKER = 'mmdsa calibrate_threshold'


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--predictions',
                        help='validation prediction file to use instead of '
                        'running the model')
    parser.add_argument('--split', default='val',
                        help='dataloader whose series choose the point '
                        '(default: val; never use the test split)')
    parser.add_argument('--method', default='youden',
                        choices=['youden', 'sens-at-spec'])
    parser.add_argument('--specificity', type=float, default=0.95,
                        help='required specificity for sens-at-spec')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--no-scope', action='store_true',
                        help='do not calibrate the scope check')
    parser.add_argument('--scope-quantile', type=float, default=None,
                        help='quantile of the validation feature distances '
                        '(default 0.95)')
    parser.add_argument('--scope-margin', type=float, default=None,
                        help='factor on that quantile (default 1.5)')
    parser.add_argument('--scope-slack', type=float, default=None,
                        help='relative widening of the training header '
                        'ranges (default 0.5)')
    parser.add_argument('--device', default='cpu',
                        help='device for the scope calibration')
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(parser)
    return parser.parse_args(argv)


def calibrate_model_scope(args):
    """The ``scope`` entry of the sidecar: header limits from the training
    split, the feature-distance threshold from ``args.split``."""
    from mmdsa.apis import init_model
    from mmdsa.apis import scope as scope_lib
    model = init_model(args.config, args.checkpoint, device=args.device,
                       cfg_options=args.cfg_options)
    train = scope_lib.split_series_paths(model.cfg, 'train')
    val = scope_lib.split_series_paths(model.cfg, args.split)

    def pick(value, default):
        return default if value is None else value

    return scope_lib.calibrate_scope(
        model, train, val,
        quantile=pick(args.scope_quantile, scope_lib.DEFAULT_QUANTILE),
        margin=pick(args.scope_margin, scope_lib.DEFAULT_MARGIN),
        slack=pick(args.scope_slack, scope_lib.DEFAULT_SLACK))


def scoring_metric(evaluator):
    """A test-evaluator metric that scores series the way inference does:
    for a detector, the model's own series rule (``post_processor='model'``,
    the ``SeriesDetectionMetric`` default; inference applies
    ``SpatioTemporalDetector.post_process_series``), else the first metric
    (the recognizer's probability)."""
    metrics = list(evaluator) if isinstance(evaluator, (list, tuple)) \
        else [evaluator]
    for metric in metrics:
        if isinstance(metric, dict) and str(metric.get('type', '')).endswith(
                'SeriesDetectionMetric'):
            return dict(metric, post_processor='model')
    return dict(metrics[0])


def _check_ours(path):
    """Refuse to replace a file this tool did not write."""
    if not osp.exists(path):
        return
    try:
        with open(path) as f:
            ours = str(json.load(f).get('model', '')).startswith(MARKER)
    except (OSError, ValueError, AttributeError):
        ours = False
    if not ours:
        raise ValueError(f'{path}: exists and was not written by '
                         f'{MARKER}; move it away first')


def predict_split(config, checkpoint, split, out_file, cfg_options=None):
    """Run the model on a split's series and write their prediction file."""
    import mmdsa  # noqa: F401  (version checks)
    from mmengine.config import Config
    from mmengine.runner import Runner

    from mmdsa.utils import register_all_modules
    from mmdsa.utils.compat import use_checkpoint_loader
    register_all_modules(init_default_scope=False)
    from mmdsa.utils.cli import load_config
    cfg = load_config(config, cfg_options)
    loader = cfg.get(f'{split}_dataloader')
    if not loader:
        raise ValueError(f'{config}: field "{split}_dataloader": expected a '
                         'dataloader to calibrate on, got none')
    metric = scoring_metric(cfg.test_evaluator)
    metric.update(prediction_file=osp.abspath(out_file),
                  model_name=f'{MARKER}: {osp.basename(checkpoint)} on '
                  f'{split}')
    _check_ours(out_file)
    cfg.test_dataloader = loader
    cfg.test_evaluator = metric
    cfg.load_from = checkpoint
    cfg.launcher = 'none'
    with tempfile.TemporaryDirectory(prefix='mmdsa_calibrate_') as tmp:
        cfg.work_dir = tmp
        runner = use_checkpoint_loader(Runner.from_cfg(cfg))
        runner.test()
        del runner
    return out_file


def main(argv=None):
    args = parse_args(argv)
    from mmdsa.apis.operating_point import (OperatingPointError,
                                            operating_point_from_predictions,
                                            task_of_config,
                                            write_operating_point)
    from mmdsa.utils.cli import load_config
    method = args.method.replace('-', '_')
    try:
        if not osp.isfile(args.checkpoint):
            raise ValueError(f'{args.checkpoint}: checkpoint not found')
        if not 0.0 <= args.specificity <= 1.0:
            raise ValueError('--specificity: expected a value in [0, 1], '
                             f'got {args.specificity}')
        if args.split == 'test':
            raise ValueError('--split: choosing the operating point on the '
                             'test split would bias every test result; use '
                             'val')
        predictions = args.predictions
        if predictions is None:
            predictions = osp.splitext(args.checkpoint)[0] + \
                f'.{args.split}_predictions.json'
            predict_split(args.config, args.checkpoint, args.split,
                          predictions, args.cfg_options)
        task = task_of_config(load_config(args.config, args.cfg_options))
        point = operating_point_from_predictions(predictions, method,
                                                 args.specificity, args.split,
                                                 task=task)
        if not args.no_scope:
            point['scope'] = calibrate_model_scope(args)
        path = write_operating_point(args.checkpoint, point)
    except (OperatingPointError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    summary = {k: point[k] for k in ('threshold', 'method', 'sensitivity',
                                     'specificity', 'num_series')}
    if 'scope' in point:
        distance = point['scope']['limits']['distance']
        summary['scope_distance_threshold'] = distance['threshold']
        summary['scope_series'] = dict(train=point['scope']['train_series'],
                                       val=point['scope']['val_series'])
    print(json.dumps(summary))
    print(f'wrote {path}')
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
