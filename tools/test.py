"""Evaluate a checkpoint on a config's test set (thin, mmdet-style).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR]
        [--out FILE.pkl|FILE.json] [--show-dir DIR]
        [--cfg-options k=v ...] [--launcher none|pytorch|slurm]
        [--force] [--no-scope] [--max-oblique DEG]

Before evaluating, every test series goes through the scope check
(docs/scope.md) with the checkpoint's calibrated scope. Series out of scope
are left out of the metrics, as a user would get no verdict for them; they
are listed with their reasons in WORK_DIR/scope.json and counted in the
log line ``scope: N of M test series out of scope, excluded``. ``--force``
keeps them in the metrics (still counted and listed); ``--no-scope`` skips
the check (one model pass over the test series less).

``--out`` dumps the raw predictions (every test data sample) as a pickle
(MMEngine's ``DumpResults``) or as JSON (``DumpJSONResults``).
``--show-dir DIR`` writes one picture per test series (the detector's
boxes, the boxes kept by the series rule and the reference boxes; or the
recognizer's score), drawn from the series prediction file of the test
metric (``DIR/predictions.json`` unless the config names one).

Checkpoints load with ``torch.load(weights_only=True)`` and an allow-list of
MMEngine's own types (mmdsa.utils.compat); anything else is refused. The
checkpoint must fit the model exactly unless ``--allow-partial-checkpoint``.
A missing, truncated, unsafe or non-fitting checkpoint gives one line
``error: ...`` and exit status 2.
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test an mmdsa model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    parser.add_argument(
        '--out',
        type=str,
        help='dump the raw predictions to a pickle (.pkl/.pickle) or JSON '
        '(.json) file')
    parser.add_argument(
        '--show-dir',
        help='write one picture per test series into this folder')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. test_evaluator.threshold=0.4')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--allow-partial-checkpoint',
        action='store_true',
        help='evaluate a checkpoint whose weights do not fit the model '
        'exactly (default: refuse it)')
    parser.add_argument(
        '--force',
        action='store_true',
        help='evaluate series out of scope too (they are still listed)')
    parser.add_argument('--no-scope', action='store_true',
                        help='skip the scope check of the test series')
    parser.add_argument('--max-oblique', type=float, default=None,
                        help='view rule limit in degrees (default 20)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(parser)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if args.out is not None and \
            not args.out.endswith(('.pkl', '.pickle', '.json')):
        parser.error('--out: expected a .pkl, .pickle or .json file, got '
                     f'{args.out}')
    return args


def main(argv=None):
    args = parse_args(argv)
    import mmdsa  # noqa: F401  (version checks)
    from mmdsa.utils import register_all_modules
    from mmdsa.synth.dataset import ForeignFilesError
    from mmdsa.utils.checkpoint import REFUSED_CHECKPOINT_ERRORS
    from mmdsa.utils.compat import (adapt_config_for_cpu_distributed,
                                     init_cpu_distributed,
                                     use_checkpoint_loader)
    register_all_modules(init_default_scope=False)
    if not osp.isfile(args.checkpoint):
        return _refuse(f'{args.checkpoint}: checkpoint not found (no such '
                       'file)')
    if args.out is not None and osp.isdir(args.out):
        return _refuse(f'{args.out}: --out must be a .pkl or .json file, '
                       'but it is an existing folder')
    from mmdsa.evaluation.metrics import AtomicDumpResults
    from mmdsa.utils.cli import load_config
    from mmdsa.utils.fileio import check_new_output
    if args.out is not None:
        check_new_output(args.out)

    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if not args.allow_partial_checkpoint:
        cfg.custom_hooks = list(cfg.get('custom_hooks', None) or []) + [
            dict(type='mmdsa.StrictLoadHook', filename=args.checkpoint)]
    prediction_file = None
    if args.show_dir is not None:
        prediction_file = _series_prediction_file(cfg, args.show_dir)
        if prediction_file is None:
            return _refuse(f'{args.config}: field "test_evaluator": --show-dir'
                           ' expected a SeriesDetectionMetric or '
                           'SeriesClassificationMetric, got none')
    if init_cpu_distributed(args.launcher):
        adapt_config_for_cpu_distributed(cfg)

    from mmdsa.apis.scope import ScopeError
    try:
        scope = None if args.no_scope else _scope_check(cfg, args)
    except REFUSED_CHECKPOINT_ERRORS + (ForeignFilesError,
                                        ScopeError) as exc:
        return _refuse(exc)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg \
        else RUNNERS.build(cfg)
    use_checkpoint_loader(runner)  # load_from / resume: the safe loader
    if args.out is not None and args.out.endswith('.json'):
        from mmdsa.evaluation.metrics import DumpJSONResults
        runner.test_evaluator.metrics.append(
            DumpJSONResults(out_file_path=args.out))
    elif args.out is not None:
        runner.test_evaluator.metrics.append(
            AtomicDumpResults(out_file_path=args.out))
    try:
        metrics = runner.test()
    except REFUSED_CHECKPOINT_ERRORS + (ForeignFilesError, ) as exc:
        return _refuse(exc)
    if scope is not None:
        metrics = dict(metrics or {})
        metrics['scope/num_series'] = scope['num_series']
        metrics['scope/out_of_scope'] = scope['num_out_of_scope']
        metrics['scope/excluded'] = 0 if scope['forced'] else \
            scope['num_out_of_scope']
    if args.show_dir is not None:
        _show_series(cfg, prediction_file, args.show_dir)
    return metrics


def _scope_check(cfg, args):
    """Scope of every test series; out-of-scope samples are dropped from
    the test dataset unless --force. Writes WORK_DIR/scope.json."""
    from mmengine.logging import print_log

    from mmdsa.apis import init_model
    from mmdsa.apis import scope as scope_lib
    from mmdsa.utils.fileio import write_json_atomic
    if not scope_lib.is_series_config(cfg, 'test'):
        print_log('scope: the test split does not read DSA series '
                  '(no LoadDSASeries / LoadDSAWindow); not checked',
                  logger='current')
        return None
    model = init_model(cfg, args.checkpoint,
                       strict=not args.allow_partial_checkpoint)
    report = scope_lib.scope_split(
        model, cfg, 'test', force=args.force,
        max_oblique_deg=scope_lib.DEFAULT_MAX_OBLIQUE_DEG
        if args.max_oblique is None else args.max_oblique)
    del model
    if not report['kept_indices']:
        raise scope_lib.ScopeError(
            f'{args.config}: every test series is out of scope '
            f'({report["num_series"]}); see the reasons with --force or '
            'tools/infer.py')
    if len(report['kept_indices']) < report['num_samples']:
        dataset = cfg.test_dataloader.dataset
        while 'dataset' in dataset and 'pipeline' not in dataset:
            dataset = dataset.dataset
        dataset.indices = report['kept_indices']
    report['file'] = write_json_atomic(
        osp.join(cfg.work_dir, 'scope.json'),
        {k: v for k, v in report.items() if k != 'kept_indices'}, indent=2)
    action = 'kept (--force)' if args.force else 'excluded'
    print_log(f'scope: {report["num_out_of_scope"]} of '
              f'{report["num_series"]} test series out of scope, {action}'
              + ('' if report['calibrated'] else
                 ' (no calibrated scope: header rules only)'),
              logger='current')
    for entry in report['out_of_scope']:
        print_log(f'scope: out of scope: {entry["series"]}: '
                  + '; '.join(entry['reasons']), logger='current')
    return report


SERIES_METRICS = ('SeriesDetectionMetric', 'SeriesClassificationMetric',
                  'mmdsa.SeriesDetectionMetric',
                  'mmdsa.SeriesClassificationMetric')


def _series_prediction_file(cfg, show_dir):
    """The series prediction file of the first series metric of the test
    evaluator (set to ``show_dir/predictions.json`` when it names none),
    or None without such a metric."""
    evaluator = cfg.get('test_evaluator', None)
    metrics = evaluator if isinstance(evaluator, list) else [evaluator]
    for metric in metrics:
        if isinstance(metric, dict) and metric.get('type') in SERIES_METRICS:
            if not metric.get('prediction_file'):
                metric['prediction_file'] = osp.join(show_dir,
                                                     'predictions.json')
            return metric['prediction_file']
    return None


def _show_series(cfg, prediction_file, show_dir):
    """One picture per series of the prediction file, with progress."""
    from mmengine.dist import is_main_process
    from mmengine.utils import ProgressBar

    from mmdsa.apis.prediction_pictures import (draw_prediction,
                                                picture_name,
                                                scored_predictions,
                                                series_paths)
    from mmdsa.evaluation.metrics import load_prediction_file
    if not is_main_process():
        return
    records = scored_predictions(load_prediction_file(prediction_file))
    paths = series_paths(cfg)
    bar = ProgressBar(len(records))
    for record in records:
        draw_prediction(record, paths[str(record['series_id'])],
                        osp.join(show_dir, picture_name(record)))
        bar.update()
    print(f'\nwrote {len(records)} series pictures to {show_dir}')


def _refuse(message):
    """A refusal: one line on stderr, exit status 2."""
    print(f'error: {message}', file=sys.stderr)
    return 2


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
