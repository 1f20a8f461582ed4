import json

import pytest

from mmdsa.evaluation.claims.parts import load_part_record, part_file
from mmdsa.utils.cli import ToolError


def test_part_record_refuses_the_other_scale(tmp_path):
    path = part_file(str(tmp_path), 'ablation')
    assert path == str(tmp_path / 'parts' / 'ablation.json')
    assert load_part_record(path, quick=False) == {}
    (tmp_path / 'parts').mkdir()
    (tmp_path / 'parts' / 'ablation.json').write_text(
        json.dumps(dict(quick=True, seeds=[0])))
    assert load_part_record(path, quick=True)['seeds'] == [0]
    with pytest.raises(ToolError, match='quick=True, now quick=False'):
        load_part_record(path, quick=False)


def test_an_interrupted_session_counts_towards_the_part(tmp_path):
    import os
    import time

    from mmdsa.evaluation.claims.parts import begin_session, end_session
    path = tmp_path / 'parts' / 'table1.json'
    path.parent.mkdir()
    t0, interrupted = begin_session(str(path))
    assert interrupted == [] and abs(t0 - time.time()) < 60
    # the session is cut off: its marker stays; its last file was
    # written 5 minutes after it started
    start = time.time() - 600
    (tmp_path / 'parts' / 'table1.json.session').write_text(
        json.dumps(dict(start=start)))
    out = tmp_path / 'seed_0' / 'predictions.json'
    out.parent.mkdir()
    out.write_text('{}')
    os.utime(out, (start + 300, start + 300))
    os.utime(tmp_path / 'parts' / 'table1.json.session', (start, start))
    _, interrupted = begin_session(str(path))
    assert interrupted == [5.0]
    end_session(str(path))
    assert not (tmp_path / 'parts' / 'table1.json.session').exists()
    _, interrupted = begin_session(str(path))
    assert interrupted == []


def test_part_record_refuses_another_level(tmp_path):
    path = part_file(str(tmp_path), 'gru')
    (tmp_path / 'parts').mkdir()
    (tmp_path / 'parts' / 'gru.json').write_text(
        json.dumps(dict(quick=False, difficulty='medium')))
    assert load_part_record(path, False, difficulty='medium')
    with pytest.raises(ToolError, match='difficulty=medium, now '
                       'difficulty=hard'):
        load_part_record(path, False, difficulty='hard')
