from .setup_env import register_all_modules, register_config_package

__all__ = ['register_all_modules', 'register_config_package']
