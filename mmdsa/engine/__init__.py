"""Training-loop extensions registered in the ``mmdsa`` scope (hooks)."""
from .hooks import *  # noqa: F401,F403
