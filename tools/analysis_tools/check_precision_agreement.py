"""Agreement of bf16 and fp32 inference on a test split.

Runs :func:`mmdsa.apis.inference_series` on every series of the config's
test split (or ``--split``) at fp32 and at bf16 and prints:

- the largest and the median absolute difference of the series scores
  (detector: series score; recognizer: P(thrombus)); target <= 0.02;
- the share of series whose verdict at the model's operating point (the
  checkpoint's sidecar, :func:`mmdsa.apis.operating_point.model_decision`)
  is the same; target >= 98 %. When the operating point's threshold lies
  outside the range of the scores (a degenerate toy model) every verdict is
  trivially the same, so the share is also printed at the median fp32
  score, the threshold the most series lie close to;
- the ROC AUC of each precision with its 95 % percentile bootstrap interval
  (:func:`mmdsa.evaluation.functional.bootstrap_ci`, the same resamples for
  both) and whether each AUC lies inside the other's interval;
- detectors: the share of series whose score differs by more than 0.02,
  the same differences under the max-score rule (the largest box score of
  the series, a continuous function of the box scores), and the number of
  series whose kept trajectory differs between the precisions: the
  trajectory optimiser's choice is discontinuous in the box scores, so a
  tiny score change can switch it to another trajectory with another mean.

Synthetic splits are generated on first use (as ``tools/test.py`` does);
``--num-series`` generates a larger synthetic split under ``--data-root``
instead of the config's (series for the perforation task, PA+LAT pairs for
the thrombus task).

The last line is ``agreement: max |d score| X, verdicts Y %, AUCs within
intervals: yes|no``.

Example::

    python tools/analysis_tools/check_precision_agreement.py \\
        demo_output/configs/demo_perforation.py \\
        demo_output/work/perforation/epoch_8.pth --num-series 40 \\
        --data-root /tmp/agreement_perforation
"""
import argparse
import os.path as osp
import sys

import numpy as np
import torch

PRECISIONS = ('fp32', 'bf16')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--split', default='test',
                        choices=['train', 'val', 'test'])
    parser.add_argument('--num-series', type=int, default=None,
                        help='generate a synthetic split of this size '
                        '(needs --data-root)')
    parser.add_argument('--data-root', default=None,
                        help='folder for the generated split (created; '
                        'must not hold other files)')
    parser.add_argument('--seed', type=int, default=123,
                        help='seed of the generated split')
    parser.add_argument('--score-thr', type=float, default=None,
                        help="detector: override the head's score cut (and "
                        "the series optimiser's), e.g. 0 for a barely "
                        'trained model whose boxes all score below it')
    parser.add_argument('--bootstrap', type=int, default=1000)
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args(argv)
    if (args.num_series is None) != (args.data_root is None):
        parser.error('--num-series and --data-root go together')
    return args


def split_series(cfg, split):
    """``[(path, label)]`` of every series of ``cfg``'s ``split`` dataset
    (built once: synthetic data is generated on first use)."""
    from mmdsa.registry import DATASETS
    dataset = DATASETS.build(cfg[f'{split}_dataloader'].dataset)
    series = {}
    for info in dataset.load_data_list() if not dataset.data_list \
            else dataset.data_list:
        label = info.get('series_label', info.get('gt_label'))
        series.setdefault(info['img_path'], int(label))
    return sorted(series.items())


def agreement(scores, verdicts, labels, threshold, n_boot):
    """Figures of the module doc from per-precision arrays."""
    from mmdsa.evaluation.functional import binary_roc_auc, bootstrap_ci
    ref, low = (np.asarray(scores[p], float) for p in PRECISIONS)
    diff = np.abs(ref - low)
    same = np.mean(np.asarray(verdicts['fp32']) ==
                   np.asarray(verdicts['bf16']))
    median = float(np.median(ref))
    same_median = np.mean((ref >= median) == (low >= median))
    out = dict(max_diff=float(diff.max()), median_diff=float(
        np.median(diff)), verdicts_same=float(same), threshold=threshold,
        median_threshold=median, verdicts_same_median=float(same_median),
        degenerate=not (ref.min() < threshold <= ref.max()))
    if len(set(labels)) == 2:
        for p in PRECISIONS:
            s = np.asarray(scores[p], float)
            out[f'auc_{p}'] = binary_roc_auc(labels, s)
            out[f'ci_{p}'] = bootstrap_ci(binary_roc_auc, labels, s,
                                          n=n_boot)
        out['within'] = all(
            out[f'ci_{q}'][0] <= out[f'auc_{p}'] <= out[f'ci_{q}'][1]
            for p, q in (('fp32', 'bf16'), ('bf16', 'fp32')))
    return out


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    from mmengine.config import Config
    from mmengine.utils import ProgressBar

    from mmdsa.apis import inference_series, init_model, is_detector
    from mmdsa.apis.experiment import set_synthetic_data
    from mmdsa.utils import register_all_modules
    from mmdsa.utils.cli import ToolError
    from mmdsa.utils.precision import cpu_supports_bf16
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.num_series is not None:
        if osp.isdir(args.data_root) and not osp.isdir(
                osp.join(args.data_root, args.split)):
            raise ToolError(f'{args.data_root}: --data-root: expected a new '
                            'folder or one this tool generated, got a folder '
                            f'without {args.split}/')
        image_size = cfg[f'{args.split}_dataloader'].dataset.get(
            'synthetic', {}).get('image_size')
        sizes = {s: args.num_series for s in ('train', 'val', 'test')}
        set_synthetic_data(cfg, args.data_root, sizes, args.seed, image_size)
    model = init_model(cfg, args.checkpoint)
    detector = is_detector(model)
    if args.score_thr is not None:
        if not detector:
            raise ToolError('--score-thr: expected a detector config, got '
                            f'a recognizer ({args.config})')
        model.detector.test_cfg.score_thr = args.score_thr
        if getattr(model.series_post_processor, 'score_thr', None) \
                is not None:
            model.series_post_processor.score_thr = args.score_thr
        print(f'score cut lowered to {args.score_thr}')
    series = split_series(cfg, args.split)
    print(f'{len(series)} series ({sum(l for _, l in series)} positive) of '
          f'the {args.split} split; native bf16 on this CPU: '
          f'{cpu_supports_bf16()}')
    scores = {p: [] for p in PRECISIONS}
    verdicts = {p: [] for p in PRECISIONS}
    max_box = {p: [] for p in PRECISIONS}
    tracks = {p: [] for p in PRECISIONS}
    threshold = None
    progress = ProgressBar(len(series))
    for path, _ in series:
        for p in PRECISIONS:
            result = inference_series(model, path, precision=p)
            scores[p].append(result['series_score'] if detector else
                             result['probability'])
            verdicts[p].append(result['decision']['verdict'])
            threshold = result['decision']['threshold']
            if detector:
                max_box[p].append(max(
                    (float(np.max(s)) for _, s in result['detections']
                     if len(s)), default=0.0))
                tracks[p].append(sorted(
                    int(f) for f in result.get('trajectory', {})))
        progress.update()
    print()
    labels = np.array([label for _, label in series])
    fig = agreement(scores, verdicts, labels, threshold, args.bootstrap)
    print(f"series scores: max |fp32 - bf16| {fig['max_diff']:.4f}, median "
          f"{fig['median_diff']:.5f}")
    if detector:
        d = np.abs(np.subtract(scores['fp32'], scores['bf16']))
        dm = np.abs(np.subtract(max_box['fp32'], max_box['bf16']))
        switched = np.array([a != b for a, b in zip(tracks['fp32'],
                                                     tracks['bf16'])])
        big = d > 0.02
        print(f'series scores differing by more than 0.02: '
              f'{int(big.sum())} of {len(d)}; kept trajectory on other '
              f'frames: {int(switched.sum())} series, '
              f'{int((big & switched).sum())} of the {int(big.sum())} '
              'among them')
        print(f'max-score rule (largest box score): max |fp32 - bf16| '
              f'{dm.max():.4f}, median {np.median(dm):.5f}')
    note = ', outside the score range: trivially equal' \
        if fig['degenerate'] else ''
    print(f'verdicts at the operating point (threshold {threshold:.4f}'
          f"{note}): {100 * fig['verdicts_same']:.1f} % identical")
    print(f"verdicts at the median fp32 score ({fig['median_threshold']:.4f})"
          f": {100 * fig['verdicts_same_median']:.1f} % identical")
    within = 'n/a (one class)'
    if 'within' in fig:
        for p in PRECISIONS:
            lo, hi = fig[f'ci_{p}']
            print(f"AUC {p}: {fig[f'auc_{p}']:.4f} (95 % bootstrap "
                  f'{lo:.4f}-{hi:.4f}, {args.bootstrap} resamples)')
        within = 'yes' if fig['within'] else 'no'
    print(f"agreement: max |d score| {fig['max_diff']:.4f}, verdicts "
          f"{100 * fig['verdicts_same']:.1f} %, AUCs within intervals: "
          f'{within}')
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
