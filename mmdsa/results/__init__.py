"""DICOM result objects of an mmdsa inference result.

``build_result_datasets`` turns one series result plus its source headers
into standard DICOM objects: a TID 1500 Structured Report (:mod:`.sr`), a
Grayscale Softcopy Presentation State with the boxes (:mod:`.gsps`), a Key
Object Selection for a positive series (:mod:`.kos`) and, optionally, a
pixel-aligned Secondary Capture picture (:mod:`.sc`). Their UIDs are
derived from the source and the checkpoint (:mod:`.uids`), so a re-run
replaces the objects in a PACS instead of duplicating them.
``docs/clinical_outputs.md`` describes what each object holds.
"""
from .build import (build_result_datasets, check_provenance,
                    write_result_datasets)
from .codes import RESEARCH_USE_LABEL, RESEARCH_USE_STATEMENT
from .findings import DEFAULT_BOX_SCORE_THR, summarise
from .sources import (ResultExportError, check_sources, frame_reference,
                      read_source_datasets)
from .uids import ResultUIDs, derive_uid
from .warm import warm_up

__all__ = [
    'build_result_datasets', 'write_result_datasets', 'check_provenance',
    'RESEARCH_USE_STATEMENT', 'RESEARCH_USE_LABEL', 'DEFAULT_BOX_SCORE_THR',
    'summarise', 'ResultExportError', 'read_source_datasets',
    'check_sources', 'frame_reference', 'ResultUIDs', 'derive_uid',
    'warm_up'
]
