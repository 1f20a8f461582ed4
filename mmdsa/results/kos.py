"""A Key Object Selection (KOS) document flagging a positive series,
built with highdicom.

Title "Of Interest" (DCM 113000, CID 7010); it references every source
instance and the result's SR, with a description saying what the model
found, at which operating point, and that the selection is for research
use only. PACS worklists and viewers that show key images show the
flagged series; written only when the verdict is positive.
"""
from typing import Dict, Sequence

from pydicom.sr.codedict import codes

from .codes import FINDING_TEXT, KOS_TITLE, RESEARCH_USE_STATEMENT
from .findings import verdict_text

SERIES_NUMBER = 9903


def build_kos(summary: Dict, sources: Sequence, provenance: Dict, uids,
              model_name: str, sr=None):
    """The key object selection of one positive series result.

    Args:
        summary (dict): :func:`mmdsa.results.findings.summarise`; its
            verdict must be positive.
        sources, provenance, uids, model_name: As for
            :func:`mmdsa.results.sr.build_sr`.
        sr (pydicom.Dataset, optional): The result's SR, referenced too.

    Returns:
        highdicom.ko.KeyObjectSelectionDocument

    Raises:
        ValueError: The verdict is not positive.
    """
    import highdicom as hd
    if summary['verdict'] != 'positive':
        raise ValueError('build_kos: expected a positive verdict, got '
                         f'{summary["verdict"]!r}')
    referenced = list(sources) + ([sr] if sr is not None else [])
    description = (f'mmdsa {model_name}: {FINDING_TEXT[summary["task"]]} '
                   f'{verdict_text(summary)}. {RESEARCH_USE_STATEMENT}')
    content = hd.ko.KeyObjectSelection(
        document_title=KOS_TITLE, referenced_objects=referenced,
        observer_device_context=hd.sr.ObserverContext(
            observer_type=codes.DCM.Device,
            observer_identifying_attributes=hd.sr.
            DeviceObserverIdentifyingAttributes(
                uid=uids.device(), name=model_name[:64],
                manufacturer_name='mmdsa')),
        description=description)
    return hd.ko.KeyObjectSelectionDocument(
        evidence=referenced, content=content,
        series_instance_uid=uids.series('kos'), series_number=SERIES_NUMBER,
        sop_instance_uid=uids.instance('kos'), instance_number=1,
        manufacturer='mmdsa',
        series_description=(f'mmdsa {summary["task"]} positive - research '
                            'use only')[:64])
