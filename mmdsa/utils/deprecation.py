"""Renamed public names, kept as deprecated aliases for one release.

:data:`RENAMED` is the one table of old -> new names, :data:`MOVED` the one
table of moved modules (the old module re-exports the new one's names
after :func:`warn_moved`). For each renamed class
its module calls :func:`register_renamed` right after registering the class,
so a config that still says ``type='<old name>'`` builds the new class and
warns; a package whose ``__init__`` exports renamed classes sets
``__getattr__ = renamed_getattr(__name__, globals())`` so
``from <package> import <old name>`` returns the new class and warns.

This module imports nothing from the mm stack at import time.
"""
import logging
import warnings
from typing import Callable, Dict, Mapping

# old name -> new name (the classification / detection scheme: each name
# says its task). Remove an entry, its alias goes with it.
RENAMED: Dict[str, str] = {
    'DSASequenceDataset': 'DSAClassificationDataset',
    'DSAVideoDataset': 'DSADetectionDataset',
    'PackDSASequenceInputs': 'PackDSAClassificationInputs',
    'PackDSADetInputs': 'PackDSADetectionInputs',
    'SequenceDataPreprocessor': 'DSAClassificationDataPreprocessor',
    'SpatioTemporalDetDataPreprocessor': 'DSADetectionDataPreprocessor',
}

# old module -> new module (a package moved to its layer; the old path
# stays importable for one release and warns)
MOVED: Dict[str, str] = {
    'mmdsa.models.post_processing': 'mmdsa.structures.series',
}

_LOGGED = set()


def renamed_message(old: str) -> str:
    """The one-line deprecation message for ``old``."""
    return (f'{old} is deprecated and will be removed in the next release: '
            f'use {RENAMED[old]} (same arguments)')


def warn_renamed(old: str, stacklevel: int = 3) -> None:
    """Warn that ``old`` was renamed.

    A ``DeprecationWarning`` every time (Python shows it once per call site
    by default), and, once per process, the same message as an MMEngine
    log warning (``DeprecationWarning`` is hidden outside ``__main__``, so a
    training log would otherwise not show it).
    """
    message = renamed_message(old)
    warnings.warn(message, DeprecationWarning, stacklevel=stacklevel)
    if old not in _LOGGED:
        _LOGGED.add(old)
        from mmengine.logging import print_log
        print_log(message, logger='current', level=logging.WARNING)


def register_renamed(registry, new_cls: type) -> None:
    """Register every old name of ``new_cls`` in ``registry``.

    The old name builds ``new_cls`` with the same arguments after
    :func:`warn_renamed`, so objects built from old configs are instances of
    the new class.

    Args:
        registry (mmengine.registry.Registry): The registry ``new_cls`` is
            registered in.
        new_cls (type): The renamed class (its ``__name__`` is the new name).
    """
    for old, new in RENAMED.items():
        if new != new_cls.__name__:
            continue

        def build(*args, _old=old, **kwargs):
            warn_renamed(_old)
            return new_cls(*args, **kwargs)

        build.__name__ = build.__qualname__ = old
        build.__module__ = new_cls.__module__
        build.__doc__ = (f'Deprecated alias of :class:`{new}`: builds one '
                         'and warns.')
        registry.register_module(name=old, module=build)


def renamed_getattr(module: str, namespace: Mapping) -> Callable:
    """A module ``__getattr__`` resolving the old names of its exports.

    Args:
        module (str): The module's ``__name__`` (for the AttributeError).
        namespace (Mapping): The module's ``globals()``.

    Returns:
        Callable: ``__getattr__(name)`` returning ``namespace[RENAMED[name]]``
        after :func:`warn_renamed` when the new name is exported there, else
        raising ``AttributeError``.
    """

    def __getattr__(name: str):
        new = RENAMED.get(name)
        if new is None or new not in namespace:
            raise AttributeError(
                f'module {module!r} has no attribute {name!r}')
        warn_renamed(name)
        return namespace[new]

    return __getattr__


def moved_message(old: str) -> str:
    """The one-line deprecation message of the moved module ``old``."""
    return (f'{old} is deprecated and will be removed in the next release: '
            f'import from {MOVED[old]} (same names)')


def warn_moved(old: str, stacklevel: int = 3) -> None:
    """Warn that module ``old`` moved (as :func:`warn_renamed`)."""
    message = moved_message(old)
    warnings.warn(message, DeprecationWarning, stacklevel=stacklevel)
    if old not in _LOGGED:
        _LOGGED.add(old)
        from mmengine.logging import print_log
        print_log(message, logger='current', level=logging.WARNING)
