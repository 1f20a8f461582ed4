"""tools/misc/prepare_cache.py writes what the loader outputs; the loader
reads it back; a changed file is not served from the cache."""
import os

import numpy as np

from tests.conftest import REPO_ROOT, run_tool

TOOL = 'tools/misc/prepare_cache.py'


def test_prepare_cache_round_trip(tmp_path):
    base = REPO_ROOT / 'configs' / '_base_' / 'datasets' / \
        'synthetic_perforation.py'
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(
        f'_base_ = [{str(base)!r}]\n'
        'train_dataloader = dict(dataset=dict(\n'
        f'    data_root={str(tmp_path / "data")!r} + "/",\n'
        '    synthetic=dict(num_series=3, image_size=48, num_frames=(4, 6),\n'
        '                   seed=0)))\n')
    cache = tmp_path / 'cache'
    out = run_tool([TOOL, cfg, '--out', cache, '--splits', 'train'])
    assert '3 series written, 0 already up to date' in out.stdout
    again = run_tool([TOOL, cfg, '--out', cache, '--splits', 'train'])
    assert '0 series written, 3 already up to date' in again.stdout

    from mmdsa.datasets.transforms import LoadDSAWindow
    series = sorted(p for p in (tmp_path / 'data').rglob('*.dcm'))
    assert len(series) == 3
    cached = LoadDSAWindow(num_frames=5, prepared_cache=str(cache))
    plain = LoadDSAWindow(num_frames=5)
    for path in series:
        a = cached(dict(img_path=str(path), frame_id=1))
        b = plain(dict(img_path=str(path), frame_id=1))
        assert cached._cache  # served from the prepared entry
        entry = next(reversed(cached._cache.values()))
        assert entry.prepared is not None and entry.source is None
        np.testing.assert_array_equal(np.stack(a['imgs']),
                                      np.stack(b['imgs']))
        assert a['ori_shape'] == b['ori_shape']
    # a changed file is decoded again, not read from the stale entry
    os.utime(series[0], ns=(1, 1))
    fresh = LoadDSAWindow(num_frames=5, prepared_cache=str(cache))
    import pytest
    with pytest.warns(UserWarning, match='not in the prepared cache'):
        fresh(dict(img_path=str(series[0]), frame_id=1))
    assert next(iter(fresh._cache.values())).prepared is None
    bad = run_tool([TOOL, tmp_path / 'missing.py', '--out', cache],
                   check=False)
    assert bad.returncode == 2 and bad.stderr.startswith('error: ')
