"""Decompression with declared sizes checked first (no decompression bombs).

Two ways a small file can claim a lot of memory before any size check:

- **Deflated transfer syntax** (1.2.840.10008.1.2.1.99): pydicom inflates
  the whole data set when it opens the file, even for the header only.
  :func:`read_deflated_dataset` inflates step by step: first just enough
  for the header, then checks the size of the image the header declares
  (:func:`mmdsa.fileio.dicom.check_allocation`) and inflates at most that
  much more; a stream that inflates past it is refused.
- **Compressed frames** (JPEG, JPEG-LS, JPEG 2000): a decoder allocates
  what the codestream says, not what Rows / Columns say.
  :func:`check_frame_codestreams` reads each frame's own dimensions (the
  JPEG / JPEG-LS SOF segment, the JPEG 2000 SIZ segment) and refuses a
  frame whose size differs from the header's before anything is decoded.
"""
import io
import struct
import zlib
from typing import Iterable, Optional, Tuple

from .errors import DSAReadError

__all__ = ['read_deflated_dataset', 'codestream_size',
           'check_frame_codestreams', 'HEADER_LIMIT_BYTES']

#: Most inflated bytes read to find the header of a deflated file.
HEADER_LIMIT_BYTES = 16 << 20
#: Inflated bytes allowed beyond the declared pixel data (other elements
#: after it, padding).
SLACK_BYTES = 1 << 20
_CHUNK = 1 << 20

_PIXEL_TAGS = {0x7FE00010, 0x7FE00008, 0x7FE00009}
# SOF markers of JPEG (baseline, extended, progressive, lossless,
# hierarchical, arithmetic) and JPEG-LS (SOF55)
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD,
        0xCE, 0xCF, 0xF7}
_NO_LENGTH = {0x01, 0xD8, 0xD9} | set(range(0xD0, 0xD8))


def _stop_at_pixels(tag, vr, length) -> bool:
    return int(tag) in _PIXEL_TAGS


def read_deflated_dataset(path: str):
    """Read a Deflated Explicit VR Little Endian file with bounded memory.

    Args:
        path (str): The file (its meta information says it is deflated).

    Returns:
        pydicom.dataset.FileDataset: The whole data set, pixel data
        included (a deflated file cannot be read lazily).

    Raises:
        DSAReadError: The stream is corrupt, its header is larger than
            :data:`HEADER_LIMIT_BYTES`, it declares an image too large for
            memory, or it inflates past what its header declares.
    """
    from pydicom.dataset import FileDataset
    from pydicom.filereader import (_read_file_meta_info, read_dataset,
                                    read_preamble)

    from .dicom import check_allocation
    with open(path, 'rb') as fp:
        preamble = read_preamble(fp, False)
        file_meta = _read_file_meta_info(fp)
        compressed = fp.read()
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)

    def inflate(data: bytes, limit: int) -> bytes:
        try:
            return inflater.decompress(data, limit)
        except zlib.error as exc:
            raise DSAReadError(path, f'deflated data set is corrupt ({exc})'
                               ) from None

    buf = bytearray()
    pending = compressed
    header = None
    while header is None:
        buf += inflate(pending, _CHUNK)
        pending = inflater.unconsumed_tail
        stream = io.BytesIO(bytes(buf))
        try:
            ds = read_dataset(stream, False, True, stop_when=_stop_at_pixels)
            complete = stream.tell() < len(buf) or not pending
        except (EOFError, ValueError, struct.error, KeyError, TypeError,
                NotImplementedError):
            complete = not pending
            ds = None
            if complete:
                raise DSAReadError(path, 'cannot parse the inflated data set '
                                   '(truncated or corrupt?)') from None
        if complete and ds is not None:
            header = (ds, stream.tell())
        elif len(buf) > HEADER_LIMIT_BYTES:
            raise DSAReadError(
                path, f'the deflated header inflates past '
                f'{HEADER_LIMIT_BYTES} bytes; refused as a decompression '
                'bomb')
    ds, offset = header
    declared = 0
    if 'Rows' in ds and 'Columns' in ds:
        try:
            frames = int(ds.get('NumberOfFrames', 1) or 1)
            rows, cols = int(ds.Rows), int(ds.Columns)
            samples = int(ds.get('SamplesPerPixel', 1) or 1)
            bits = int(ds.get('BitsAllocated', 16) or 16)
        except (TypeError, ValueError):
            raise DSAReadError(path, 'NumberOfFrames / Rows / Columns / '
                               'SamplesPerPixel / BitsAllocated: expected '
                               'integers') from None
        check_allocation(path, (frames, rows, cols))
        declared = -(-frames * rows * cols * samples * bits // 8)
    limit = offset + declared + SLACK_BYTES
    while pending and len(buf) <= limit:
        buf += inflate(pending, min(_CHUNK, limit + 1 - len(buf)))
        pending = inflater.unconsumed_tail
    if len(buf) > limit:
        raise DSAReadError(
            path, f'the deflated data set inflates past the {declared} bytes '
            'of pixel data its header declares; refused as a decompression '
            'bomb')
    try:
        full = read_dataset(io.BytesIO(bytes(buf)), False, True)
    except (EOFError, ValueError, struct.error, KeyError, TypeError,
            NotImplementedError) as exc:
        raise DSAReadError(path, f'cannot parse the inflated data set '
                           f'({type(exc).__name__}: {exc})') from None
    out = FileDataset(path, full, preamble=preamble, file_meta=file_meta,
                      is_implicit_VR=False, is_little_endian=True)
    return out


def _jpeg_size(data: bytes) -> Optional[Tuple[int, int]]:
    """(rows, columns) of a JPEG / JPEG-LS codestream's SOF, or None."""
    pos, n = 2, len(data)
    while pos + 4 <= n:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:   # fill byte
            pos += 1
            continue
        if marker in _NO_LENGTH:
            pos += 2
            continue
        length = struct.unpack('>H', data[pos + 2:pos + 4])[0]
        if marker in _SOF:
            if pos + 9 > n:
                return None
            rows, cols = struct.unpack('>HH', data[pos + 5:pos + 9])
            return rows, cols
        if marker == 0xDA:   # scan data before any SOF
            return None
        pos += 2 + length
    return None


def _j2k_size(data: bytes) -> Optional[Tuple[int, int]]:
    """(rows, columns) of a JPEG 2000 codestream's SIZ, or None."""
    start = data.find(b'\xff\x4f\xff\x51')
    if start < 0 or start + 24 > len(data):
        return None
    xsiz, ysiz, xo, yo = struct.unpack('>IIII', data[start + 8:start + 24])
    return ysiz - yo, xsiz - xo


def codestream_size(data: bytes) -> Optional[Tuple[int, int]]:
    """(rows, columns) a compressed frame declares, or None for formats
    without one (RLE: its decoder allocates Rows x Columns)."""
    head = bytes(data[:1 << 16])
    if head[:2] == b'\xff\xd8':
        return _jpeg_size(head)
    if head[:4] == b'\xff\x4f\xff\x51' or head[4:8] == b'jP  ':
        return _j2k_size(head)
    return None


def check_frame_codestreams(ds, path: str, num_frames: int,
                            indices: Optional[Iterable[int]] = None) -> None:
    """Refuse compressed frames whose own size differs from Rows x Columns.

    Args:
        ds (pydicom.Dataset): Encapsulated data set.
        path (str): For error messages.
        num_frames (int): NumberOfFrames.
        indices (Iterable[int], optional): Frames about to be decoded.

    Raises:
        DSAReadError: names the frame, its codestream size and the
            header's.
    """
    from pydicom.encaps import generate_frames
    syntax = str(ds.file_meta.TransferSyntaxUID)
    if syntax == '1.2.840.10008.1.2.5':   # RLE: sized by the header
        return
    rows, cols = int(ds.Rows), int(ds.Columns)
    wanted = None if indices is None else set(int(i) for i in indices)
    try:
        frames = generate_frames(ds.PixelData, number_of_frames=num_frames)
        for k, frame in enumerate(frames):
            if wanted is not None and k not in wanted:
                continue
            size = codestream_size(frame)
            if size is None:
                raise DSAReadError(
                    path, f'frame {k}: cannot find the image size in its '
                    f'compressed data ({syntax}); refused before decoding')
            if size != (rows, cols):
                raise DSAReadError(
                    path, f'frame {k}: its compressed data is {size[0]} x '
                    f'{size[1]} pixels, the header says Rows x Columns = '
                    f'{rows} x {cols}; refused before decoding')
    except DSAReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - malformed items
        raise DSAReadError(path, f'cannot split the encapsulated Pixel Data '
                           f'into frames ({exc})') from exc
