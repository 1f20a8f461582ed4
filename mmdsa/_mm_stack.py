"""Importing this module checks the OpenMMLab stack once (see
:func:`mmdsa.require_mm_stack`); modules import it before MMEngine."""
from mmdsa import require_mm_stack

require_mm_stack()
