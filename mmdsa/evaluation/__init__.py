from . import functional, metrics  # noqa: F401
from .metrics import *  # noqa: F401,F403
