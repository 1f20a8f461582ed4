"""The one CSV reader: spreadsheet exports (mmdsa.fileio.csv_table)."""
import pytest

from mmdsa.fileio.csv_table import CSVTableError, read_csv_rows


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / 'labels.csv'
    path.write_bytes('\ufefffile,label\na.dcm,1\n'.encode('utf-8'))
    rows = list(read_csv_rows(path, ['file', 'label']))
    assert rows == [(f'{path}: row 2', {'file': 'a.dcm', 'label': '1'})]


def test_latin1_is_refused_naming_the_line(tmp_path):
    path = tmp_path / 'labels.csv'
    path.write_bytes('file,label\na.dcm,1\ncafé.dcm,0\n'.encode('latin-1'))
    with pytest.raises(CSVTableError, match=r'line 3: expected UTF-8.*0xe9'):
        list(read_csv_rows(path, ['file']))


def test_missing_columns_and_spaces(tmp_path):
    path = tmp_path / 'labels.csv'
    path.write_text(' file , label \na,1\n')
    assert list(read_csv_rows(path, ['file']))[0][1]['file'] == 'a'
    with pytest.raises(CSVTableError, match=r"missing \['view'\]"):
        list(read_csv_rows(path, ['file', 'view']))
