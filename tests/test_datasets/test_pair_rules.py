"""The paper's pair labelling and exclusion rules (issue 12 item 4)."""
import copy
import json

import numpy as np
import pytest

from mmdsa.datasets import (AnnotationError, DSAClassificationDataset,
                            load_classification_annotations)
from mmdsa.datasets.pair_rules import (TEST_SET_1_EXCLUSIONS,
                                       TEST_SET_2_EXCLUSIONS, exclude_flagged,
                                       harmonise_pair_labels)
from tests.conftest import run_tool
from tests.test_datasets.conftest import make_series, write_xa_dicom

TOOL = 'tools/dataset_converters/dicom_folder_to_annotations.py'


def _entry(sid, pair, label, level=None, flags=()):
    return dict(series_id=sid, pair_id=pair, label=label,
                occlusion_level=level, flags=list(flags))


def test_harmonise_pair_labels():
    entries = [_entry('A_PA', 'A', 1, 'M2'), _entry('A_LAT', 'A', 0),
               _entry('B_PA', 'B', 0), _entry('B_LAT', 'B', 0),
               _entry('C', None, 0), _entry('D_PA', 'D', 1, 'M1'),
               _entry('D_LAT', 'D', 1, 'M1')]
    before = copy.deepcopy(entries)
    out, changed = harmonise_pair_labels(entries)
    assert entries == before  # input untouched
    assert changed == 1
    assert [e['label'] for e in out] == [1, 1, 0, 0, 0, 1, 1]
    assert out[1]['occlusion_level'] == 'M2'  # from the positive view


def test_exclude_flagged_drops_whole_pairs():
    entries = [_entry('A_PA', 'A', 1), _entry('A_LAT', 'A', 1,
                                              flags=['uncertain']),
               _entry('B_PA', 'B', 0, flags=['eca_only']),
               _entry('B_LAT', 'B', 0), _entry('C', None, 0)]
    kept, dropped = exclude_flagged(entries, TEST_SET_2_EXCLUSIONS)
    assert [e['series_id'] for e in kept] == ['A_PA', 'A_LAT', 'C']
    assert dropped == 2
    kept, dropped = exclude_flagged(entries, TEST_SET_1_EXCLUSIONS)
    assert [e['series_id'] for e in kept] == ['C'] and dropped == 4
    assert exclude_flagged(entries, ())[1] == 0


def _rewrite(root, change):
    path = root / 'thrombus.json'
    ann = json.loads(path.read_text())
    for item in ann['data_list']:
        item.update(change.get(item['series_id'], {}))
    path.write_text(json.dumps(ann))


def test_dataset_harmonises_single_view_labels(cls_root, caplog):
    # S0: PA positive, LAT negative -> the LAT model must see label 1
    _rewrite(cls_root, {'S0_PA': dict(label=1, occlusion_level='M3')})
    kw = dict(ann_file='thrombus.json', data_root=str(cls_root), view='LAT')
    lat = {d['series_id']: d for d in
           (DSAClassificationDataset(**kw).get_data_info(i) for i in range(4))}
    assert lat['S0_LAT']['gt_label'] == 1
    assert lat['S0_LAT']['occlusion_level'] == 'M3'
    raw = DSAClassificationDataset(harmonise_pairs=False, **kw)
    assert [raw.get_data_info(i)['gt_label'] for i in range(4)] == \
        [0, 1, 0, 1]


def test_dataset_exclusion_flags_and_test_sets(cls_root):
    _rewrite(cls_root, {'S2_LAT': dict(flags=['uncertain']),
                        'S3_PA': dict(flags=['vertebral_only'])})
    kw = dict(ann_file='thrombus.json', data_root=str(cls_root))
    ids = lambda ds: [ds.get_data_info(i)['series_id']  # noqa: E731
                      for i in range(len(ds))]
    # default = the paper's exclusions: pair S3 gone (both views)
    assert ids(DSAClassificationDataset(**kw)) == [
        'S0_PA', 'S0_LAT', 'S1_PA', 'S1_LAT', 'S2_PA', 'S2_LAT']
    # test set 1 also leaves out the uncertain pair
    t1 = DSAClassificationDataset(exclude_flags=TEST_SET_1_EXCLUSIONS, **kw)
    assert ids(t1) == ['S0_PA', 'S0_LAT', 'S1_PA', 'S1_LAT']
    assert len(DSAClassificationDataset(exclude_flags=(), **kw)) == 8
    with pytest.raises(ValueError, match='exclude_flags'):
        DSAClassificationDataset(exclude_flags=('unknown', ), **kw)
    with pytest.raises(ValueError, match='exclude_flags'):
        DSAClassificationDataset(exclude_flags='uncertain', **kw)
    # pair mode keeps the level per view
    pairs = DSAClassificationDataset(pair_mode=True, exclude_flags=(), **kw)
    assert pairs.get_data_info(0)['occlusion_level'] == [None, None]


@pytest.mark.parametrize('change, match', [
    (dict(occlusion_level='M5'), 'occlusion_level'),
    (dict(occlusion_level='M1', label=0), 'occlusion_level'),
    (dict(flags=['dubious']), r'flags\[0\]'),
    (dict(flags='uncertain'), 'flags'),
])
def test_annotation_fields_are_validated(cls_root, change, match):
    _rewrite(cls_root, {'S0_PA': change})
    with pytest.raises(AnnotationError, match=match):
        load_classification_annotations(str(cls_root / 'thrombus.json'))


def test_converter_levels_flags_and_harmonisation(tmp_path):
    (tmp_path / 'dcm').mkdir()
    frames = np.clip(make_series(4, 0), 0, 4095).astype(np.uint16)
    for name in ('a', 'b', 'c'):
        write_xa_dicom(tmp_path / 'dcm' / f'{name}.dcm', frames)
    (tmp_path / 'labels.csv').write_text(
        'file,label,patient_id,pair_id,view,occlusion_level,flags\n'
        'a.dcm,1,P1,X,PA,M2,\n'
        'b.dcm,0,P1,X,LAT,,uncertain;eca_only\n'
        'c.dcm,0,P2,,PA,,\n')
    out = tmp_path / 'cls.json'
    res = run_tool([TOOL, tmp_path / 'dcm', '--labels',
                    tmp_path / 'labels.csv', '--out-cls', out])
    assert '1 series labelled 0 set to 1' in res.stdout
    items = {d['series_id']: d for d in
             load_classification_annotations(str(out))['data_list']}
    assert items['b']['label'] == 1 and items['b']['occlusion_level'] == 'M2'
    assert items['a']['occlusion_level'] == 'M2'
    assert items['b']['flags'] == ['eca_only', 'uncertain']
    assert items['c']['label'] == 0 and items['c']['flags'] == []
    run_tool([TOOL, tmp_path / 'dcm', '--labels', tmp_path / 'labels.csv',
              '--out-cls', out, '--no-harmonise-pairs', '--overwrite'])
    items = {d['series_id']: d for d in
             load_classification_annotations(str(out))['data_list']}
    assert items['b']['label'] == 0 and items['b']['occlusion_level'] is None
    (tmp_path / 'labels.csv').write_text(
        'file,label,occlusion_level\na.dcm,1,M7\n')
    bad = run_tool([TOOL, tmp_path / 'dcm', '--labels',
                    tmp_path / 'labels.csv', '--out-cls',
                    tmp_path / 'bad.json'], check=False)
    assert bad.returncode == 2 and 'occlusion_level' in bad.stderr
    assert not (tmp_path / 'bad.json').exists()
