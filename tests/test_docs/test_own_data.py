"""docs/own_data.md: its convert and split commands, run as written on a
tiny folder of DICOM series, feed the own-data starter configs, whose
datasets and pipelines then load; the thrombus starter trains one epoch
(shrunk) and tests from its checkpoint."""
import datetime
import glob
import re
import shlex

import numpy as np
import pytest
from mmengine.config import Config
from pydicom.uid import generate_uid

from mmdsa.registry import DATASETS
from mmdsa.utils import register_all_modules
from tests.conftest import REPO_ROOT, run_tool

DOC = REPO_ROOT / 'docs' / 'own_data.md'
OWN = {'thrombus': 'configs/thrombus/cnnrnn_resnet18-bigru_130e_own-'
                   'thrombus-512.py',
       'perforation': 'configs/perforation/retinanet_r50_fpn_tcm-t5_dr-'
                      'iou_so_12e_own-perforation.py'}
PATIENTS, FRAMES, SIZE = 10, 4, 32


def doc_commands(prefix):
    """The documented shell commands starting with ``prefix``."""
    text = DOC.read_text()
    out = []
    for block in re.findall(r'```bash\n(.*?)```', text, re.S):
        joined = re.sub(r'\\\n\s*', ' ', block)
        out += [line.strip() for line in joined.splitlines()
                if line.strip().startswith(prefix)]
    return out


def write_folder(root):
    """10 patients, a PA and a LAT series each; patients 1, 4, 7 positive."""
    from mmdsa.synth.dicom_writer import write_xa_dicom
    rng = np.random.default_rng(0)
    labels = ['file,label,pair_id']
    boxes, points = ['file,frame,x1,y1,x2,y2'], ['file,x,y']
    for p in range(PATIENTS):
        for view in ('PA', 'LAT'):
            name = f'S{p:04d}_{view}.dcm'
            frames = rng.integers(0, 4096, (FRAMES, SIZE, SIZE)).astype(
                np.uint16)
            write_xa_dicom(str(root / 'data/own/dicom' / name), frames, 100.0,
                           view, f'P{p:03d}', generate_uid(), generate_uid(),
                           generate_uid(),
                           datetime.datetime(2024, 1, 1 + p, 9, 0, 0))
            label = int(p % 3 == 1)
            labels.append(f'{name},{label},S{p:04d}')
            if label:
                boxes.append(f'{name},2,4,5,14,15')
                points.append(f'{name},9,10')
    for name, rows in (('labels', labels), ('boxes', boxes),
                       ('points', points)):
        (root / f'{name}.csv').write_text('\n'.join(rows) + '\n')


def run_documented(prefix, cwd):
    for command in doc_commands(prefix):
        args = shlex.split(command)
        assert args[0] == 'python'
        run_tool([str(REPO_ROOT / args[1])] + args[2:], cwd=cwd)


@pytest.fixture(scope='module')
def own_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp('own')
    write_folder(root)
    run_documented('python tools/dataset_converters/dicom_folder_to', root)
    run_documented('python tools/misc/make_splits.py', root)
    return root / 'data' / 'own'


def test_documented_commands_exist():
    assert len(doc_commands('python tools/dataset_converters/dicom_folder'
                            '_to')) == 1
    assert len(doc_commands('python tools/misc/make_splits.py')) == 2
    for command in doc_commands('python tools/'):
        assert (REPO_ROOT / shlex.split(command)[1]).is_file(), command
    for path in OWN.values():
        assert path in DOC.read_text() and (REPO_ROOT / path).is_file()


@pytest.mark.parametrize('task', sorted(OWN))
def test_starter_configs_load_the_converted_folder(own_folder, task,
                                                   monkeypatch):
    for name in (f'{task}.json', f'{task}_split.json'):
        assert (own_folder / name).is_file()
    monkeypatch.setenv('MMDSA_DATA_ROOT', str(own_folder))
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(str(REPO_ROOT / OWN[task]))
    sizes = {}
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = DATASETS.build(cfg[loader].dataset)
        sizes[loader] = len(dataset)
        assert sizes[loader] > 0, loader
    sample = DATASETS.build(cfg.train_dataloader.dataset)[0]
    assert sample['inputs'].ndim == 4     # (G or T, 3, H, W)
    if task == 'thrombus':   # the first 20 % of patients by time: P000, P001
        assert sizes['test_dataloader'] == 4


@pytest.mark.slow
def test_thrombus_starter_trains_and_tests(own_folder, tmp_path):
    env = {'MMDSA_DATA_ROOT': str(own_folder)}
    config = REPO_ROOT / OWN['thrombus']
    small = ['model.backbone.pretrained=False', 'train_cfg.max_epochs=1'] + [
        f'{loader}.dataset.pipeline.0.resize=64'
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader')] + [
        f'{loader}.num_workers=0' for loader in (
            'train_dataloader', 'val_dataloader', 'test_dataloader')] + [
        f'{loader}.persistent_workers=False' for loader in (
            'train_dataloader', 'val_dataloader', 'test_dataloader')]
    work = tmp_path / 'work'
    run_tool(['tools/train.py', config, '--work-dir', work,
              '--cfg-options'] + small, env=env)
    best = glob.glob(str(work / 'best_mcc_epoch_*.pth'))
    assert len(best) == 1, sorted(p.name for p in work.iterdir())
    proc = run_tool(['tools/test.py', config, best[0], '--work-dir', work,
                     '--cfg-options'] + small, env=env)
    assert 'mcc' in proc.stdout + proc.stderr
