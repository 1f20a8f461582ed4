"""Deprecated: the series rules moved to :mod:`mmdsa.structures.series`.

They are numpy-only rules that the models and the evaluation both apply,
so they live below both layers. Importing this module warns (see
:data:`mmdsa.utils.deprecation.MOVED`) and gives the same names.
"""
from mmdsa.structures.series import *  # noqa: F401,F403
from mmdsa.structures.series import __all__  # noqa: F401
from mmdsa.utils.deprecation import warn_moved

warn_moved(__name__)
