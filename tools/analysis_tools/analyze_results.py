"""The k best and k worst test series with pictures (in the spirit of
mmdet's tools/analysis_tools/analyze_results.py).

    python tools/analysis_tools/analyze_results.py CONFIG PREDICTIONS
        SHOW_DIR [--topk 5] [--split test]

PREDICTIONS is a series prediction file as the test metrics write it
(``prediction_file=...``, ``tools/test.py --show-dir`` or the demo's
``work/*/predictions*.json``). Series are ranked by the error of their
score against the reference label, ``|label - score|``; detection series
are re-scored with the file's series rule. Pictures go to
SHOW_DIR/best/ and SHOW_DIR/worst/ (``<rank>_<series>.png``), and the two
lists to SHOW_DIR/best_and_worst.json. The series files are found through
the config's ``<split>_dataloader``.
"""
import argparse
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from mmdsa.utils.cli import ToolError, run_tool  # noqa: E402


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='the config the predictions came from')
    parser.add_argument('predictions', help='series prediction file (.json)')
    parser.add_argument('show_dir', help='folder for the pictures')
    parser.add_argument('--topk', type=int, default=5,
                        help='how many best and worst series (default 5)')
    parser.add_argument('--split', default='test',
                        choices=['train', 'val', 'test'],
                        help='dataloader whose series the file holds')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from mmengine.config import Config
    from mmengine.utils import ProgressBar

    from mmdsa.apis.prediction_pictures import (best_and_worst,
                                                draw_prediction,
                                                picture_name,
                                                scored_predictions,
                                                series_paths)
    from mmdsa.evaluation.metrics import load_prediction_file
    from mmdsa.utils.fileio import write_json_atomic
    for path, what in ((args.config, 'config'),
                       (args.predictions, 'prediction file')):
        if not osp.isfile(path):
            raise ToolError(f'{path}: {what} not found (no such file)')
    if args.topk < 1:
        raise ToolError(f'--topk: expected at least 1, got {args.topk}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    try:
        data = load_prediction_file(args.predictions)
    except ValueError as err:
        raise ToolError(str(err)) from err
    records = scored_predictions(data)
    paths = series_paths(cfg, args.split)
    missing = [str(r['series_id']) for r in records
               if str(r['series_id']) not in paths]
    if missing:
        raise ToolError(
            f'{args.predictions}: field "series_id": expected series of the '
            f'{args.split} split of {args.config}, got {len(missing)} '
            f'unknown ones, e.g. {missing[:3]}')
    best, worst = best_and_worst(records, args.topk)
    bar = ProgressBar(len(best) + len(worst))
    listing = {}
    for kind, items in (('best', best), ('worst', worst)):
        listing[kind] = []
        for rank, record in enumerate(items, 1):
            out = osp.join(args.show_dir, kind,
                           picture_name(record, f'{rank:02d}_'))
            title = (f"{kind} {rank}: {record['series_id']}, score "
                     f"{float(record['score']):.3f}, reference label "
                     f"{int(record['label'])} (error "
                     f"{record['error']:.3f})")
            draw_prediction(record, paths[str(record['series_id'])], out,
                            title=title)
            listing[kind].append(dict(
                rank=rank, series_id=record['series_id'],
                label=int(record['label']), score=float(record['score']),
                error=record['error'], picture=osp.relpath(out,
                                                           args.show_dir)))
            bar.update()
    write_json_atomic(osp.join(args.show_dir, 'best_and_worst.json'),
                      dict(predictions=osp.abspath(args.predictions),
                           rule='error = |label - score|', **listing))
    print(f'\nwrote {len(best)} best and {len(worst)} worst series '
          f'pictures to {args.show_dir}')
    return 0


if __name__ == '__main__':
    sys.exit(run_tool(main))
