"""The prepared cache reads .npy files with the one reader rule
(mmdsa.fileio.folder.load_npy): a damaged file is a cache miss."""
import numpy as np
import pytest

from mmdsa.datasets.transforms.series_cache import (prepared_paths,
                                                    read_prepared,
                                                    write_prepared)
from mmdsa.fileio import DSAReadError
from mmdsa.fileio.folder import load_npy


def test_round_trip_is_memory_mapped(tmp_path):
    frames = np.arange(2 * 4 * 5, dtype=np.uint8).reshape(2, 4, 5)
    write_prepared(str(tmp_path), 'k', frames, dict(source='x'))
    out, info = read_prepared(str(tmp_path), 'k')
    assert isinstance(out, np.memmap) and info['source'] == 'x'
    np.testing.assert_array_equal(out, frames)


@pytest.mark.parametrize('damage', ['empty', 'truncated', 'pickled'])
def test_damaged_npy_is_a_miss_and_a_read_error(tmp_path, damage):
    frames = np.zeros((3, 8, 8), np.uint8)
    write_prepared(str(tmp_path), 'k', frames, {})
    npy, _ = prepared_paths(str(tmp_path), 'k')
    data = open(npy, 'rb').read()
    if damage == 'empty':
        data = b''
    elif damage == 'truncated':
        data = data[:60]
    else:
        import io
        buf = io.BytesIO()
        np.save(buf, np.array([{'a': 1}], dtype=object), allow_pickle=True)
        data = buf.getvalue()
    with open(npy, 'wb') as f:
        f.write(data)
    assert read_prepared(str(tmp_path), 'k') is None
    with pytest.raises(DSAReadError, match='not a readable .npy'):
        load_npy(npy)
