"""Generate the synthetic DSA data sets (thrombus pairs / perforation series).

Examples::

    python tools/misc/make_synthetic_dsa.py --task both --out data/synth \
        --num 200 --seed 0 --size 256 --difficulty medium --contact-sheet

``--task both`` writes ``OUT/thrombus/`` and ``OUT/perforation/``; a single
task writes straight into ``OUT``. ``--num`` counts PA+LAT pairs for the
thrombus task and series for the perforation task.

Each set is generated into a temporary sibling folder and swapped in only
when complete (contact sheets included), so a killed or repeated run never
leaves a mix of old and new files. An existing folder is replaced only when
it is empty or a set this tool made (it holds the marker
``synth_params.json`` and nothing else); a folder holding anything else is
refused with ``error: ...`` and exit status 2.
"""
import argparse
import json
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

from mmdsa.synth import (DIFFICULTIES, contact_sheet,  # noqa
                         ensure_synthetic_dataset)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--task', choices=['thrombus', 'perforation', 'both'],
                        default='both')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--num', type=int, default=100,
                        help='pairs (thrombus) / series (perforation)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--size', type=int, default=256, help='image side')
    parser.add_argument('--frames', type=int, nargs=2, default=(8, 20),
                        metavar=('MIN', 'MAX'), help='frames per series')
    parser.add_argument('--positive-fraction', type=float, default=0.5)
    parser.add_argument('--difficulty', default='medium',
                        choices=list(DIFFICULTIES),
                        help="see docs/getting_started.md; "
                        "'temporal-controlled' is for --task perforation")
    parser.add_argument('--workers', type=int, default=0,
                        help='processes (0 = this process)')
    parser.add_argument('--contact-sheet', action='store_true',
                        help='also write PNG contact sheets of a few series')
    parser.add_argument('--num-sheets', type=int, default=4)
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(parser)
    return parser.parse_args(argv)


def write_sheets(ann_file, num):
    """Contact sheets of the first ``num`` positive and negative series."""
    root = osp.dirname(ann_file)
    with open(ann_file, encoding='utf-8') as f:
        ann = json.load(f)
    out = []
    if 'data_list' in ann:
        for label in (1, 0):
            items = [e for e in ann['data_list'] if e['label'] == label][:num]
            for e in items:
                out.append(contact_sheet(
                    osp.join(root, e['file']),
                    osp.join(root, 'contact_sheets', f"{e['series_id']}.png"),
                    points=e['thrombus_points']))
    else:
        boxes = {}
        for a in ann['annotations']:
            boxes[a['image_id']] = a['bbox']
        for label in (1, 0):
            vids = [v for v in ann['videos'] if v['label'] == label][:num]
            for v in vids:
                imgs = sorted((i for i in ann['images']
                               if i['video_id'] == v['id']),
                              key=lambda i: i['frame_id'])
                out.append(contact_sheet(
                    osp.join(root, v['file']),
                    osp.join(root, 'contact_sheets', f"{v['name']}.png"),
                    boxes=[boxes.get(i['id']) for i in imgs]))
    return out


def main(argv=None):
    args = parse_args(argv)
    if args.difficulty == 'temporal-controlled' and \
            args.task != 'perforation':
        print(f"error: --difficulty temporal-controlled: expected --task "
              f"perforation, got --task {args.task}", file=sys.stderr)
        return 2
    tasks = ['thrombus', 'perforation'] if args.task == 'both' \
        else [args.task]
    for task in tasks:
        out = osp.join(args.out, task) if args.task == 'both' else args.out
        kwargs = dict(seed=args.seed, image_size=args.size,
                      num_frames=tuple(args.frames),
                      positive_fraction=args.positive_fraction,
                      difficulty=args.difficulty, workers=args.workers)
        kwargs['num_pairs' if task == 'thrombus' else 'num_series'] = \
            args.num
        sheets = []

        def finish(folder, ann_file):
            if args.contact_sheet:
                sheets.extend(write_sheets(ann_file, args.num_sheets))

        start = time.time()
        print(f'{task}: generating {args.num} '
              f"{'pairs' if task == 'thrombus' else 'series'} into {out}")
        try:
            ann = ensure_synthetic_dataset(out, task, regenerate=True,
                                           finish=finish, **kwargs)
        except (FileExistsError, ValueError) as exc:
            print(f'error: {exc}', file=sys.stderr)
            return 2
        print(f'\n{task}: {ann} ({time.time() - start:.1f} s)')
        for path in sheets:
            rel = osp.relpath(path, osp.dirname(osp.dirname(path)))
            print(f'contact sheet: {osp.join(osp.abspath(out), rel)}')
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
