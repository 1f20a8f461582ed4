"""The DICOM node's configuration: one small YAML or JSON file.

Example (shortened from ``configs/node/example_node.yaml``)::

    ae_title: MMDSA                # the node's own AE title
    bind_address: 127.0.0.1        # 0.0.0.0 to listen on every interface
    port: 11112
    allowed_calling_aets: [ANGIO1, ORTHANC]   # everyone else is refused
    spool_dir: /var/lib/mmdsa-node
    destination: {ae_title: ORTHANC, host: 127.0.0.1, port: 4242}
    completion: {expected_instances: null, use_header_count: true,
                 idle_timeout_s: 10}
    retry: {initial_s: 1, max_s: 60}
    models:
      - name: perforation
        config: configs/perforation/<config>.py
        checkpoint: work_dirs/<run>/best.pth   # + its operating-point sidecar

Relative paths (``spool_dir``, ``models[].config`` / ``checkpoint``) are
resolved against the configuration file's folder. Every error names the
file and the field, what was expected and what came.
"""
import json
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

__all__ = ['NodeConfigError', 'NodeConfig', 'Destination', 'Completion',
           'RetryPolicy', 'ModelSpec', 'load_node_config', 'parse_node_config']

#: DICOM AE titles: 1-16 characters of the default repertoire, no backslash
#: and no control characters; leading / trailing spaces are not significant.
_AE_RE = re.compile(r'^[\x20-\x5b\x5d-\x7e]{1,16}$')


class NodeConfigError(ValueError):
    """A node configuration that cannot be used (names file and field)."""


@dataclass
class Destination:
    """Where result objects are C-STOREd (a PACS such as Orthanc)."""
    ae_title: str
    host: str
    port: int


@dataclass
class Completion:
    """When a series counts as complete.

    A series is complete when ``expected_instances`` instances arrived
    (when set), or the number a received header announces
    (ImagesInAcquisition, when ``use_header_count``), or when no instance
    of it arrived for ``idle_timeout_s`` seconds, whichever comes first.
    """
    expected_instances: Optional[int] = None
    use_header_count: bool = True
    idle_timeout_s: float = 10.0


@dataclass
class RetryPolicy:
    """Backoff between attempts to deliver results: ``initial_s``, doubled
    after each failure, at most ``max_s``. Results are never dropped."""
    initial_s: float = 1.0
    max_s: float = 60.0


@dataclass
class ModelSpec:
    """One resident model: its config, checkpoint and operating point."""
    name: str
    config: str
    checkpoint: Optional[str] = None
    threshold: Optional[float] = None
    force: bool = False


@dataclass
class NodeConfig:
    """Everything the node needs (see the module docstring)."""
    ae_title: str
    port: int
    allowed_calling_aets: List[str]
    spool_dir: str
    destination: Destination
    bind_address: str = '127.0.0.1'
    completion: Completion = field(default_factory=Completion)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    models: List[ModelSpec] = field(default_factory=list)
    include_sc: bool = False
    keep_received: bool = True
    network_timeout_s: float = 30.0
    device: str = 'cpu'
    processor: Optional[str] = None
    source: str = '<dict>'


_TOP = {'ae_title', 'bind_address', 'port', 'allowed_calling_aets',
        'spool_dir', 'destination', 'completion', 'retry', 'models',
        'include_sc', 'keep_received', 'network_timeout_s', 'device',
        'processor'}


class _Reader:
    """Typed access to one mapping of the file, with errors naming it."""

    def __init__(self, source: str, where: str, data: Any):
        self.source, self.where = source, where
        if not isinstance(data, dict):
            self.fail(where or 'top level', 'a mapping', data)
        self.data = data

    def fail(self, name: str, expected: str, got: Any):
        raise NodeConfigError(
            f'{self.source}: {name}: expected {expected}, got {got!r}')

    def name(self, key: str) -> str:
        return f'{self.where}.{key}' if self.where else key

    def unknown(self, allowed) -> None:
        extra = sorted(set(self.data) - set(allowed))
        if extra:
            self.fail(self.name(extra[0]),
                      'one of the fields ' + ', '.join(sorted(allowed)),
                      'an unknown field')

    def get(self, key, kind, default=..., check=None, expected=None):
        if key not in self.data or self.data[key] is None:
            if default is ...:
                self.fail(self.name(key), expected or kind.__name__,
                          'nothing (the field is required)')
            return default
        value = self.data[key]
        ok = isinstance(value, kind) and not (
            isinstance(value, bool) and kind is not bool)
        if kind is float and isinstance(value, int) and \
                not isinstance(value, bool):
            value, ok = float(value), True
        if not ok or (check is not None and not check(value)):
            self.fail(self.name(key), expected or kind.__name__, value)
        return value

    def ae(self, key):
        return self.get(key, str, check=lambda v: bool(
            _AE_RE.match(v) and v.strip()), expected='an AE title (1-16 '
            'printable characters, no backslash)').strip()

    def port(self, key):
        return self.get(key, int, check=lambda v: 0 <= v <= 65535,
                        expected='a TCP port (0-65535; 0 picks a free one)')

    def path(self, key, folder, default=...):
        value = self.get(key, str, default, check=lambda v: bool(v.strip()),
                         expected='a path')
        if value is None or value is default:
            return value
        value = osp.expanduser(value)
        return value if osp.isabs(value) else osp.normpath(
            osp.join(folder, value))


def parse_node_config(data: Any, source: str = '<dict>',
                      folder: str = '.') -> NodeConfig:
    """Validate a configuration mapping (see :func:`load_node_config`).

    Args:
        data (dict): The parsed file.
        source (str): The file, for error messages.
        folder (str): Relative paths are resolved against it.

    Returns:
        NodeConfig: The checked configuration.

    Raises:
        NodeConfigError: a field is missing, unknown or of the wrong kind.
    """
    top = _Reader(source, '', data)
    top.unknown(_TOP)
    aets = top.get('allowed_calling_aets', list,
                   expected='a non-empty list of AE titles (the modalities '
                   'and PACS allowed to send)', check=lambda v: len(v) > 0)
    for i, aet in enumerate(aets):
        if not isinstance(aet, str) or not _AE_RE.match(aet) or \
                not aet.strip():
            top.fail(f'allowed_calling_aets[{i}]', 'an AE title', aet)
    dest = _Reader(source, 'destination', top.get('destination', dict))
    dest.unknown({'ae_title', 'host', 'port'})
    destination = Destination(
        ae_title=dest.ae('ae_title'),
        host=dest.get('host', str, check=lambda v: bool(v.strip()),
                      expected='a host name or address'),
        port=dest.get('port', int, check=lambda v: 1 <= v <= 65535,
                      expected='a TCP port (1-65535)'))
    comp = _Reader(source, 'completion', top.get('completion', dict, {}))
    comp.unknown({'expected_instances', 'use_header_count',
                  'idle_timeout_s'})
    completion = Completion(
        expected_instances=comp.get(
            'expected_instances', int, None, check=lambda v: v >= 1,
            expected='a positive number of instances, or null'),
        use_header_count=comp.get('use_header_count', bool, True),
        idle_timeout_s=comp.get('idle_timeout_s', float, 10.0,
                                check=lambda v: v > 0,
                                expected='a positive number of seconds'))
    ret = _Reader(source, 'retry', top.get('retry', dict, {}))
    ret.unknown({'initial_s', 'max_s'})
    retry = RetryPolicy(
        initial_s=ret.get('initial_s', float, 1.0, check=lambda v: v > 0,
                          expected='a positive number of seconds'),
        max_s=ret.get('max_s', float, 60.0, check=lambda v: v > 0,
                      expected='a positive number of seconds'))
    if retry.max_s < retry.initial_s:
        ret.fail('retry.max_s', f'at least retry.initial_s '
                 f'({retry.initial_s})', retry.max_s)
    models = []
    processor = top.get('processor', str, None,
                        check=lambda v: re.match(r'^[\w.]+:\w+$', v),
                        expected='"package.module:factory"')
    for i, entry in enumerate(top.get('models', list, [])):
        m = _Reader(source, f'models[{i}]', entry)
        m.unknown({'name', 'config', 'checkpoint', 'threshold', 'force'})
        spec = ModelSpec(
            name=m.get('name', str, check=lambda v: bool(
                re.match(r'^[\w.-]{1,64}$', v)),
                expected='a short name (letters, digits, _ . -)'),
            config=m.path('config', folder),
            checkpoint=m.path('checkpoint', folder, None),
            threshold=m.get('threshold', float, None,
                            check=lambda v: 0 <= v <= 1,
                            expected='a threshold in [0, 1], or null'),
            force=m.get('force', bool, False))
        if not osp.isfile(spec.config):
            m.fail(m.name('config'), 'an existing config file',
                   spec.config)
        if spec.checkpoint is not None and not osp.isfile(spec.checkpoint):
            m.fail(m.name('checkpoint'), 'an existing checkpoint file',
                   spec.checkpoint)
        models.append(spec)
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        top.fail('models[].name', 'distinct names', names)
    if not models and processor is None:
        top.fail('models', 'at least one model (name, config, checkpoint)',
                 [])
    return NodeConfig(
        ae_title=top.ae('ae_title'),
        bind_address=top.get('bind_address', str, '127.0.0.1',
                             check=lambda v: bool(v.strip()),
                             expected='an address to listen on'),
        port=top.port('port'),
        allowed_calling_aets=[a.strip() for a in aets],
        spool_dir=top.path('spool_dir', folder),
        destination=destination,
        completion=completion,
        retry=retry,
        models=models,
        include_sc=top.get('include_sc', bool, False),
        keep_received=top.get('keep_received', bool, True),
        network_timeout_s=top.get('network_timeout_s', float, 30.0,
                                  check=lambda v: v > 0,
                                  expected='a positive number of seconds'),
        device=top.get('device', str, 'cpu'),
        processor=processor,
        source=source)


def load_node_config(path: str,
                     overrides: Optional[Dict[str, Any]] = None
                     ) -> NodeConfig:
    """Read and validate a node configuration file (YAML or JSON).

    Args:
        path (str): ``.yaml`` / ``.yml`` / ``.json`` file.
        overrides (dict, optional): Top-level fields replacing the file's
            (e.g. ``{'port': 0}`` from the command line).

    Returns:
        NodeConfig: The checked configuration.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        NodeConfigError: it cannot be parsed or a field is wrong.
    """
    with open(path, encoding='utf-8') as f:
        text = f.read()
    ext = osp.splitext(path)[1].lower()
    try:
        if ext == '.json':
            data = json.loads(text)
        elif ext in ('.yaml', '.yml'):
            import yaml
            data = yaml.safe_load(text)
        else:
            raise NodeConfigError(
                f'{path}: expected a .yaml, .yml or .json file, got '
                f'{ext or "no extension"!r}')
    except (ValueError, ImportError) as exc:
        if isinstance(exc, NodeConfigError):
            raise
        raise NodeConfigError(f'{path}: cannot parse: '
                              f'{" ".join(str(exc).split())}') from exc
    except Exception as exc:  # yaml.YAMLError
        raise NodeConfigError(f'{path}: cannot parse: '
                              f'{" ".join(str(exc).split())}') from exc
    if isinstance(data, dict) and overrides:
        data = dict(data, **overrides)
    return parse_node_config(data, path, osp.dirname(osp.abspath(path)))
