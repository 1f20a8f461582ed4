"""The C-STORE handler's answers, without a network: Success only once the
instance is stored; failure statuses with a reason otherwise."""
import copy
import types

import numpy as np
import pytest

from mmdsa.node.scp import accepted_transfer_syntaxes, make_store_handler


def _event(ds=None, error=None, abstract=None):
    class Event:
        assoc = types.SimpleNamespace(
            requestor=types.SimpleNamespace(ae_title='ANGIO1'))
        context = types.SimpleNamespace(
            abstract_syntax=abstract or (ds.SOPClassUID if ds else ''))
        file_meta = ds.file_meta if ds is not None else None

        @property
        def dataset(self):
            if error is not None:
                raise error
            return ds

        def encoded_dataset(self):
            return b'DICM bytes'
    return Event()


@pytest.fixture
def xa(tmp_path):
    import datetime

    import pydicom

    from mmdsa.synth.dicom_writer import synthetic_uid, write_xa_dicom
    path = tmp_path / 'xa.dcm'
    write_xa_dicom(str(path), np.zeros((2, 8, 8), np.uint16), 100.0, 'PA',
                   'P1', synthetic_uid('st'), synthetic_uid('se'),
                   synthetic_uid('sop'), datetime.datetime(2024, 1, 1))
    return pydicom.dcmread(path)


def test_success_only_after_store(xa):
    stored = []
    handler = make_store_handler(lambda *a: stored.append(a))
    assert handler(_event(xa)) == 0x0000
    study, series, sop, data, header = stored[0]
    assert (study, series, sop) == (xa.StudyInstanceUID,
                                    xa.SeriesInstanceUID, xa.SOPInstanceUID)
    assert data == b'DICM bytes' and header is xa


def test_failure_statuses(xa):
    def store(*args):
        raise OSError(28, 'No space left on device')
    stored = []
    ok = make_store_handler(lambda *a: stored.append(a))
    for error in (ValueError('bad tag'), KeyError('broken')):
        status = ok(_event(error=error))
        assert status.Status == 0xC210
        assert 'cannot decode' in status.ErrorComment
        assert len(status.ErrorComment) <= 64
    status = ok(_event(xa, abstract='1.2.840.10008.5.1.4.1.1.7'))
    assert status.Status == 0xA900 and 'SOPClassUID' in status.ErrorComment
    bad = copy.deepcopy(xa)
    bad.SeriesInstanceUID = '../../etc'
    assert ok(_event(bad)).Status == 0xA900
    sr = copy.deepcopy(xa)
    del sr.PixelData
    assert ok(_event(sr)).Status == 0xA900
    assert stored == []
    assert make_store_handler(store)(_event(xa)).Status == 0xA700


def test_only_decodable_transfer_syntaxes_are_offered():
    syntaxes = accepted_transfer_syntaxes()
    assert {'1.2.840.10008.1.2', '1.2.840.10008.1.2.1'} <= set(syntaxes)
    from pydicom.pixels import get_decoder
    for uid in syntaxes:
        assert get_decoder(uid).is_available
