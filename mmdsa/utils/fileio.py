"""The one atomic writer every mmdsa output goes through.

An output file either keeps its old content or has its complete new content;
a reader never sees a half-written file under the final name. Each writer
here writes a temporary sibling (same folder, so the rename never crosses a
file system), flushes it to disk and renames it over the target with
:func:`os.replace`. On any error, including ``KeyboardInterrupt``, the
temporary file is removed and the target is left as it was. A process killed
with SIGKILL can leave a temporary sibling behind; its name starts with
``.<target name>.`` and ends with ``.tmp<extension>``, and
:func:`remove_stale_temp_files` removes such leftovers.

Files are created with the permissions the process's umask gives an ordinary
``open(path, 'w')`` (``0o666 & ~umask``), not :func:`tempfile.mkstemp`'s
``0o600``, so results can be shared within a group folder.

Temporary folders (:func:`make_temp_sibling_dir`) and folder swaps
(:func:`replace_dir`) follow the same rules for outputs that are folders
(generated data sets).

No overwrite of foreign files: inside a tool run (:func:`output_run`, which
:func:`mmdsa.utils.cli.run_tool` opens) :func:`atomic_write` replaces an
existing file only when this run wrote it or the user asked for it
(``--overwrite``, :func:`allow_overwrite`); any other existing file is
refused with :class:`FileExistsError`, and the refusal is atomic (the new
file is linked into place only if the name is still free). Outside a tool
run (library calls) existing files are replaced, as before. Writers that
own their files (checkpoint hook, caches) pass ``overwrite=True``.
"""
import contextlib
import errno
import glob
import json
import os
import os.path as osp
import re
import shutil
import uuid
from typing import Any, Callable, Iterator, Optional, Union

__all__ = [
    'atomic_write', 'write_json_atomic', 'remove_stale_temp_files',
    'make_temp_sibling_dir', 'replace_dir', 'TEMP_MARK', 'output_run',
    'allow_overwrite', 'overwrite_allowed', 'check_new_output',
    'written_by_this_run'
]


class _RunPolicy:
    """Which existing files :func:`atomic_write` may replace."""

    def __init__(self, overwrite: bool = True):
        self.overwrite = overwrite
        self.written = set()


_POLICY = _RunPolicy(overwrite=True)   # library default: replace


@contextlib.contextmanager
def output_run(overwrite: bool = False) -> Iterator[_RunPolicy]:
    """One tool run: existing files not written inside it are refused.

    Args:
        overwrite (bool): Replace existing files anyway (``--overwrite``).

    Yields:
        The run's policy (``written`` holds the absolute paths written).
    """
    global _POLICY
    old, _POLICY = _POLICY, _RunPolicy(overwrite=overwrite)
    try:
        yield _POLICY
    finally:
        _POLICY = old


def allow_overwrite(flag: bool = True) -> None:
    """Let the current run replace existing files (the ``--overwrite``
    option of every tool, :func:`mmdsa.utils.cli.add_overwrite_argument`)."""
    _POLICY.overwrite = bool(flag)


def overwrite_allowed() -> bool:
    """Whether the current run may replace files it did not write."""
    return _POLICY.overwrite


def written_by_this_run(path: Union[str, os.PathLike]) -> bool:
    """Whether :func:`atomic_write` wrote ``path`` in the current run."""
    return osp.abspath(os.fspath(path)) in _POLICY.written


def check_new_output(path: Union[str, os.PathLike]) -> str:
    """Refuse early an output :func:`atomic_write` would refuse at the end
    (an existing file this run may not replace), before long work.

    Raises:
        FileExistsError: ``path`` exists and may not be replaced.
        IsADirectoryError: ``path`` is an existing folder.
    """
    path = os.fspath(path)
    if osp.isdir(path):
        raise IsADirectoryError(errno.EISDIR, 'expected a file path to '
                                'write, but it is an existing folder', path)
    if osp.lexists(path) and not (_POLICY.overwrite
                                  or osp.abspath(path) in _POLICY.written):
        _refuse_foreign(path)
    return path


def _refuse_foreign(path: str) -> None:
    raise FileExistsError(
        errno.EEXIST, 'exists and was not written by this run; expected a '
        'new file name (pass --overwrite to replace it)', path)


def _link_new(tmp: str, path: str) -> None:
    """Move ``tmp`` to ``path`` only if ``path`` does not exist (atomic)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        _refuse_foreign(path)
    except OSError:   # no hard links here (e.g. FAT, some FUSE mounts)
        if osp.lexists(path):
            _refuse_foreign(path)
        os.replace(tmp, path)
        return
    os.remove(tmp)

#: Every temporary sibling's name contains this mark.
TEMP_MARK = '.tmp'


def _temp_name(path: str) -> str:
    folder, name = osp.split(osp.abspath(path))
    ext = osp.splitext(name)[1]
    # keep the extension last: PIL and matplotlib pick the format from it
    return osp.join(folder,
                    f'.{name}.{os.getpid()}-{uuid.uuid4().hex[:8]}'
                    f'{TEMP_MARK}{ext}')


def _create(path: str) -> int:
    """Create ``path`` exclusively with the umask's ordinary file mode."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)


def _fsync_dir(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. Windows: folders cannot be opened
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Union[str, os.PathLike],
                 data: Union[bytes, str, None] = None,
                 *,
                 writer: Optional[Callable[[str], Any]] = None,
                 encoding: str = 'utf-8',
                 fsync: bool = True,
                 overwrite: Optional[bool] = None) -> str:
    """Write ``path`` atomically from ``data`` or through ``writer``.

    Exactly one of ``data`` and ``writer`` is given:

    - ``data`` (bytes or str): the file's content (str is encoded with
      ``encoding``).
    - ``writer`` (callable): called as ``writer(tmp_path)``; it writes the
      content to ``tmp_path`` (a file that exists, empty, with the final
      permissions), e.g. ``lambda p: img.save(p, format='PNG')``,
      ``fig.savefig``, ``ds.save_as`` or ``lambda p: torch.save(obj, p)``.
      ``tmp_path`` ends with the target's extension.

    Folders above ``path`` are created.

    Args:
        path (str | os.PathLike): Target file.
        data (bytes | str, optional): Content.
        writer (callable, optional): Writes the content to a given path.
        encoding (str): Text encoding for str ``data``.
        fsync (bool): Flush the file and its folder to disk before and after
            the rename, so that the rename survives a power loss.
        overwrite (bool, optional): Replace an existing ``path``. ``None``
            (default) follows the run's policy (:func:`output_run`):
            replace a file written by this run, or any file when the user
            passed ``--overwrite`` or outside a tool run.

    Returns:
        str: ``path``.

    Raises:
        TypeError: neither or both of ``data`` and ``writer``, or ``data`` of
            another type.
        IsADirectoryError: ``path`` is an existing folder.
        FileExistsError: ``path`` exists and may not be replaced.
    """
    path = os.fspath(path)
    if (data is None) == (writer is None):
        raise TypeError(f'atomic_write({path!r}): expected exactly one of '
                        'data and writer')
    if data is not None and not isinstance(data, (bytes, bytearray, str)):
        raise TypeError(f'atomic_write({path!r}): expected data as bytes or '
                        f'str, got {type(data).__name__}')
    if osp.isdir(path):
        raise IsADirectoryError(f'{path}: expected a file path to write, '
                                'but it is an existing folder')
    key = osp.abspath(path)
    may_replace = overwrite if overwrite is not None else (
        _POLICY.overwrite or key in _POLICY.written)
    if not may_replace and osp.lexists(path):
        _refuse_foreign(path)
    folder = osp.dirname(key)
    os.makedirs(folder, exist_ok=True)
    tmp = _temp_name(path)
    fd = _create(tmp)
    try:
        if data is not None:
            if isinstance(data, str):
                data = data.encode(encoding)
            with os.fdopen(fd, 'wb') as f:
                fd = None
                f.write(data)
                if fsync:
                    f.flush()
                    os.fsync(f.fileno())
        else:
            os.close(fd)
            fd = None
            writer(tmp)
            if fsync:
                with open(tmp, 'rb+') as f:
                    os.fsync(f.fileno())
        if may_replace:
            os.replace(tmp, path)
        else:
            _link_new(tmp, path)
        if fsync:
            _fsync_dir(folder)
        _POLICY.written.add(key)
    except BaseException:
        if fd is not None:
            os.close(fd)
        if osp.lexists(tmp):
            os.remove(tmp)
        raise
    return path


def write_json_atomic(path: Union[str, os.PathLike],
                      obj: Any,
                      indent: Optional[int] = 1,
                      **dump_kwargs) -> str:
    """Write ``obj`` as JSON (plus a final newline) to ``path`` atomically.

    Args:
        path (str | os.PathLike): Target file.
        obj: A JSON-serialisable object.
        indent (int, optional): As for :func:`json.dumps`.
        **dump_kwargs: More :func:`json.dumps` arguments (e.g.
            ``allow_nan``).

    Returns:
        str: ``path``.
    """
    text = json.dumps(obj, indent=indent, **dump_kwargs) + '\n'
    return atomic_write(path, text)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:   # e.g. PermissionError: it runs, as another user
        return True
    return True


def remove_stale_temp_files(path: Union[str, os.PathLike]) -> list:
    """Remove temporary siblings of ``path`` left by a killed writer.

    Only files named like :func:`atomic_write`'s temporaries for this target
    (``.<name>.<pid>-<hex>.tmp<ext>``) whose writing process no longer runs
    are removed. The file name of ``path`` may hold ``*`` wildcards (e.g.
    ``work_dir/epoch_*.pth``).

    Args:
        path (str | os.PathLike): Target file whose leftovers to remove.

    Returns:
        list[str]: The removed paths.
    """
    folder, name = osp.split(osp.abspath(os.fspath(path)))
    ext = osp.splitext(name)[1]
    name_glob = '*'.join(glob.escape(part) for part in name.split('*'))
    pattern = osp.join(glob.escape(folder),
                       f'.{name_glob}.*-*{TEMP_MARK}{glob.escape(ext)}')
    tail = re.compile(r'\.(\d+)-[0-9a-f]{8}' + re.escape(TEMP_MARK + ext) +
                      '$')
    removed = []
    for tmp in sorted(glob.glob(pattern)):
        match = tail.search(tmp)
        if match is None or _pid_alive(int(match.group(1))) or \
                not osp.isfile(tmp) or osp.islink(tmp):
            continue
        os.remove(tmp)
        removed.append(tmp)
    return removed


def make_temp_sibling_dir(path: Union[str, os.PathLike]) -> str:
    """Create an empty temporary folder next to ``path`` (umask mode).

    Its name is ``<path>.tmp-<pid>-<hex>``, so a leftover is recognisable.

    Returns:
        str: The new folder.
    """
    path = osp.abspath(os.fspath(path))
    os.makedirs(osp.dirname(path), exist_ok=True)
    tmp = f'{path}{TEMP_MARK}-{os.getpid()}-{uuid.uuid4().hex[:8]}'
    os.mkdir(tmp, 0o777)
    return tmp


def replace_dir(src: Union[str, os.PathLike],
                dst: Union[str, os.PathLike]) -> str:
    """Move the complete folder ``src`` to ``dst``, replacing ``dst``.

    ``dst`` is first renamed aside, then ``src`` renamed to ``dst``, then the
    old folder deleted, so ``dst`` is at every moment either the old or the
    new folder (or, between the two renames, absent). The caller decides
    whether ``dst`` may be replaced at all.

    Returns:
        str: ``dst``.
    """
    src, dst = osp.abspath(os.fspath(src)), osp.abspath(os.fspath(dst))
    old = None
    if osp.lexists(dst):
        old = f'{dst}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}'
        os.replace(dst, old)
    try:
        os.replace(src, dst)
    except BaseException:
        if old is not None and not osp.lexists(dst):
            os.replace(old, dst)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return dst
