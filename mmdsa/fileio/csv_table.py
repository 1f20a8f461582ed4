"""Read the CSV tables users give mmdsa (labels, boxes, points).

One reader for every CSV a user writes by hand or exports from a
spreadsheet program:

- a UTF-8 byte-order mark (Excel's and LibreOffice's "CSV UTF-8") is
  accepted: the first column is ``file``, not ``\\ufefffile``;
- bytes that are not UTF-8 (a Latin-1 / Windows-1252 export) are refused
  with the line and byte, not a traceback: re-save the file as UTF-8;
- column names are stripped of surrounding spaces, and required columns
  are checked first.
"""
import csv
from typing import Iterator, Sequence, Tuple

__all__ = ['CSVTableError', 'read_csv_rows']


class CSVTableError(ValueError):
    """A CSV table that cannot be read; the message names the file."""


def _decode_error(path, raw: bytes, exc: UnicodeDecodeError) -> CSVTableError:
    line = raw[:exc.start].count(b'\n') + 1
    return CSVTableError(
        f'{path}: line {line}: expected UTF-8 text, got byte '
        f'0x{raw[exc.start]:02x} that is not UTF-8 (saved as Latin-1 / '
        'Windows-1252?); save the file as "CSV UTF-8" and try again')


def read_csv_rows(path, required: Sequence[str] = ()
                  ) -> Iterator[Tuple[str, dict]]:
    """Rows of a CSV file with a header line, as dicts.

    Args:
        path (str): The CSV file.
        required (Sequence[str]): Columns that must be present.

    Yields:
        tuple[str, dict]: ``'<path>: row <line>'`` (for error messages) and
        the row (column name -> text; missing trailing cells are None).

    Raises:
        CSVTableError: undecodable bytes or missing columns.
        OSError: the file cannot be opened.
    """
    with open(path, 'rb') as f:
        raw = f.read()
    try:
        text = raw.decode('utf-8-sig')
    except UnicodeDecodeError as exc:
        # offsets of utf-8-sig include the BOM when there is one
        raise _decode_error(path, raw, exc) from None
    reader = csv.DictReader(text.splitlines(keepends=True))
    try:
        names = [(n or '').strip() for n in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise CSVTableError(f'{path}: header: cannot parse ({exc})') from None
    reader.fieldnames = names
    missing = [c for c in required if c not in names]
    if missing:
        raise CSVTableError(f'{path}: header: expected columns '
                            f'{list(required)}, missing {missing} (found '
                            f'{names})')
    try:
        for i, row in enumerate(reader, start=2):
            yield f'{path}: row {i}', row
    except csv.Error as exc:
        raise CSVTableError(f'{path}: line {reader.line_num}: cannot parse '
                            f'({exc})') from None
