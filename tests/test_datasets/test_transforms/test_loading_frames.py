"""Window / series loaders: per-frame decoding gives the whole-series output.

The oracle is the previous loading path, written out here: decode the whole
series with read_dsa_series, map it linearly with one range for the whole
series (the previous to_uint8 formula), resize every frame with area
interpolation, take the window.
"""
import cv2
import numpy as np
import pytest
from PIL import Image
from pydicom.uid import JPEGLosslessSV1, JPEGLSLossless

from mmdsa.datasets.transforms import LoadDSASeries, LoadDSAWindow
from mmdsa.datasets.transforms import loading
from mmdsa.fileio import DSAReadError, read_dsa_series
from tests.test_fileio.helpers import compress, make_dataset, save

MODES = [dict(intensity='minmax'),
         dict(intensity='minmax', percentiles=(2.0, 97.0)),
         dict(intensity='bits'), dict(intensity='bits', bits=10),
         dict(intensity='window')]


def _oracle(path, intensity='minmax', percentiles=(0.5, 99.5), bits=None,
            resize=None):
    series = read_dsa_series(path)
    frames, meta = series.frames, series.meta
    if intensity == 'minmax':
        lo, hi = np.percentile(frames, percentiles)
    elif intensity == 'bits':
        lo, hi = 0.0, 2.0**(bits or meta['bits_stored']) - 1
    else:
        c, w = meta['window_center'], meta['window_width']
        lo, hi = c - w / 2, c + w / 2
    lo, hi = float(lo), float(hi)
    imgs = np.clip(np.rint((frames - lo) * (255.0 / (hi - lo))), 0,
                   255).astype(np.uint8)
    if resize is not None:
        imgs = np.stack([cv2.resize(f, resize, interpolation=cv2.INTER_AREA)
                         for f in imgs])
    return imgs


def _inputs(tmp_path):
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 4096, (7, 40, 36), dtype=np.uint16)
    pixels[2, :4, :4] = 4095  # outliers the percentiles ignore
    tags = dict(bits_stored=12, WindowCenter='1500', WindowWidth='2000')
    paths = dict(
        native=save(make_dataset(pixels, **tags), tmp_path / 'native.dcm'),
        mono1=save(make_dataset(pixels, photometric='MONOCHROME1',
                                RescaleSlope='1.5', RescaleIntercept='-20',
                                **tags), tmp_path / 'mono1.dcm'),
        jpeg_ls=save(compress(make_dataset(pixels, **tags), JPEGLSLossless),
                     tmp_path / 'jls.dcm'),
        jpeg_lossless=save(compress(make_dataset(pixels, **tags),
                                    JPEGLosslessSV1), tmp_path / 'jl.dcm'),
        # bits above BitsStored set in some frames (masked when read)
        dirty=save(make_dataset(np.where(
            np.arange(7)[:, None, None] % 2 == 1, pixels | np.uint16(0x3000),
            pixels), **tags), tmp_path / 'dirty.dcm'),
        signed=save(make_dataset((pixels.astype(np.int32) - 1024).astype(
            np.int16), signed=True, **tags), tmp_path / 'signed.dcm'))
    folder = tmp_path / 'folder'
    folder.mkdir()
    for i, frame in enumerate(pixels):
        save(make_dataset(frame, InstanceNumber=i + 1, **tags),
             folder / f'{i}.dcm')
    paths['dicom_folder'] = str(folder)
    return paths


@pytest.mark.parametrize('mode', MODES, ids=lambda m: str(m))
def test_window_frames_equal_the_whole_series_path(tmp_path, mode):
    for kind, path in _inputs(tmp_path).items():
        expected = _oracle(path, **mode)
        # a fresh loader (statistics computed), then one reading the
        # persisted statistics, then one without any cache
        for loader in (LoadDSAWindow(num_frames=5, stride=2, **mode),
                       LoadDSAWindow(num_frames=5, stride=2, **mode),
                       LoadDSAWindow(num_frames=5, stride=2, cache_size=0,
                                     stats_cache=None, **mode)):
            for fid in (0, 3, 6):
                res = loader(dict(img_path=path, frame_id=fid))
                idx = loader.window_indices(fid, 7)
                np.testing.assert_array_equal(
                    np.stack(res['imgs']), expected[idx],
                    err_msg=f'{kind} {mode} frame {fid}')


@pytest.mark.parametrize('mode', MODES, ids=lambda m: str(m))
def test_series_loader_equals_the_whole_series_path(tmp_path, mode):
    for kind, path in _inputs(tmp_path).items():
        for resize in (None, (24, 16)):
            res = LoadDSASeries(resize=resize, **mode)(dict(img_path=path))
            np.testing.assert_array_equal(
                np.stack(res['imgs']), _oracle(path, resize=resize, **mode),
                err_msg=f'{kind} {mode}')


def test_window_decodes_only_its_frames(tmp_path, monkeypatch):
    path = _inputs(tmp_path)['native']
    LoadDSAWindow(num_frames=3)(dict(img_path=path, frame_id=3))  # stats
    read = []
    orig = loading.open_dsa_series

    def spy(p, m):
        source = orig(p, m)
        for name in ('read_frames', 'read_stored'):
            inner = getattr(source, name)
            setattr(source, name, lambda idx=None, inner=inner:
                    read.append(list(idx)) or inner(idx))
        return source

    monkeypatch.setattr(loading, 'open_dsa_series', spy)
    LoadDSAWindow(num_frames=3)(dict(img_path=path, frame_id=5))
    assert read == [[4, 5, 6]]


def test_changed_file_invalidates_the_statistics(tmp_path):
    path = str(tmp_path / 'a.dcm')
    low = np.arange(2 * 8 * 8, dtype=np.uint16).reshape(2, 8, 8)
    save(make_dataset(low), path)
    LoadDSAWindow(num_frames=1)(dict(img_path=path, frame_id=0))
    save(make_dataset(low * 50), path)  # new content, size and mtime
    import os
    os.utime(path, ns=(1, 1))
    res = LoadDSAWindow(num_frames=1)(dict(img_path=path, frame_id=0))
    np.testing.assert_array_equal(res['imgs'][0], _oracle(path)[0])


def test_every_reader_input_loads(tmp_path):
    """Inputs read_dsa_series accepts all work in both loaders."""
    frames = np.random.default_rng(0).integers(0, 255, (4, 12, 10),
                                               dtype=np.uint8)
    png = tmp_path / 'png'
    png.mkdir()
    for i, f in enumerate(frames):
        Image.fromarray(f).save(png / f'{i}.png')
    dcm = tmp_path / 'dcm'
    dcm.mkdir()
    for i, f in enumerate(frames):
        save(make_dataset(f, InstanceNumber=i + 1), dcm / f'{i}.dcm')
    np.save(tmp_path / 'one.npy', frames[0])
    np.save(tmp_path / 'stack.npy', frames)
    for path, length in ((png, 4), (dcm, 4), (tmp_path / 'one.npy', 1),
                         (tmp_path / 'stack.npy', 4)):
        res = LoadDSASeries(intensity='bits', bits=8)(dict(
            img_path=str(path)))
        assert len(res['imgs']) == length
        np.testing.assert_array_equal(res['imgs'][0], frames[0])
        res = LoadDSAWindow(num_frames=3, intensity='bits', bits=8)(dict(
            img_path=str(path), frame_id=0))
        np.testing.assert_array_equal(res['imgs'][1], frames[0])


def test_annotation_size_must_match_the_file(tmp_path):
    path = save(make_dataset(np.zeros((3, 16, 20), np.uint16)),
                tmp_path / 'a.dcm')
    res = dict(img_path=path, frame_id=0, width=1024, height=1024,
               img_id=7, series_id='S1')
    with pytest.raises(ValueError, match=r'a\.dcm.*img_id=7.*1024 x 1024.*'
                       r'20 x 16'):
        LoadDSAWindow(num_frames=1)(res)
    res.update(width=20, height=16)
    assert LoadDSAWindow(num_frames=1)(res)['ori_shape'] == (16, 20)
    with pytest.raises(ValueError, match='1024 x 1024'):
        LoadDSASeries()(dict(img_path=path, width=1024, height=1024))


def test_modality_override(tmp_path):
    path = save(make_dataset(np.zeros((2, 8, 8), np.uint16), Modality='CT'),
                tmp_path / 'ct.dcm')
    with pytest.raises(DSAReadError, match="Modality is 'CT'"):
        LoadDSASeries()(dict(img_path=path))
    assert len(LoadDSASeries(modalities='any')(dict(
        img_path=path))['imgs']) == 2
    with pytest.raises(ValueError, match='modalities'):
        LoadDSASeries(modalities='XA')
