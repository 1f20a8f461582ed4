"""Claims ledgers: every published claim as data, and their evaluation.

One module per paper (:mod:`.perforation`: Su et al.; :mod:`.thrombus`:
Mittmann et al.), one shared :class:`Claim` format, and
:func:`evaluate_ledger`, which tests each claim with the paper's test
(``mmdsa.evaluation.functional``), corrects over the whole ledger (Holm)
and gives each claim its verdict. :mod:`.controlled`: the perforation
study's controlled temporal check.
"""
from .claim import METRICS, Claim, check_ledger, ledger_models
from .controlled import (CONTROLLED_TARGETS, controlled_entry,
                         controlled_reading, controlled_section)
from .evaluate import (NOT_RUN, NOT_TESTABLE, evaluate_ledger,
                       seed_tables_from_files, verdict_counts)
from .explain import explain_claim, pooled_difference
from .perforation import PERFORATION_CLAIMS
from .thrombus import THROMBUS_CLAIMS
from .units import (common_units, detection_tables, mean_table, pair_table,
                    unit_metric)

__all__ = [
    'METRICS', 'Claim', 'check_ledger', 'ledger_models', 'NOT_RUN',
    'NOT_TESTABLE', 'evaluate_ledger', 'seed_tables_from_files',
    'verdict_counts', 'PERFORATION_CLAIMS', 'THROMBUS_CLAIMS',
    'common_units', 'detection_tables', 'mean_table', 'pair_table',
    'unit_metric', 'explain_claim', 'pooled_difference', 'CONTROLLED_TARGETS',
    'controlled_entry', 'controlled_reading', 'controlled_section'
]
