"""Utilities. ``mmdsa.utils.fileio`` (the atomic writer) is numpy-free and
needs no OpenMMLab package; the registration helpers load the mm stack on
first use (so ``mmdsa.fileio`` stays import-light)."""

__all__ = ['register_all_modules', 'register_config_package']


def __getattr__(name):
    if name == 'register_all_modules':
        from .setup_env import register_all_modules
        return register_all_modules
    if name == 'register_config_package':
        from mmdsa import register_config_package
        return register_config_package
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
