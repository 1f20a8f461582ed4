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
import sys
from typing import Callable, List, Optional, Sequence, Tuple, Type

__all__ = ['ToolError', 'refusal_errors', 'register_refusal_error',
           'refuse', 'run_tool']


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
    from mmdsa.utils.checkpoint import REFUSED_CHECKPOINT_ERRORS
    errors.extend(REFUSED_CHECKPOINT_ERRORS)
    try:  # modules that import torch-heavy code are optional here
        from mmdsa.datasets.annotations import AnnotationError
        errors.append(AnnotationError)
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


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
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
        int: ``main``'s status (``0`` for ``None``), or 2 for a refusal.
    """
    try:
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
    return 0 if status is None else int(status)
