"""Untrusted DICOM input: declared sizes checked before decompression,
short LUTs, padding, mixed patients, the series key (mmdsa.fileio)."""
import os
import tracemalloc

import numpy as np
import pytest
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate, generate_frames
from pydicom.uid import (DeflatedExplicitVRLittleEndian, JPEG2000Lossless,
                         JPEGLSLossless)

from mmdsa.fileio import DSAReadError, read_dsa_series, series_key
from mmdsa.fileio.dicom import read_dicom_dataset
from .helpers import make_dataset, save


def _frames(n=2, size=64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(100, 4000, (n, size, size)).astype(np.uint16)


def test_deflated_file_reads_as_the_uncompressed_one(tmp_path):
    pixels = _frames()
    plain = save(make_dataset(pixels, bits_stored=12), tmp_path / 'p.dcm')
    ds = make_dataset(pixels, bits_stored=12)
    ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    deflated = save(ds, tmp_path / 'd.dcm')
    np.testing.assert_array_equal(read_dsa_series(deflated).frames,
                                  read_dsa_series(plain).frames)


def test_deflate_bomb_is_refused_with_bounded_memory(tmp_path):
    """A 64 x 64 header whose deflated pixel data inflates to 96 MB."""
    ds = make_dataset(_frames(1), bits_stored=12)
    ds.PixelData = bytes(96 << 20)
    ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    path = save(ds, tmp_path / 'bomb.dcm')
    del ds
    assert os.path.getsize(path) < (1 << 20)
    tracemalloc.start()
    try:
        with pytest.raises(DSAReadError, match='decompression bomb') as info:
            read_dicom_dataset(path, defer=True)
        assert 'cannot parse' not in str(info.value)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < (16 << 20), peak


@pytest.mark.parametrize('syntax', [JPEGLSLossless, JPEG2000Lossless])
def test_frame_larger_than_the_header_is_refused_before_decoding(
        tmp_path, syntax, monkeypatch):
    ds = make_dataset(_frames(), bits_stored=12)
    ds.compress(syntax)
    frames = [bytearray(f) for f in generate_frames(ds.PixelData,
                                                    number_of_frames=2)]
    big = (16000).to_bytes(2, 'big')
    if syntax == JPEGLSLossless:   # SOF55: FFF7, length, P, Y, X
        pos = frames[1].index(b'\xff\xf7')
        frames[1][pos + 5:pos + 9] = big + big
    else:   # SIZ: FF51, Lsiz, Rsiz, Xsiz, Ysiz
        pos = frames[1].index(b'\xff\x51')
        frames[1][pos + 6:pos + 14] = (16000).to_bytes(4, 'big') * 2
    ds.PixelData = encapsulate([bytes(f) for f in frames])
    path = save(ds, tmp_path / 'jbomb.dcm')
    import pydicom.pixels.decoders.base as base
    calls = []
    original = base.Decoder.iter_array
    monkeypatch.setattr(base.Decoder, 'iter_array',
                        lambda *a, **k: calls.append(1) or original(*a, **k))
    with pytest.raises(DSAReadError, match='refused before decoding') as info:
        read_dsa_series(path)
    assert '16000 x 16000' in str(info.value) and 'frame 1' in str(info.value)
    assert not calls   # nothing was decoded


def test_short_modality_lut_is_refused(tmp_path):
    item = Dataset()
    item.LUTDescriptor = [4096, 0, 16]
    item.LUTData = np.arange(10, dtype="<u2").tobytes()
    item.ModalityLUTType = 'US'
    ds = make_dataset(_frames(), bits_stored=12, ModalityLUTSequence=[item])
    path = save(ds, tmp_path / 'lut.dcm')
    with pytest.raises(DSAReadError, match='LUTData.*10 entries.*4096'):
        read_dsa_series(path)


def _padded_series(tmp_path, pad, name):
    frames = _frames(3, 64, seed=1)
    frames[:, :, :16] = pad   # a padded border, as collimated exports have
    ds = make_dataset(frames, bits_stored=16, PixelPaddingValue=pad)
    return save(ds, tmp_path / name)


def test_padding_value_does_not_change_what_the_network_sees(tmp_path):
    from mmdsa.datasets.transforms import LoadDSASeries
    outs = []
    for k, pad in enumerate((0, 4095, 65535)):
        path = _padded_series(tmp_path, pad, f'pad{k}.dcm')
        loader = LoadDSASeries(stats_cache=None, cache_size=0)
        outs.append(np.stack(loader(dict(img_path=path))['imgs']))
        # the window follows the image, not the padding
        np.testing.assert_array_equal(outs[-1][:, :, :16], 0)
        # the stored-value path (statistics from the cache) agrees
        for _ in range(2):
            cached = LoadDSASeries(stats_cache=str(tmp_path / 'stats'),
                                   cache_size=0)
            np.testing.assert_array_equal(
                np.stack(cached(dict(img_path=path))['imgs']), outs[-1])
    for out in outs[1:]:
        np.testing.assert_array_equal(out, outs[0])


def test_padding_range_limit(tmp_path):
    from mmdsa.datasets.transforms import LoadDSASeries
    frames = _frames(2, 64, seed=2)
    frames[:, :8] = 7
    frames[:, 8:16] = 9
    ds = make_dataset(frames, bits_stored=16, PixelPaddingValue=5,
                      PixelPaddingRangeLimit=10)
    path = save(ds, tmp_path / 'range.dcm')
    assert read_dsa_series(path).meta['padding_range'] == (5.0, 10.0)
    out = np.stack(LoadDSASeries(stats_cache=None, cache_size=0)(
        dict(img_path=path))['imgs'])
    np.testing.assert_array_equal(out[:, :16], 0)
    assert out[:, 16:].mean() > 50


def test_a_folder_of_several_patients_is_not_one_series(tmp_path):
    folder = tmp_path / 'mixed'
    folder.mkdir()
    for k in range(3):
        ds = make_dataset(_frames(1)[0], series_uid=None,
                          PatientID=f'P{k}', InstanceNumber=k + 1)
        save(ds, folder / f'f{k}.dcm')
    with pytest.raises(DSAReadError, match='mixed patients'):
        read_dsa_series(str(folder))


def test_series_key_follows_content_not_size_and_time(tmp_path):
    pixels = _frames()
    path = tmp_path / 's.dcm'
    save(make_dataset(pixels, bits_stored=12), path)
    st = os.stat(path)
    key = series_key(str(path))
    changed = pixels.copy()
    changed[1, 40:, 40:] += 7   # pixel data only, same size
    save(make_dataset(changed, bits_stored=12,
                      SOPInstanceUID=None), tmp_path / 'tmp.dcm')
    ds = make_dataset(changed, bits_stored=12)
    save(ds, path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(path).st_size == st.st_size
    assert os.stat(path).st_mtime_ns == st.st_mtime_ns
    assert series_key(str(path)) != key


def test_series_key_survives_symlink_loops_and_non_utf8_names(tmp_path):
    folder = tmp_path / 'series'
    folder.mkdir()
    save(make_dataset(_frames(1)[0]), folder / 'f1.dcm')
    os.symlink('loop', folder / 'loop')   # a link to itself
    odd = os.path.join(os.fsencode(folder), b'caf\xe9.dcm')
    save(make_dataset(_frames(1)[0], InstanceNumber=2), os.fsdecode(odd))
    key = series_key(str(folder))
    assert len(key) == 40
    assert read_dsa_series(str(folder)).frames.shape[0] == 2
