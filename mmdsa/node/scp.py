"""The Storage SCP side of the node: what it accepts and how it answers.

Presentation contexts: Verification, and the X-ray image storage classes
the series reader understands (XA, Enhanced XA, RF, Enhanced XRF and the
secondary-capture classes vendors use for DSA exports), each with the
transfer syntaxes this installation can decode. Only the configured calling
AE titles may associate; anyone else is rejected at association time.

A C-STORE is answered with

- ``0x0000`` (Success) after the instance is on disk under its final name;
- ``0xC210`` (Cannot understand) when the dataset cannot be decoded;
- ``0xA900`` (Dataset does not match SOP Class) when it lacks its UIDs or
  is not a greyscale image with pixel data that fits its header (the
  reader's own checks, :func:`mmdsa.fileio.dicom.check_image_dataset`);
- ``0xA700`` (Out of resources) when it cannot be written (disk full).

A failure status carries an ErrorComment saying why.
"""
import logging
from typing import Callable, List

from pydicom.dataset import Dataset

__all__ = ['STORAGE_SOP_CLASSES', 'accepted_transfer_syntaxes',
           'make_store_handler']

logger = logging.getLogger('mmdsa.node')

#: Image storage SOP classes the node accepts.
STORAGE_SOP_CLASSES = (
    '1.2.840.10008.5.1.4.1.1.12.1',  # X-Ray Angiographic Image Storage
    '1.2.840.10008.5.1.4.1.1.12.1.1',  # Enhanced XA Image Storage
    '1.2.840.10008.5.1.4.1.1.12.2',  # X-Ray Radiofluoroscopic Image Storage
    '1.2.840.10008.5.1.4.1.1.12.2.1',  # Enhanced XRF Image Storage
    '1.2.840.10008.5.1.4.1.1.7',  # Secondary Capture Image Storage
    '1.2.840.10008.5.1.4.1.1.7.2',  # Multi-frame Grayscale Byte SC
    '1.2.840.10008.5.1.4.1.1.7.3',  # Multi-frame Grayscale Word SC
)

_CANDIDATE_SYNTAXES = (
    '1.2.840.10008.1.2',  # Implicit VR Little Endian
    '1.2.840.10008.1.2.1',  # Explicit VR Little Endian
    '1.2.840.10008.1.2.1.99',  # Deflated Explicit VR Little Endian
    '1.2.840.10008.1.2.5',  # RLE Lossless
    '1.2.840.10008.1.2.4.50',  # JPEG Baseline
    '1.2.840.10008.1.2.4.51',  # JPEG Extended
    '1.2.840.10008.1.2.4.57',  # JPEG Lossless
    '1.2.840.10008.1.2.4.70',  # JPEG Lossless SV1
    '1.2.840.10008.1.2.4.80',  # JPEG-LS Lossless
    '1.2.840.10008.1.2.4.81',  # JPEG-LS Near-lossless
    '1.2.840.10008.1.2.4.90',  # JPEG 2000 Lossless
    '1.2.840.10008.1.2.4.91',  # JPEG 2000
)


def accepted_transfer_syntaxes() -> List[str]:
    """The candidate syntaxes pydicom can decode in this installation
    (uncompressed ones always; compressed ones when a decoder plugin is
    installed), so nothing is accepted that inference could not read."""
    from pydicom.pixels import get_decoder
    out = []
    for uid in _CANDIDATE_SYNTAXES:
        try:
            decoder = get_decoder(uid)
        except NotImplementedError:
            continue
        if decoder.is_available:
            out.append(uid)
    return out


def _failure(code: int, comment: str) -> Dataset:
    status = Dataset()
    status.Status = code
    # ErrorComment is LO: at most 64 characters
    status.ErrorComment = ' '.join(comment.split())[:64]
    return status


def make_store_handler(store: Callable[[str, str, str, bytes, Dataset], None]
                       ) -> Callable:
    """The EVT_C_STORE handler.

    Args:
        store (callable): ``store(study_uid, series_uid, sop_uid, data,
            header)`` writes the instance (``data``: its DICOM Part 10
            bytes, ``header``: the decoded dataset) and returns when it is on
            disk; raises OSError when it cannot.
    """
    from mmdsa.fileio.dicom import check_image_dataset
    from mmdsa.fileio.errors import DSAReadError

    from .spool import check_uid

    def handle_store(event):
        calling = event.assoc.requestor.ae_title
        where = f'C-STORE from {calling}'
        try:
            ds = event.dataset
            ds.file_meta = event.file_meta
            raw_sop = ds.get('SOPInstanceUID')
        except Exception as exc:  # noqa: BLE001 (any decode error)
            logger.warning('%s: refused (0xC210): cannot decode the dataset:'
                           ' %s: %s', where, type(exc).__name__, exc)
            return _failure(0xC210, f'cannot decode the dataset: {exc}')
        try:
            sop = check_uid(raw_sop, 'SOPInstanceUID')
            study = check_uid(ds.get('StudyInstanceUID'), 'StudyInstanceUID')
            series = check_uid(ds.get('SeriesInstanceUID'),
                               'SeriesInstanceUID')
            if str(ds.get('SOPClassUID', '')) != \
                    str(event.context.abstract_syntax):
                raise ValueError(
                    f'SOPClassUID: expected {event.context.abstract_syntax} '
                    f'(the presentation context), got '
                    f'{ds.get("SOPClassUID")}')
            check_image_dataset(ds, f'{where} {sop}')
        except (ValueError, DSAReadError) as exc:
            logger.warning('%s: refused (0xA900): %s', where, exc)
            return _failure(0xA900, str(exc))
        except Exception as exc:  # noqa: BLE001
            logger.warning('%s: refused (0xC210): %s: %s', where,
                           type(exc).__name__, exc)
            return _failure(0xC210, f'cannot decode the dataset: {exc}')
        try:
            store(study, series, sop, event.encoded_dataset(), ds)
        except OSError as exc:
            logger.error('%s: cannot spool %s (0xA700): %s', where, sop, exc)
            return _failure(0xA700, f'cannot store the instance: {exc}')
        return 0x0000

    return handle_store
