"""Deterministic UIDs of mmdsa's result objects.

Every UID a result object gets (Series / SOP Instance UIDs, SR tracking
UIDs, the device observer UID) is derived here, from the source series'
UIDs, the checkpoint's SHA-256 and what the UID names. The same source
analysed by the same checkpoint therefore gets the same UIDs on every run,
so a PACS replaces the objects of an earlier run instead of adding a
duplicate series. Another checkpoint (a retrained model) gets new UIDs.

The UIDs are ``2.25.<decimal>`` (DICOM PS3.5 B.2): the integer of a
name-based (SHA-1, version 5) UUID of the parts, ISO/IEC 9834-8. (pydicom's
``generate_uid(prefix=None, entropy_srcs=...)`` would ignore the entropy
and return a random UUID, so it is not used here.)
"""
import re
import uuid
from typing import Sequence

from pydicom.uid import UID

#: Bumped only if the derivation must change (it changes every UID).
SCHEME = 'mmdsa-results-v1'
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, 'mmdsa/results')
_SHA256 = re.compile(r'^[0-9a-f]{64}$')


def check_sha256(value, where: str = 'provenance') -> str:
    """Return ``value`` if it is a lower-case hex SHA-256 digest.

    Raises:
        ValueError: naming ``where``, the field and what came.
    """
    if not isinstance(value, str) or not _SHA256.match(value):
        raise ValueError(f'{where}: field "checkpoint_sha256": expected 64 '
                         f'lower-case hex digits, got {value!r}')
    return value


def source_key(source_datasets: Sequence) -> str:
    """The part of every UID that names the source: its Study and Series
    Instance UIDs and all its SOP Instance UIDs (in frame order)."""
    first = source_datasets[0]
    parts = [str(first.StudyInstanceUID), str(first.SeriesInstanceUID)]
    parts += [str(ds.SOPInstanceUID) for ds in source_datasets]
    return '|'.join(parts)


def derive_uid(source: str, checkpoint_sha256: str, *name) -> UID:
    """One deterministic UID.

    Args:
        source (str): :func:`source_key` of the source series.
        checkpoint_sha256 (str): The model checkpoint's SHA-256.
        *name: What the UID names, e.g. ``('sr', 'series')`` or
            ``('sr', 'tracking', 'trajectory')``.

    Returns:
        pydicom.uid.UID: ``2.25.<decimal>``, at most 64 characters.
    """
    check_sha256(checkpoint_sha256)
    if not name:
        raise ValueError('derive_uid: expected what the UID names, got '
                         'nothing')
    text = '\x1f'.join([SCHEME, source, checkpoint_sha256,
                        *[str(n) for n in name]])
    return UID(f'2.25.{uuid.uuid5(_NAMESPACE, text).int}')


class ResultUIDs:
    """The UIDs of one source series' result objects under one checkpoint.

    Args:
        source_datasets (list[pydicom.Dataset]): The source headers.
        checkpoint_sha256 (str): The checkpoint's SHA-256.

    Example:
        >>> uids = ResultUIDs(sources, sha)
        >>> uids.series('sr'), uids.instance('sr'), uids.tracking(3, 0)
    """

    def __init__(self, source_datasets: Sequence, checkpoint_sha256: str):
        self.source = source_key(source_datasets)
        self.checkpoint_sha256 = check_sha256(checkpoint_sha256)

    def _uid(self, *name) -> UID:
        return derive_uid(self.source, self.checkpoint_sha256, *name)

    def series(self, kind: str) -> UID:
        """Series Instance UID of the object ``kind`` (``'sr'``, ``'gsps'``,
        ``'kos'``, ``'sc'``): each kind is its own series (its own
        Modality)."""
        return self._uid(kind, 'series')

    def instance(self, kind: str) -> UID:
        """SOP Instance UID of the object ``kind``."""
        return self._uid(kind, 'instance')

    def tracking(self, *what) -> UID:
        """Tracking Unique Identifier of one SR finding / region, e.g.
        ``tracking('series')``, ``tracking('trajectory')`` (one for the
        whole kept trajectory) or ``tracking('box', frame, k)``."""
        return self._uid('tracking', *what)

    def device(self) -> UID:
        """Device Observer UID of the model (the checkpoint alone)."""
        return derive_uid('model', self.checkpoint_sha256, 'device')
