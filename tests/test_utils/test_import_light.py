"""mmdsa.fileio and mmdsa.evaluation.functional work without the mm stack."""
import subprocess
import sys

from tests.conftest import REPO_ROOT

_BLOCK = '''
import sys
BLOCKED = ('torch', 'mmcv', 'mmdet', 'mmengine', 'mmpretrain', 'cv2')
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in BLOCKED:
            raise ImportError(f'{name} is blocked in this test')
sys.meta_path.insert(0, Blocker())
'''


def _run(code):
    return subprocess.run([sys.executable, '-c', _BLOCK + code],
                          cwd=str(REPO_ROOT), capture_output=True, text=True,
                          timeout=120)


def test_readers_and_metric_functions_without_the_mm_stack(tmp_path):
    np_path = tmp_path / 's.npy'
    proc = _run(f'''
import numpy as np
np.save({str(np_path)!r}, np.arange(24, dtype=np.float32).reshape(2, 3, 4))
from mmdsa.fileio import read_dsa_series, open_dsa_series
from mmdsa.evaluation.functional import binary_roc_auc
assert read_dsa_series({str(np_path)!r}).frames.shape == (2, 3, 4)
assert open_dsa_series({str(np_path)!r}).read_frames([1]).shape == (1, 3, 4)
assert binary_roc_auc([0, 1, 1], [0.1, 0.9, 0.8]) == 1.0
print('ok')
''')
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == 'ok'


def test_the_stack_is_checked_where_it_is_first_needed():
    proc = _run('''
import mmdsa
try:
    import mmdsa.registry
except ImportError as exc:
    print(exc)
''')
    assert proc.returncode == 0, proc.stderr
    assert 'mmdsa needs' in proc.stdout and 'cannot be imported' in \
        proc.stdout and 'tools/setup_env.sh' in proc.stdout
