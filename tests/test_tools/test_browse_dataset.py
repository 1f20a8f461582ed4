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


def test_hostile_series_ids_stay_in_the_output_dir(tmp_path):
    """Ids from an annotation file never name a file outside --output-dir
    (both views of a pair included)."""
    import importlib.util
    import json
    import shutil

    from mmdsa.utils.cli import run_tool as wrapper
    from tests.conftest import REPO_ROOT
    spec = importlib.util.spec_from_file_location(
        '_browse', REPO_ROOT / 'tools/analysis_tools/browse_dataset.py')
    browse = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(browse)
    gen = tmp_path / 'gen'
    assert wrapper(browse.main, [CLS, '--output-dir', str(tmp_path / 'first'),
                                 '--num-samples', '1'] +
                   _options(gen, 'num_pairs', 1)) == 0
    data = tmp_path / 'copy'
    shutil.copytree(gen, data)
    ann = data / 'thrombus.json'
    content = json.loads(ann.read_text())
    for k, entry in enumerate(content['data_list']):
        entry['series_id'] = f'x/../../../../ESCAPED{k}'
    ann.write_text(json.dumps(content))
    out = tmp_path / 'a' / 'b' / 'c' / 'browse'
    assert wrapper(browse.main, [
        CLS, '--output-dir', str(out), '--num-samples', '1', '--cfg-options',
        f'train_dataloader.dataset.data_root={data}/',
        'train_dataloader.dataset.synthetic=None']) == 0
    escaped = [p for p in tmp_path.rglob('*ESCAPED*')
               if out not in p.parents]
    assert not escaped, escaped
    assert len(list(out.glob('*ESCAPED*.png'))) >= 1
