"""warm_up: the first build in a process after it pays no imports; the
result builders do not import mmdsa.visualization (matplotlib, mmengine)
unless the Secondary Capture is asked for."""
import subprocess
import sys

CHILD = '''
import sys
from mmdsa.results import warm_up
seconds = warm_up()
heavy = sorted(m for m in ('mmdsa.visualization', 'matplotlib', 'torch')
               if m in sys.modules)
print(seconds, heavy)
'''


def test_warm_up_builds_without_the_visualization_stack():
    proc = subprocess.run([sys.executable, '-c', CHILD], capture_output=True,
                          text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    seconds, heavy = proc.stdout.strip().split(' ', 1)
    assert float(seconds) > 0
    assert heavy == '[]'


def test_warm_up_with_sc_and_then_a_real_build(source, provenance):
    from mmdsa.results import (build_result_datasets, read_source_datasets,
                               warm_up)

    from .conftest import detector_result
    assert warm_up(include_sc=True) > 0
    path, frames = source
    datasets = build_result_datasets(
        detector_result(frames), read_source_datasets(str(path)),
        provenance, task='perforation', model_name='m', include_sc=True)
    assert [str(ds.Modality) for ds in datasets] == ['SR', 'PR', 'KO', 'OT']
