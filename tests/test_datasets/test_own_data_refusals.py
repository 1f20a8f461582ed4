"""Own data: a missing annotation file, or a synthetic config pointed at the
user's folder, is refused with the fix that applies (docs/own_data.md)."""
import pytest

from mmdsa.datasets import AnnotationError
from mmdsa.datasets.dsa_classification_dataset import \
    DSAClassificationDataset
from mmdsa.datasets.dsa_detection_dataset import DSADetectionDataset
from mmdsa.synth.dataset import ForeignFilesError


@pytest.mark.parametrize('cls,ann', [(DSAClassificationDataset,
                                      'thrombus.json'),
                                     (DSADetectionDataset,
                                      'perforation.json')])
def test_missing_annotation_names_the_fix(cls, ann, tmp_path):
    missing = tmp_path / 'not_there'
    with pytest.raises(AnnotationError) as info:
        cls(ann_file=ann, data_root=str(missing), pipeline=[])
    msg = str(info.value)
    assert str(missing / ann) in msg and 'no such folder' in msg
    assert 'docs/own_data.md' in msg and 'MMDSA_DATA_ROOT' in msg
    assert 'empty folder' not in msg
    with pytest.raises(AnnotationError, match='an empty data_root'):
        cls(ann_file=ann, data_root='', pipeline=[])


def test_synthetic_config_on_own_folder_names_the_fix(tmp_path):
    (tmp_path / 'perforation.json').write_text('{}')   # the user's file
    with pytest.raises(ForeignFilesError) as info:
        DSADetectionDataset(ann_file='perforation.json',
                            data_root=str(tmp_path), pipeline=[],
                            synthetic=dict(num_series=2, image_size=32))
    msg = str(info.value)
    assert 'perforation.json' in msg and 'Nothing was changed' in msg
    assert 'configs/perforation/*_own-perforation*.py' in msg
    assert 'synthetic=None' in msg and 'docs/own_data.md' in msg
    assert (tmp_path / 'perforation.json').read_text() == '{}'
