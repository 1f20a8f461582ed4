"""Output names built from ids stay inside their output folder.

Series ids, patient ids and input file names come from files a user (or
someone else) made. Every tool that turns one into an output file name goes
through :func:`safe_name` / :func:`confined_path`, so an id such as
``x/../../../ESCAPED`` or ``/etc/passwd`` can never name a file outside the
output folder.

:func:`safe_name` *encodes* instead of refusing, so every id still gets a
file, and it is injective (two different ids never get the same name):

- ``%`` becomes ``%25``; path separators (``/``, ``\\``), ``:``, NUL and
  other control characters become ``%XX`` of their UTF-8 bytes;
- a leading ``.`` becomes ``%2E`` (no hidden files, no ``.`` or ``..``);
- bytes of a non-UTF-8 file name (``os.fsdecode``'s surrogate escapes)
  become ``%XX`` of the original byte, so the name can be written as UTF-8;
- a name longer than :data:`MAX_NAME_BYTES` keeps its start and ends with
  a hash of the whole id.

:func:`unique_names` gives the outputs of one run distinct names (two inputs
called ``series.dcm`` in different folders), and :func:`check_out_dir`
refuses an output folder that is, or lies inside, an input series folder.
"""
import hashlib
import os
import os.path as osp
from typing import Iterable, List, Union

__all__ = ['UnsafePathError', 'safe_name', 'confined_path', 'unique_names',
           'check_out_dir', 'display_path', 'MAX_NAME_BYTES']

#: Longest encoded name (bytes) before it is shortened with a hash; leaves
#: room for a suffix such as ``_saliency.png`` under the usual 255 limit.
MAX_NAME_BYTES = 180

_ENCODED = set('%/\\:') | {chr(c) for c in range(32)} | {'\x7f'}


class UnsafePathError(ValueError):
    """An output name or folder that would leave (or damage) its folder."""


def display_path(path: Union[str, os.PathLike]) -> str:
    """``path`` as printable text: undecodable bytes of a non-UTF-8 name
    are shown as ``\\xNN`` instead of raising ``UnicodeEncodeError``."""
    raw = os.fsencode(os.fspath(path))
    return raw.decode('utf-8', 'backslashreplace')


def safe_name(name, what: str = 'id') -> str:
    """Encode one id as a single, harmless file-name component.

    Args:
        name (str | int | bytes): The id (e.g. a series id).
        what (str): What the id is, for the error message.

    Returns:
        str: A name without separators, that is not ``.``/``..``, does not
        start with ``.``, holds no control characters and is valid UTF-8.

    Raises:
        UnsafePathError: ``name`` is empty.
    """
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    text = str(name)
    if not text:
        raise UnsafePathError(f'{what}: expected a non-empty name for an '
                              'output file, got an empty one')
    out = []
    for i, ch in enumerate(text):
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:   # surrogate escape: one raw byte
            out.append(f'%{code - 0xDC00:02X}')
        elif 0xD800 <= code <= 0xDFFF:   # a lone surrogate of another kind
            out.append(''.join(f'%{b:02X}' for b in ch.encode(
                'utf-8', 'surrogatepass')))
        elif ch in _ENCODED or (i == 0 and ch == '.'):
            out.append(''.join(f'%{b:02X}' for b in ch.encode('utf-8')))
        else:
            out.append(ch)
    safe = ''.join(out)
    if len(safe.encode('utf-8')) > MAX_NAME_BYTES:
        digest = hashlib.sha256(safe.encode('utf-8')).hexdigest()[:16]
        head = safe.encode('utf-8')[:MAX_NAME_BYTES - 17].decode(
            'utf-8', 'ignore')
        safe = f'{head}-{digest}'
    return safe


def confined_path(folder: Union[str, os.PathLike], name,
                  suffix: str = '', what: str = 'id') -> str:
    """``folder/<safe_name(name)><suffix>``, checked to lie in ``folder``.

    Args:
        folder (str | os.PathLike): The output folder.
        name: The id the file is named after.
        suffix (str): Fixed text the tool appends (``'.png'``,
            ``'_f3.png'``); it must not hold a separator.
        what (str): What the id is, for the error message.

    Returns:
        str: The output path.

    Raises:
        UnsafePathError: ``suffix`` holds a separator or the name is empty.
    """
    if '/' in suffix or '\\' in suffix or '\0' in suffix:
        raise UnsafePathError(f'{what}: suffix {suffix!r}: expected no path '
                              'separator')
    folder = os.fspath(folder)
    path = osp.join(folder, safe_name(name, what) + suffix)
    root = osp.abspath(folder)
    if osp.dirname(osp.abspath(path)) != root:   # cannot happen; belt
        raise UnsafePathError(f'{what} {name!r}: expected a name inside '
                              f'{folder}, got {path}')
    return path


def unique_names(names: Iterable[str]) -> List[str]:
    """Make the names of one run's outputs distinct.

    The first of equal names is kept; later ones get ``_2``, ``_3``, ...
    (skipping names already taken), e.g. ``['s', 's', 's_2']`` ->
    ``['s', 's_3', 's_2']``.
    """
    names = [str(n) for n in names]
    taken = set(names)
    seen = set()
    out = []
    for name in names:
        if name not in seen:
            seen.add(name)
            out.append(name)
            continue
        k = 2
        while f'{name}_{k}' in taken:
            k += 1
        new = f'{name}_{k}'
        taken.add(new)
        seen.add(new)
        out.append(new)
    return out


def check_out_dir(out: Union[str, os.PathLike],
                  inputs: Iterable[Union[str, os.PathLike]],
                  option: str = '--out') -> None:
    """Refuse an output folder that is an input folder or lies inside one.

    Writing results into a series folder adds files the reader then takes
    for frames (or refuses), so the series could no longer be read.

    Raises:
        UnsafePathError: names the option, the folder and the input.
    """
    real_out = osp.realpath(os.fspath(out))
    for item in inputs:
        if item is None:
            continue
        real_in = osp.realpath(os.fspath(item))
        if not osp.isdir(real_in):
            continue
        if real_out == real_in or real_out.startswith(real_in + os.sep):
            raise UnsafePathError(
                f'{display_path(out)}: {option}: expected a folder outside '
                f'the input series, got the series folder '
                f'{display_path(item)} (or a folder inside it)')
