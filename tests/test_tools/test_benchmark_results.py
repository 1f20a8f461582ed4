"""tools/analysis_tools/benchmark_results.py: its synthetic case reports
the boxes it promises, one timed run names every object, bad arguments
are refused."""
import importlib.util
from pathlib import Path

import pytest

TOOL = (Path(__file__).resolve().parents[2] / 'tools' / 'analysis_tools' /
        'benchmark_results.py')


def _tool():
    spec = importlib.util.spec_from_file_location('benchmark_results', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('layout', ['multiframe', 'folder'])
def test_one_timed_run_on_the_synthetic_case(tmp_path, layout):
    from mmdsa.results import summarise
    bench = _tool()
    path = bench.write_source(str(tmp_path), 32, 6, layout)
    result = bench.detector_result(32, 6, 8)
    # a kept trajectory over one frame: 8 detections + 1 trajectory box
    assert len(summarise(result, 'perforation', 32, 32)['boxes']) == 9
    run = bench.once(path, result, str(tmp_path / 'out'), sc=True)
    for kind in ('sr', 'gsps', 'kos', 'sc'):
        assert run['wall'][f'build_{kind}'] >= 0
        assert run['cpu'][f'write_{kind}'] >= 0
    assert len(list((tmp_path / 'out').glob('*.dcm'))) == 4


def test_bad_arguments_are_refused():
    from mmdsa.utils.cli import ToolError
    bench = _tool()
    with pytest.raises(ToolError, match='--repeat'):
        bench.main(['--repeat', '0'])
    with pytest.raises(ToolError, match='--sizes'):
        bench.main(['--sizes', '8'])
