"""Contact sheet of perforations next to mimics ('temporal' and
'temporal-controlled' synthetic levels), as in docs/data_formats.md.

    python tools/misc/mimic_contact_sheet.py docs/mimics_vs_perforation.png
        [--size 192] [--frames 10]

Each row is one simulated PA run (every frame); the red box is the extent of
the row's event (the perforation or the mimic) in each frame.
"""
import argparse
import os
import os.path as osp
import sys
import tempfile

from PIL import Image, ImageDraw

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

from mmdsa.synth import contact_sheet, simulate_series  # noqa: E402
from mmdsa.utils.fileio import atomic_write  # noqa: E402

ROWS = (('temporal', 'perforation'), ('temporal', 'aneurysm'),
        ('temporal', 'noise_burst'), ('temporal-controlled', 'perforation'),
        ('temporal-controlled', 'mimic'))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out', help='output PNG')
    parser.add_argument('--size', type=int, default=192)
    parser.add_argument('--frames', type=int, default=10)
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(parser)
    return parser.parse_args(argv)


def find_seed(level, kind, frames):
    """First seed whose run shows ``kind`` (a perforation: by mid-run)."""
    pathology = 'perforation' if kind == 'perforation' else None
    for seed in range(500):
        s = simulate_series(seed, 'PA', pathology, level, 48, frames)
        evs = [e for e in s.info['events'] if e['kind'] == kind]
        if evs and (kind != 'perforation'
                    or evs[0]['profile'][frames // 2] > 0):
            return seed
    raise RuntimeError(f'no seed below 500 shows {kind!r} on {level!r}')


def row(level, kind, size, frames, tmp):
    seed = find_seed(level, kind, frames)
    pathology = 'perforation' if kind == 'perforation' else None
    s = simulate_series(seed, 'PA', pathology, level, size, frames)
    ev = [e for e in s.info['events'] if e['kind'] == kind][0]
    path = contact_sheet(s.frames, osp.join(tmp, 'row.png'),
                         boxes=ev['boxes'], columns=frames,
                         max_frames=frames)
    im = Image.open(path).convert('RGB')
    out = Image.new('RGB', (im.width, im.height + 16), (0, 0, 0))
    out.paste(im, (0, 16))
    what = 'positive' if pathology else 'negative'
    ImageDraw.Draw(out).text(
        (4, 2), f"'{level}' {what} run (seed {seed}): {kind}; profile "
        + ' '.join(f'{p:.2f}' for p in ev['profile']), fill=(255, 255, 255))
    return out


def main(argv=None):
    args = parse_args(argv)
    if args.size < 32 or args.frames < 5:
        print(f'error: expected --size >= 32 and --frames >= 5, got '
              f'{args.size} and {args.frames}', file=sys.stderr)
        return 2
    out_dir = osp.dirname(osp.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        rows = [row(level, kind, args.size, args.frames, tmp)
                for level, kind in ROWS]
    sheet = Image.new('RGB', (max(r.width for r in rows),
                              sum(r.height for r in rows)), (0, 0, 0))
    y = 0
    for r in rows:
        sheet.paste(r, (0, y))
        y += r.height
    atomic_write(args.out, writer=lambda tmp: sheet.save(tmp, format='PNG'))
    print(args.out)
    return 0


if __name__ == '__main__':
    from mmdsa.utils.cli import run_tool
    sys.exit(run_tool(main))
