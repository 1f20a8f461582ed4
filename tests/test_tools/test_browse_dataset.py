"""browse_dataset.py: one picture per packed sample, boxes drawn on the key
frame of a positive window, refusals as one error line."""
import os
import stat


from tests.conftest import run_tool

DET = 'configs/perforation/' \
    'retinanet_r18-tiny_fpn_tcm-t5_dr-iou_so_8e_synthetic-perforation.py'
CLS = 'configs/thrombus/cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py'


def _options(root, count_key, count):
    return ['--cfg-options', f'train_dataloader.dataset.data_root={root}/',
            f'train_dataloader.dataset.synthetic.{count_key}={count}',
            'train_dataloader.dataset.synthetic.image_size=48']


def _green(path):
    import cv2
    img = cv2.imread(str(path))
    return int(((img[..., 1] > 200) & (img[..., 0] < 80) &
                (img[..., 2] < 80)).sum())


def test_detection_windows_with_boxes(tmp_path):
    from mmengine.config import Config

    from mmdsa.registry import DATASETS
    from mmdsa.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(DET)
    cfg.train_dataloader.dataset.data_root = f'{tmp_path}/data/'
    cfg.train_dataloader.dataset.synthetic.num_series = 2
    cfg.train_dataloader.dataset.synthetic.image_size = 48
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    with_box = next(i for i in range(len(dataset))
                    if len(dataset[i]['data_samples'].gt_instances))
    without = next(i for i in range(len(dataset))
                   if not len(dataset[i]['data_samples'].gt_instances))
    out = tmp_path / 'browse'
    run_tool(['tools/analysis_tools/browse_dataset.py', DET, '--output-dir',
              out, '--indices', with_box, without] +
             _options(f'{tmp_path}/data', 'num_series', 2))
    files = sorted(out.iterdir())
    assert len(files) == 2
    by_index = {int(f.name[:4]): f for f in files}
    assert _green(by_index[with_box]) > 20
    assert _green(by_index[without]) == 0
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o666 & ~mask


def test_classification_groups_and_refusal(tmp_path):
    out = tmp_path / 'browse'
    proc = run_tool(['tools/analysis_tools/browse_dataset.py', CLS,
                     '--output-dir', out, '--num-samples', '2'] +
                    _options(f'{tmp_path}/data', 'num_pairs', 1))
    assert 'wrote 2 pictures' in proc.stdout
    assert len(list(out.glob('*.png'))) == 2
    bad = run_tool(['tools/analysis_tools/browse_dataset.py', CLS,
                    '--output-dir', out, '--indices', '99'] +
                   _options(f'{tmp_path}/data', 'num_pairs', 1), check=False)
    assert bad.returncode == 2 and bad.stderr.startswith('error: --indices')


def test_num_samples_spread_across_series():
    import importlib
    import sys

    from tests.conftest import REPO_ROOT
    sys.path.insert(0, str(REPO_ROOT / 'tools' / 'analysis_tools'))
    try:
        spread = importlib.import_module('browse_dataset').spread_indices
    finally:
        sys.path.pop(0)
    ids = ['a'] * 5 + ['b'] * 3 + ['c'] * 4
    assert spread(ids, 3) == [2, 6, 9]  # the middle sample of each series
    assert spread(ids, 2) == [2, 9]  # first and last series
    four = spread(ids, 4)
    assert len({ids[i] for i in four}) == 3 and len(set(four)) == 4
    assert sorted(spread(ids, 50)) == list(range(12))
    assert spread(ids, 0) == []
