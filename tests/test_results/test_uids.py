"""UIDs of the result objects are derived from the source and the
checkpoint: a re-run gives the same ones, another checkpoint or source
other ones."""
import hashlib

import pytest
from pydicom.uid import UID

from mmdsa.results import (ResultUIDs, build_result_datasets, derive_uid,
                           read_source_datasets)

from .conftest import detector_result, write_source


def _uids(datasets):
    return [(d.SeriesInstanceUID, d.SOPInstanceUID) for d in datasets]


def test_rerun_gives_identical_uids(source, provenance, tmp_path):
    path, frames = source
    sources = read_source_datasets(str(path))

    def run(prov):
        return build_result_datasets(
            detector_result(frames), sources, prov, task='perforation',
            model_name='tiny-detector', include_sc=True)

    first, again = run(provenance), run(provenance)
    assert _uids(first) == _uids(again)
    flat = [u for pair in _uids(first) for u in pair]
    assert len(set(flat)) == len(flat)  # every series and instance its own
    assert all(UID(u).is_valid and len(u) <= 64 for u in flat)
    assert first[0].ContentSequence == again[0].ContentSequence  # tracking
    other = dict(provenance,
                 checkpoint_sha256=hashlib.sha256(b'retrained').hexdigest())
    assert not set(flat) & {u for pair in _uids(run(other)) for u in pair}
    write_source(tmp_path / 'other.dcm', frames, name='other')
    other_source = build_result_datasets(
        detector_result(frames), read_source_datasets(
            str(tmp_path / 'other.dcm')), provenance, task='perforation',
        model_name='tiny-detector')
    assert not set(flat) & {u for p in _uids(other_source) for u in p}


def test_derive_uid_is_a_pure_function():
    sha = hashlib.sha256(b'x').hexdigest()
    assert derive_uid('s', sha, 'sr') == derive_uid('s', sha, 'sr')
    assert derive_uid('s', sha, 'sr') != derive_uid('s', sha, 'gsps')
    assert derive_uid('s', sha, 'sr').startswith('2.25.')
    with pytest.raises(ValueError, match='checkpoint_sha256'):
        derive_uid('s', 'not-a-hash', 'sr')


def test_result_uids_names(source):
    sha = hashlib.sha256(b'x').hexdigest()
    uids = ResultUIDs(read_source_datasets(str(source[0])), sha)
    assert uids.series('sr') != uids.instance('sr') != uids.series('gsps')
    assert uids.tracking('trajectory') == uids.tracking('trajectory')
    assert uids.tracking('box', 2, 0) != uids.tracking('box', 2, 1)
