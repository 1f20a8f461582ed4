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
