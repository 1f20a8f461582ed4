"""The demo is deterministic on one machine: two tiny-scale runs with the
same seed give the same report figures (report.json)."""
import json
import os
import subprocess
import sys

from tests.conftest import REPO_ROOT


TIMING_KEYS = ('time', 'data_time')


def _metrics(metrics):
    return {k: v for k, v in metrics.items() if k not in TIMING_KEYS}


def _figures(report):
    """What must not change between runs (not paths or wall time)."""
    points = {task: None if p is None else
              {k: v for k, v in p.items() if k != 'file'}
              for task, p in report['operating_points'].items()}
    return dict(
        perforation=_metrics(report['perforation']['metrics']),
        perforation_table=report['perforation']['table'],
        thrombus=_metrics(report['thrombus']['metrics']),
        thresholds=report['detector_thresholds'],
        operating_points=points,
        targets=report['targets'],
        cines=[{k: c[k] for k in ('task', 'series', 'label', 'score',
                                  'verdict', 'threshold')}
               for c in report['cine_examples']],
        example={k: v for k, v in (report['example'] or {}).items()
                 if k != 'picture'})


def test_tiny_demo_twice_gives_the_same_report(tmp_path):
    # both runs at once (one core each): the test takes one run's time
    env = dict(os.environ, OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join(
                   [str(REPO_ROOT), os.environ.get('PYTHONPATH', '')]))
    procs = [subprocess.Popen(
        [sys.executable, 'tools/demo.py', '--scale', 'tiny', '--out',
         str(tmp_path / run)], cwd=REPO_ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for run in ('a', 'b')]
    reports = []
    for run, proc in zip(('a', 'b'), procs):
        _, err = proc.communicate(timeout=1200)
        assert proc.returncode == 0, err[-4000:]
        reports.append(json.loads(
            (tmp_path / run / 'report' / 'report.json').read_text()))
    md = (tmp_path / 'a' / 'report' / 'report.md').read_text()
    assert 'AP50' not in md and 'Youden sensitivity' not in md
    for text in ('optimistic (chosen on test)', 'SO (series optimiser)',
                 'chosen on the validation split', 'Box precision / recall',
                 'Caveat: Grad-CAM'):
        assert text in md, text
    a, b = (_figures(r) for r in reports)
    assert a['perforation'] and a['thrombus']
    for key in a:
        assert a[key] == b[key], key
