# tiny_classifier.py whose process dies at a chosen moment of saving a
# checkpoint (tests/data/kill_points.py reads MMDSA_KILL_AT).
_base_ = ['./tiny_classifier.py']
custom_imports = dict(
    imports=['mmdsa', 'kill_points'], allow_failed_imports=False)
