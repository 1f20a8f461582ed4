"""Registration of every mmdsa module and the default scope."""
import datetime
import warnings

import mmdsa._mm_stack  # noqa: F401 (version check before MMEngine)
from mmengine import DefaultScope

#: Import name and pip name of this project, for MMEngine's ``::`` lookup.
PACKAGE = 'mmdsa'


def register_config_package() -> None:
    """Let MMEngine resolve ``'mmdsa::<task>/<config>.py'`` references.

    MMEngine 0.10.7 resolves ``package::path`` only for the packages named in
    ``mmengine.config.utils.MODULE2PACKAGE`` (an ``assert`` in
    ``_get_package_and_cfg_path`` refuses any other) and then reads
    ``<installed package>/.mim/configs/<path>`` (``.mim/model-index.yml``
    must exist). The wheel carries that layout (see setup.py); this adds the
    one missing entry, ``'mmdsa' -> 'mmdsa'``. Nothing else is changed, and
    calling it again is a no-op. :func:`register_all_modules` calls it, so
    do the tools before they read a config.

    Example:
        >>> from mmengine.config import Config
        >>> register_config_package()
        >>> cfg = Config.fromfile('my_config.py')  # doctest: +SKIP
        >>> # my_config.py: _base_ = ['mmdsa::perforation/<name>.py']
    """
    from mmengine.config.utils import MODULE2PACKAGE
    MODULE2PACKAGE.setdefault(PACKAGE, PACKAGE)


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mmdsa package that registers modules.

    Also imports mmdet's and mmpretrain's modules so that configs can name
    them with their ``mmdet.`` / ``mmpretrain.`` prefixes, and makes
    ``mmdsa::`` config references resolvable (:func:`register_config_package`).

    Args:
        init_default_scope (bool): Whether to set ``'mmdsa'`` as the default
            scope. If another scope is current, a new uniquely named
            ``'mmdsa'`` scope instance is created. Defaults to True.
    """
    register_config_package()

    import mmdet.utils
    import mmpretrain.utils
    mmdet.utils.register_all_modules(init_default_scope=False)
    mmpretrain.utils.register_all_modules(init_default_scope=False)

    import mmdsa.datasets  # noqa: F401,F811
    import mmdsa.engine  # noqa: F401,F811
    import mmdsa.evaluation.metrics  # noqa: F401,F811
    import mmdsa.models  # noqa: F401,F811
    import mmdsa.visualization  # noqa: F401,F811

    if not init_default_scope:
        return
    never_created = DefaultScope.get_current_instance() is None \
        or not DefaultScope.check_instance_created('mmdsa')
    if never_created:
        DefaultScope.get_instance('mmdsa', scope_name='mmdsa')
        return
    current_scope = DefaultScope.get_current_instance()
    if current_scope.scope_name != 'mmdsa':
        warnings.warn('The current default scope '
                      f'"{current_scope.scope_name}" is not "mmdsa", '
                      '`register_all_modules` will force the current '
                      'default scope to be "mmdsa". If this is not '
                      'expected, please set `init_default_scope=False`.')
        new_instance_name = f'mmdsa-{datetime.datetime.now()}'
        DefaultScope.get_instance(new_instance_name, scope_name='mmdsa')
