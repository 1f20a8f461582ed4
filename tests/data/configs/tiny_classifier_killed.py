# tiny_classifier.py whose process dies right after the epoch-1 checkpoint.
_base_ = ['./tiny_classifier.py']
custom_imports = dict(imports=['mmdsa', 'kill_hook'], allow_failed_imports=False)
custom_hooks = [dict(type='KillAfterCheckpointHook', after_epoch=1)]
