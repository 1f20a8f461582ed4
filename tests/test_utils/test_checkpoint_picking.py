"""Which checkpoint of a run is evaluated: one rule (mmdsa.utils.checkpoint)
for apis.experiment, tools/run_cross_validation.py and the reproduction."""
import os
import sys

import pytest

from mmdsa.utils.checkpoint import (best_checkpoint, best_or_last_checkpoint,
                                    last_checkpoint)
from tests.conftest import REPO_ROOT


def _touch(path, mtime):
    path.write_bytes(b'')
    os.utime(path, (mtime, mtime))
    return str(path)


def test_best_then_last_and_the_refusals(tmp_path):
    with pytest.raises(FileNotFoundError, match='best_.*neither'):
        best_or_last_checkpoint(str(tmp_path))
    assert best_checkpoint(str(tmp_path)) is None
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'gone.pth'))
    with pytest.raises(FileNotFoundError, match='naming an existing file'):
        last_checkpoint(str(tmp_path))
    last = _touch(tmp_path / 'epoch_3.pth', 100)
    (tmp_path / 'last_checkpoint').write_text(last + '\n')
    assert last_checkpoint(str(tmp_path)) == last
    assert best_or_last_checkpoint(str(tmp_path)) == last
    old = _touch(tmp_path / 'best_auc_epoch_1.pth', 50)
    assert best_or_last_checkpoint(str(tmp_path)) == old
    new = _touch(tmp_path / 'best_mcc_epoch_2.pth', 60)
    assert best_checkpoint(str(tmp_path)) == new
    assert best_or_last_checkpoint(str(tmp_path)) == new
    assert last_checkpoint(str(tmp_path)) == last


def test_callers_use_the_library_rule(tmp_path, monkeypatch):
    from mmdsa.apis.experiment import best_or_last_checkpoint as exp_pick
    sys.path.insert(0, str(REPO_ROOT / 'tools'))
    try:
        import run_cross_validation as cv
    finally:
        sys.path.remove(str(REPO_ROOT / 'tools'))
    last = _touch(tmp_path / 'epoch_3.pth', 100)
    (tmp_path / 'last_checkpoint').write_text(last)
    for pick in (exp_pick, cv.best_checkpoint):
        assert pick(str(tmp_path)) == last
    assert cv.last_checkpoint(str(tmp_path)) == last
    best = _touch(tmp_path / 'best_mcc_epoch_2.pth', 60)
    for pick in (exp_pick, cv.best_checkpoint):
        assert pick(str(tmp_path)) == best
    os.remove(last)
    # the old apis.experiment rule returned the dangling name here
    os.remove(best)
    with pytest.raises(FileNotFoundError, match='neither'):
        exp_pick(str(tmp_path))
