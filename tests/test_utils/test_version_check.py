import pytest

import mmdsa


def test_installed_versions_pass():
    mmdsa.check_versions()


@pytest.mark.parametrize('package,version', [('mmcv', '2.2.0'),
                                             ('mmcv', '2.0.1'),
                                             ('mmdet', '3.2.0'),
                                             ('mmdet', '3.4.0'),
                                             ('mmengine', '0.9.0'),
                                             ('mmpretrain', '1.3.0')])
def test_out_of_range_version_raises_import_error(package, version):
    with pytest.raises(ImportError) as info:
        mmdsa.check_versions(installed={package: version})
    message = str(info.value)
    assert f'{package}=={version} is installed' in message
    assert f'mmdsa needs {package}' in message
    assert 'tools/setup_env.sh' in message


def test_import_fails_with_unsupported_mmcv(monkeypatch):
    """Importing mmdsa itself raises when mmcv is outside the range."""
    import importlib
    import sys

    import mmcv
    monkeypatch.setattr(mmcv, '__version__', '2.2.0')
    saved = {k: v for k, v in sys.modules.items() if k.startswith('mmdsa')}
    for key in saved:
        del sys.modules[key]
    try:
        with pytest.raises(ImportError, match=r'mmcv<2\.2\.0,>=2\.1\.0|'
                           r'mmcv>=2\.1\.0,<2\.2\.0'):
            importlib.import_module('mmdsa')
    finally:
        for key in [k for k in sys.modules if k.startswith('mmdsa')]:
            del sys.modules[key]
        sys.modules.update(saved)
