"""The key object selection: only for a positive series, valid for
dciodvfy, titled "Of Interest", referencing the source and the SR."""
import pydicom

from mmdsa.results import (build_result_datasets, read_source_datasets,
                           write_result_datasets)

from .conftest import detector_result
from .validators import dciodvfy_errors

KOS_CLASS = '1.2.840.10008.5.1.4.1.1.88.59'


def test_kos_flags_a_positive_series(source, provenance, tmp_path):
    path, frames = source
    datasets = build_result_datasets(
        detector_result(frames), read_source_datasets(str(path)),
        provenance, task='perforation', model_name='tiny-detector')
    assert [d.Modality for d in datasets] == ['SR', 'PR', 'KO']
    files = write_result_datasets(datasets, str(tmp_path))
    assert dciodvfy_errors(files[2]) == []
    ko = pydicom.dcmread(files[2])
    src = pydicom.dcmread(str(path), stop_before_pixels=True)
    assert ko.SOPClassUID == KOS_CLASS
    title = ko.ConceptNameCodeSequence[0]
    assert (title.CodeValue, title.CodingSchemeDesignator) == ('113000',
                                                               'DCM')
    refs = {item.ReferencedSOPSequence[0].ReferencedSOPInstanceUID
            for item in ko.ContentSequence if item.ValueType in (
                'IMAGE', 'COMPOSITE')}
    assert refs == {src.SOPInstanceUID, datasets[0].SOPInstanceUID}
    description = [item.TextValue for item in ko.ContentSequence
                   if item.ValueType == 'TEXT' and
                   item.ConceptNameCodeSequence[0].CodeValue == '113012']
    assert len(description) == 1  # Key Object Description
    description = description[0]
    assert 'positive: score 0.8500' in description
    assert 'Research use only' in description


def test_no_kos_when_negative(source, provenance):
    path, frames = source
    datasets = build_result_datasets(
        detector_result(frames, 'negative'), read_source_datasets(str(path)),
        provenance, task='perforation', model_name='tiny-detector')
    assert [d.Modality for d in datasets] == ['SR', 'PR']
