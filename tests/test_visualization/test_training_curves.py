"""analyze_logs: scalars of resumed runs join up, default keys, curves and
training time written, unknown keys refused."""
import json

import numpy as np
import pytest

from mmdsa.visualization.training_curves import (default_keys, load_scalars,
                                                 train_time)
from tests.conftest import run_tool


def _write(work, stamp, lines):
    folder = work / stamp / 'vis_data'
    folder.mkdir(parents=True)
    (folder / 'scalars.json').write_text(
        '\n'.join(json.dumps(x) for x in lines) + '\n')


@pytest.fixture
def work(tmp_path):
    work = tmp_path / 'work'
    first = [dict(lr=0.01, loss=1.0 / it, time=0.1 * it, epoch=1 + it // 5,
                  iter=it, step=it) for it in range(1, 8)]
    first.append(dict(auc=0.6, mcc=0.1, tp=3, step=1))
    # resumed at iteration 6: its records replace the first run's
    second = [dict(lr=0.005, loss=0.5 / it, time=0.2, epoch=1 + it // 5,
                   iter=it, step=it) for it in range(6, 11)]
    second.append(dict(auc=0.8, mcc=0.4, tp=5, step=2))
    _write(work, '20260101_000000', first)
    _write(work, '20260102_000000', second)
    return work


def test_resumed_runs_join_up(work):
    scalars = load_scalars(str(work))
    steps = [r['step'] for r in scalars['train']]
    assert steps == list(range(1, 11))
    assert scalars['train'][6]['loss'] == pytest.approx(0.5 / 7)
    assert scalars['train'][4]['loss'] == pytest.approx(1.0 / 5)
    assert [r['auc'] for r in scalars['val']] == [0.6, 0.8]
    assert default_keys(scalars) == ['loss', 'lr', 'auc', 'mcc']
    times = [0.1 * i for i in range(1, 6)] + [0.2] * 5
    res = train_time(str(work))
    assert res['mean'] == pytest.approx(np.mean(times))
    epoch1 = [t for i, t in zip(range(1, 11), times) if 1 + i // 5 == 1]
    assert res['per_epoch'][1] == pytest.approx(np.mean(epoch1))


def test_tool_plots_and_refuses_unknown_keys(work, tmp_path):
    out = tmp_path / 'curves.png'
    proc = run_tool(['tools/analysis_tools/analyze_logs.py', 'plot_curve',
                     work, '--keys', 'loss', 'auc', '--out', out])
    assert 'wrote' in proc.stdout and out.stat().st_size > 5000
    bad = run_tool(['tools/analysis_tools/analyze_logs.py', 'plot_curve',
                    work, '--keys', 'so/ap50', '--out', out], check=False)
    assert bad.returncode == 2
    assert bad.stderr.startswith('error: ') and 'available' in bad.stderr
    t = run_tool(['tools/analysis_tools/analyze_logs.py', 'cal_train_time',
                  work])
    assert 's/iter on average' in t.stdout


def test_bad_line_names_file_and_line(tmp_path):
    _write(tmp_path, '20260101_000000', [dict(loss=1, step=1, iter=1)])
    path = tmp_path / '20260101_000000' / 'vis_data' / 'scalars.json'
    path.write_text(path.read_text() + 'not json\n')
    with pytest.raises(ValueError, match='line 2'):
        load_scalars(str(tmp_path))
    with pytest.raises(FileNotFoundError, match='scalars.json'):
        load_scalars(str(tmp_path / 'nothing'))
