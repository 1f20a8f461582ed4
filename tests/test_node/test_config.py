"""The node's configuration: the example parses, and every wrong field is
refused with the file and the field named."""
import json

import pytest

from mmdsa.node.config import NodeConfigError, load_node_config

from .conftest import REPO_ROOT

DET = str(REPO_ROOT / 'configs' / 'perforation' / 'retinanet_r18-tiny_fpn_'
          'tcm-t5_dr-iou_so_8e_synthetic-perforation.py')


def _base(tmp_path):
    return dict(ae_title='MMDSA', port=11112,
                allowed_calling_aets=['ANGIO1'], spool_dir='spool',
                destination=dict(ae_title='ORTHANC', host='127.0.0.1',
                                 port=4242),
                models=[dict(name='perforation', config=DET)])


def _load(tmp_path, data, name='node.json'):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return load_node_config(str(path))


def test_example_config_parses():
    example = REPO_ROOT / 'configs' / 'node' / 'example_node.yaml'
    # its checkpoint is the demo's (absent here): check the rest
    cfg = load_node_config(str(example), dict(models=[dict(
        name='perforation', config=DET)]))
    assert cfg.ae_title == 'MMDSA' and cfg.port == 11112
    assert cfg.allowed_calling_aets == ['ANGIO1', 'ORTHANC']
    assert cfg.destination.port == 4242
    assert cfg.completion.idle_timeout_s == 10.0
    assert cfg.spool_dir == str(REPO_ROOT / 'work_dirs' / 'dicom_node' /
                                'spool')
    with pytest.raises(NodeConfigError, match=r'example_node.yaml: '
                       r'models\[0\].checkpoint: expected an existing'):
        load_node_config(str(example))


def test_defaults_and_relative_paths(tmp_path):
    cfg = _load(tmp_path, _base(tmp_path))
    assert cfg.bind_address == '127.0.0.1'
    assert cfg.spool_dir == str(tmp_path / 'spool')
    assert cfg.completion.expected_instances is None
    assert cfg.retry.initial_s == 1.0 and cfg.retry.max_s == 60.0
    assert cfg.models[0].checkpoint is None


@pytest.mark.parametrize('change, field, expected', [
    (dict(port=70000), 'port', 'a TCP port'),
    (dict(port='11112'), 'port', 'a TCP port'),
    (dict(ae_title='A' * 17), 'ae_title', 'an AE title'),
    (dict(ae_title='BAD\\AE'), 'ae_title', 'an AE title'),
    (dict(allowed_calling_aets=[]), 'allowed_calling_aets', 'a non-empty'),
    (dict(allowed_calling_aets=['OK', 7]), r'allowed_calling_aets\[1\]',
     'an AE title'),
    (dict(destination=dict(ae_title='X', host='h')), 'destination.port',
     'a TCP port'),
    (dict(completion=dict(idle_timeout_s=0)), 'completion.idle_timeout_s',
     'a positive number'),
    (dict(completion=dict(expected_instances=0)),
     'completion.expected_instances', 'a positive number'),
    (dict(completion=dict(idle=3)), 'completion.idle', 'one of the fields'),
    (dict(retry=dict(initial_s=5, max_s=1)), 'retry.max_s', 'at least'),
    (dict(models=[]), 'models', 'at least one model'),
    (dict(models=[dict(name='p', config='missing.py')]), r'models\[0\]'
     r'.config', 'an existing config file'),
    (dict(models=[dict(name='p', config=DET), dict(name='p', config=DET)]),
     r'models\[\].name', 'distinct names'),
    (dict(models=[dict(name='p', config=DET, threshold=2)]),
     r'models\[0\].threshold', 'a threshold in'),
    (dict(processor='not a path'), 'processor', '"package.module:factory"'),
    (dict(colour='blue'), 'colour', 'one of the fields'),
])
def test_wrong_fields_are_named(tmp_path, change, field, expected):
    data = _base(tmp_path)
    data.update(change)
    with pytest.raises(NodeConfigError,
                       match=rf'node.json: {field}: expected {expected}'):
        _load(tmp_path, data)


def test_unparsable_file(tmp_path):
    path = tmp_path / 'node.yaml'
    path.write_text('port: [1, 2\n')
    with pytest.raises(NodeConfigError, match='node.yaml: cannot parse'):
        load_node_config(str(path))
    other = tmp_path / 'x.txt'
    other.write_text('port: 1\n')
    with pytest.raises(NodeConfigError, match=r"x.txt: expected a \.yaml"):
        load_node_config(str(other))


def test_tool_refuses_a_bad_config_in_one_line(tmp_path, capsys):
    from mmdsa.node.cli import main
    from mmdsa.utils.cli import run_tool
    path = tmp_path / 'node.json'
    data = _base(tmp_path)
    data['port'] = -1
    path.write_text(json.dumps(data))
    assert run_tool(main, [str(path)]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith(
        f'error: {path}: port: expected a TCP port')
