"""The one entry wrapper of every tool under ``tools/``.

A tool's ``main(argv) -> int`` runs inside :func:`run_tool`. An *expected*
error (bad user input, an unreadable or refused file, an OS error on the
user's paths, a bad config) becomes one line ``error: <message>`` on stderr
and exit status 2. Anything else is a bug and keeps its traceback (exit
status 1). ``argparse`` usage errors already exit with status 2.

Example::

    from mmdsa.utils.cli import ToolError, run_tool

    def main(argv=None):
        ...
        raise ToolError(f'{path}: --out: expected a folder, got a file')

    if __name__ == '__main__':
        sys.exit(run_tool(main))
"""
import argparse
import difflib
import sys
from typing import Any, Callable, List, Optional, Sequence, Tuple, Type

__all__ = ['ToolError', 'refusal_errors', 'register_refusal_error',
           'refuse', 'run_tool', 'add_overwrite_argument',
           'apply_cfg_options', 'load_config', 'check_device']


class ToolError(Exception):
    """A refusal raised by a tool: the message is printed as it is.

    The message names the file (or option), the field, what was expected and
    what came, e.g. ``"labels.csv: column 'label': expected 0 or 1, got 7"``.
    """


#: Error classes (beyond :class:`ToolError` and ``OSError``) that mean "the
#: user's input was refused". Filled lazily by :func:`refusal_errors` from
#: the project's own error classes; other modules may add theirs with
#: :func:`register_refusal_error`.
_EXTRA: List[Type[BaseException]] = []


def register_refusal_error(cls: Type[BaseException]) -> Type[BaseException]:
    """Mark an error class as an expected refusal (usable as a decorator)."""
    if cls not in _EXTRA:
        _EXTRA.append(cls)
    return cls


def refusal_errors() -> Tuple[Type[BaseException], ...]:
    """All error classes :func:`run_tool` turns into ``error: ...``, exit 2.

    Returns:
        tuple[type, ...]: :class:`ToolError`, ``OSError`` (missing, read-only
        or full paths, a file where a folder was expected, ...), the
        project's input errors (unreadable series, bad annotations, bad
        operating points, refused checkpoints) and MMEngine's config errors
        (missing file, syntax error, bad ``--cfg-options``).
    """
    errors: List[Type[BaseException]] = [ToolError, OSError]
    from mmdsa.fileio.errors import DSAReadError
    errors.append(DSAReadError)
    from mmdsa.utils.paths import UnsafePathError
    errors.append(UnsafePathError)
    from mmdsa.utils.finite import NonFiniteError
    errors.append(NonFiniteError)
    from mmdsa.fileio.csv_table import CSVTableError
    errors.append(CSVTableError)
    try:
        from mmdsa.evaluation.metrics.prediction_files import \
            PredictionFileError
        errors.append(PredictionFileError)
    except ImportError:  # pragma: no cover
        pass
    from mmdsa.utils.checkpoint import REFUSED_CHECKPOINT_ERRORS
    errors.extend(REFUSED_CHECKPOINT_ERRORS)
    try:  # modules that import torch-heavy code are optional here
        from mmdsa.datasets.annotations import AnnotationError
        errors.append(AnnotationError)
        from mmdsa.datasets.splits import SplitError
        errors.append(SplitError)
    except ImportError:  # pragma: no cover
        pass
    try:
        from mmdsa.apis.operating_point import OperatingPointError
        errors.append(OperatingPointError)
    except ImportError:  # pragma: no cover
        pass
    errors.extend(_EXTRA)
    # a config that cannot be parsed (MMEngine re-raises Python's own)
    errors.append(SyntaxError)
    return tuple(dict.fromkeys(errors))


class _OverwriteAction(argparse.Action):
    """``--overwrite``: let this run replace existing files."""

    def __init__(self, option_strings, dest, **kwargs):
        kwargs.setdefault('nargs', 0)
        kwargs.setdefault('default', False)
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        from mmdsa.utils.fileio import allow_overwrite
        setattr(namespace, self.dest, True)
        allow_overwrite(True)


def add_overwrite_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--overwrite`` (replace existing output files) to a tool.

    Without it, a tool run under :func:`run_tool` refuses to replace any
    file it did not write itself in this run
    (:func:`mmdsa.utils.fileio.output_run`).
    """
    parser.add_argument(
        '--overwrite', action=_OverwriteAction,
        help='replace existing output files (default: refuse any file '
        'this run did not write)')


def check_device(device: str) -> str:
    """Refuse a ``--device`` torch does not know or this machine lacks.

    Raises:
        ToolError: e.g. ``--device banana`` or ``cuda`` without a GPU.
    """
    import torch
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise ToolError(f'--device: expected cpu, cuda or cuda:N, got '
                        f'{device!r}') from exc
    if dev.type == 'cuda':
        count = torch.cuda.device_count()
        if count == 0 or (dev.index is not None and dev.index >= count):
            raise ToolError(f'--device {device}: this machine has '
                            f'{count} CUDA device(s)')
    elif dev.type != 'cpu':
        raise ToolError(f'--device: expected cpu, cuda or cuda:N, got '
                        f'{device!r}')
    return device


def _is_map(node) -> bool:
    return isinstance(node, dict) or (hasattr(node, 'keys')
                                      and hasattr(node, '__getitem__'))


def _config_keys(node) -> List[str]:
    if _is_map(node):
        return [str(k) for k in node.keys()]
    if isinstance(node, (list, tuple)):
        return [str(i) for i in range(len(node))]
    return []


def _lookup(node, key):
    if _is_map(node):
        return node[key] if key in node.keys() else KeyError
    if isinstance(node, (list, tuple)) and key.isdigit() and \
            int(key) < len(node):
        return node[int(key)]
    return KeyError


def _check_option(cfg, key: str, value: Any) -> None:
    """Refuse a ``--cfg-options`` key that is a typo of an existing one,
    or a value whose type cannot replace the existing value's."""
    node = cfg
    parts = key.split('.')
    for depth, part in enumerate(parts):
        child = _lookup(node, part)
        if child is KeyError:
            if not _is_map(node):
                raise ToolError(
                    f'--cfg-options {key}: expected an index below '
                    f'{len(node) if hasattr(node, "__len__") else 0} or a '
                    f'key of a dict at {".".join(parts[:depth]) or "top"}, '
                    f'got {part!r}')
            close = difflib.get_close_matches(part, _config_keys(node), n=1,
                                              cutoff=0.75)
            if close:
                where = '.'.join(parts[:depth] + [close[0]])
                raise ToolError(f'--cfg-options {key}: no such setting '
                                f'(did you mean {where}?)')
            return   # a new setting: allowed
        node = child
    old = node
    if old is None or value is None:
        return
    number = (int, float)
    if isinstance(old, bool) and not isinstance(value, bool):
        raise ToolError(f'--cfg-options {key}: expected true/false like '
                        f'the config ({old!r}), got {value!r}')
    if isinstance(old, number) and not isinstance(old, bool) and not (
            isinstance(value, number)):
        raise ToolError(f'--cfg-options {key}: expected a number like the '
                        f'config ({old!r}), got {value!r}')
    if isinstance(old, str) and isinstance(value, (dict, list, tuple)):
        raise ToolError(f'--cfg-options {key}: expected text like the '
                        f'config ({old!r}), got {value!r}')


def apply_cfg_options(cfg, options) -> None:
    """Merge ``--cfg-options`` into ``cfg`` or refuse them in one line.

    A key that is a near-miss of an existing setting (``max_epoch`` for
    ``max_epochs``), a value of the wrong kind (text for a number) and
    MMEngine's own merge errors become :class:`ToolError`. New keys with no
    near-miss are merged as MMEngine does.
    """
    if not options:
        return
    for key, value in dict(options).items():
        _check_option(cfg, str(key), value)
    try:
        cfg.merge_from_dict(options)
    except (KeyError, TypeError, IndexError, ValueError,
            AttributeError) as exc:
        raise ToolError(f'--cfg-options: {exc}') from exc


def load_config(path: str, options=None):
    """``Config.fromfile(path)`` plus :func:`apply_cfg_options`, with a
    missing config, a syntax error or a config that fails while it is
    being run refused in one line that names the file."""
    import os.path as osp

    from mmengine.config import Config
    if not osp.isfile(path):
        raise ToolError(f'{path}: config not found (no such file)')
    try:
        cfg = Config.fromfile(path)
    except SyntaxError as exc:
        raise ToolError(f'{path}: config syntax error: {exc.msg} '
                        f'(line {exc.lineno})') from exc
    except (ImportError, KeyError, NameError, TypeError, ValueError,
            AttributeError) as exc:
        raise ToolError(f'{path}: config cannot be loaded: '
                        f'{type(exc).__name__}: {exc}') from exc
    apply_cfg_options(cfg, options)
    return cfg


def _worker_message(text: str) -> str:
    """The original error line of an error a DataLoader worker re-raised
    (``Caught X in DataLoader worker process 0. Original Traceback ...``)."""
    if 'Original Traceback' not in text:
        return text
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    last = lines[-1] if lines else text
    head, sep, rest = last.partition(': ')
    if sep and head.replace('.', '').replace('_', '').isalnum():
        return rest
    return last


def _one_line(exc: BaseException) -> str:
    text = _worker_message(str(exc).strip()) or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename and exc.strerror:
        text = f'{exc.filename}: {exc.strerror}'
        if exc.filename2:
            text = f'{exc.filename} -> {exc.filename2}: {exc.strerror}'
    return ' '.join(text.split())


def refuse(message, stream=None) -> int:
    """Print ``error: <message>`` (one line) and return exit status 2."""
    print(f'error: {_one_line(Exception(str(message)))}',
          file=stream or sys.stderr)
    return 2


def run_tool(main: Callable[..., Optional[int]],
             argv: Optional[Sequence[str]] = None,
             extra_errors: Sequence[Type[BaseException]] = ()) -> int:
    """Run a tool's ``main`` and turn expected errors into exit status 2.

    Args:
        main (callable): ``main(argv) -> int | None``.
        argv (Sequence[str], optional): Arguments; ``None`` for
            ``sys.argv[1:]`` (``main`` parses them itself).
        extra_errors (Sequence[type]): Tool-specific expected errors.

    Returns:
        int: ``main``'s status (``0`` for ``None``, non-int statuses such
        as a metrics dict count as success), or 2 for a refusal.

    Inside, existing files are replaced only when the run wrote them or
    the tool's ``--overwrite`` was given
    (:func:`mmdsa.utils.fileio.output_run`).
    """
    from mmdsa.utils.fileio import output_run
    for stream in (sys.stdout, sys.stderr):
        # a non-UTF-8 file name printed as \xNN instead of a crash
        try:
            stream.reconfigure(errors='backslashreplace')
        except (AttributeError, ValueError, OSError):
            pass
    try:
        with output_run(overwrite=False):
            status = main(argv) if argv is not None else main()
    except KeyboardInterrupt:
        print('error: interrupted', file=sys.stderr)
        return 130
    except BaseException as exc:  # noqa: B902 (classified below)
        if isinstance(exc, SystemExit):
            raise
        if isinstance(exc, tuple(refusal_errors()) + tuple(extra_errors)):
            return refuse(_one_line(exc))
        raise
    if status is None or not isinstance(status, (int, bool)):
        return 0
    return int(status)
