"""Nonsense input refused where it enters: the DICOM-folder converter
(spreadsheet CSVs, duplicate rows, colliding outputs, files the reader
refuses) and split files naming unknown patients."""
import importlib.util
import json

import numpy as np
import pytest
from pydicom.dataset import Dataset

from mmdsa.utils.cli import run_tool
from tests.conftest import REPO_ROOT
from tests.test_datasets.conftest import make_series, write_xa_dicom

TOOL = REPO_ROOT / 'tools/dataset_converters/dicom_folder_to_annotations.py'


def _convert(argv):
    spec = importlib.util.spec_from_file_location('_conv_rob', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        return run_tool(module.main, [str(a) for a in argv])
    except SystemExit as exc:
        return exc.code


@pytest.fixture
def folder(tmp_path):
    (tmp_path / 'dcm').mkdir()
    frames = np.clip(make_series(3, 0), 0, 4095).astype(np.uint16)
    for name in ('a.dcm', 'b.dcm'):
        write_xa_dicom(tmp_path / 'dcm' / name, frames)
    return tmp_path


def _error(capsys):
    err = capsys.readouterr().err.strip()
    assert 'Traceback' not in err
    return [ln for ln in err.splitlines() if 'error:' in ln][-1]


def test_spreadsheet_csv_with_bom_is_read(folder):
    csv = folder / 'labels.csv'
    csv.write_bytes('\ufefffile,label,patient_id\na.dcm,1,P1\nb.dcm,0,P2\n'
                    .encode('utf-8'))
    assert _convert([folder / 'dcm', '--labels', csv, '--out-cls',
                     folder / 'cls.json']) == 0
    assert len(json.loads((folder / 'cls.json').read_text())
               ['data_list']) == 2


def test_latin1_csv_is_one_line(folder, capsys):
    csv = folder / 'labels.csv'
    csv.write_bytes('file,label,patient_id\na.dcm,1,Müller\n'
                    .encode('latin-1'))
    assert _convert([folder / 'dcm', '--labels', csv, '--out-cls',
                     folder / 'cls.json']) == 2
    assert 'expected UTF-8' in _error(capsys)


def test_conflicting_duplicate_rows_are_refused(folder, capsys):
    csv = folder / 'labels.csv'
    csv.write_text('file,label,patient_id\na.dcm,0,P1\na.dcm,1,P1\n')
    assert _convert([folder / 'dcm', '--labels', csv, '--out-cls',
                     folder / 'cls.json']) == 2
    line = _error(capsys)
    assert 'row 3' in line and 'a.dcm' in line and 'label' in line
    assert not (folder / 'cls.json').exists()


def test_both_outputs_to_one_path_is_refused(folder, capsys):
    csv = folder / 'labels.csv'
    csv.write_text('file,label,patient_id\na.dcm,0,P1\n')
    same = folder / 'out.json'
    assert _convert([folder / 'dcm', '--labels', csv, '--out-cls', same,
                     '--out-det', same]) == 2
    assert 'different' in _error(capsys)
    assert not same.exists()


@pytest.mark.parametrize('breakage', ['rgb', 'short_lut'])
def test_files_the_reader_refuses_are_refused_here(folder, breakage,
                                                   capsys):
    import pydicom
    path = folder / 'dcm' / 'a.dcm'
    ds = pydicom.dcmread(path)
    if breakage == 'rgb':
        ds.SamplesPerPixel = 3
        ds.PhotometricInterpretation = 'RGB'
        ds.PlanarConfiguration = 0
    else:
        item = Dataset()
        item.LUTDescriptor = [4096, 0, 16]
        item.LUTData = np.arange(8, dtype='<u2').tobytes()
        item.ModalityLUTType = 'US'
        ds.ModalityLUTSequence = [item]
    ds.save_as(path)
    csv = folder / 'labels.csv'
    csv.write_text('file,label,patient_id\na.dcm,0,P1\n')
    assert _convert([folder / 'dcm', '--labels', csv, '--out-cls',
                     folder / 'cls.json']) == 2
    line = _error(capsys)
    assert 'a.dcm' in line
    assert ('greyscale' in line) if breakage == 'rgb' else ('LUT' in line)


def test_split_naming_unknown_patients_is_refused(cls_root):
    from mmdsa.datasets import DSAClassificationDataset
    from mmdsa.datasets.annotations import AnnotationError
    root = cls_root
    split = dict(test=['P0', 'P404'], folds=[dict(train=['P1'],
                                                  val=['P2'])])
    (root / 'split.json').write_text(json.dumps(split))
    with pytest.raises(AnnotationError, match=r"test.*unknown.*P404"):
        DSAClassificationDataset(ann_file='thrombus.json',
                                 data_root=str(root),
                                 split_file='split.json', split='test')


def test_unknown_split_name_is_a_refusal(cls_root):
    from mmdsa.datasets import DSAClassificationDataset
    from mmdsa.datasets.splits import SplitError
    from mmdsa.utils.cli import refusal_errors
    split = dict(test=['P0'], folds=[dict(train=['P1'], val=['P2'])])
    (cls_root / 'split.json').write_text(json.dumps(split))
    with pytest.raises(SplitError, match="'banana'") as info:
        DSAClassificationDataset(ann_file='thrombus.json',
                                 data_root=str(cls_root),
                                 split_file='split.json', split='banana')
    assert isinstance(info.value, refusal_errors())
