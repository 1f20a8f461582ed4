"""Registration of every mmdsa module and the default scope."""
import datetime
import warnings

import mmdsa._mm_stack  # noqa: F401 (version check before MMEngine)
from mmdsa import register_config_package
from mmengine import DefaultScope


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
