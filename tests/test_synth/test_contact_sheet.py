import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmdsa.synth import contact_sheet, generate_perforation_dataset

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'tools' /
                       'misc'))
import make_synthetic_dsa  # noqa: E402


def test_sheet_grid_and_box(tmp_path):
    frames = np.full((4, 20, 30), 2048, np.uint16)
    out = contact_sheet(frames, str(tmp_path / 's.png'),
                        boxes=[None, None, None, [5, 6, 10, 8]], columns=2)
    img = np.asarray(Image.open(out).convert('RGB'))
    assert img.shape == (2 * 22, 2 * 32, 3)
    # frame 3 sits at row 1, column 1: its box's top edge is red
    y0, x0 = 22 + 6, 32 + 5
    assert tuple(img[y0, x0 + 4]) == (255, 0, 0)
    # no red in frame 0's box area
    assert not np.any(np.all(img[6, 5:15] == (255, 0, 0), axis=-1))
    with pytest.raises(ValueError, match='boxes'):
        contact_sheet(frames, str(tmp_path / 't.png'), boxes=[None])
    with pytest.raises(ValueError, match='frames'):
        contact_sheet(np.zeros((3, 3)), str(tmp_path / 't.png'))


def test_cli_writes_sets_and_sheets(tmp_path):
    make_synthetic_dsa.main(['--task', 'both', '--out', str(tmp_path),
                             '--num', '2', '--size', '48', '--frames', '4',
                             '5', '--contact-sheet', '--num-sheets', '1',
                             '--positive-fraction', '0.5'])
    assert (tmp_path / 'thrombus' / 'thrombus.json').is_file()
    assert (tmp_path / 'perforation' / 'perforation.json').is_file()
    for task in ('thrombus', 'perforation'):
        # one positive and one negative series per task
        sheets = sorted((tmp_path / task / 'contact_sheets').glob('*.png'))
        assert len(sheets) == 2
    png = next(tmp_path.rglob('contact_sheets/*.png'))
    assert Image.open(png).size[0] > 48


def test_sheet_from_dicom(tmp_path):
    ann = generate_perforation_dataset(str(tmp_path), num_series=1,
                                       image_size=40, num_frames=(3, 3),
                                       progress=False)
    dcm = next(Path(ann).parent.rglob('*.dcm'))
    out = contact_sheet(str(dcm), str(tmp_path / 'x.png'), columns=3)
    assert Image.open(out).size == (3 * 42, 42)
