"""Compress a DICOM dataset's pixel data (test and benchmark files).

pydicom encodes RLE, JPEG-LS (pyjpegls) and JPEG 2000 (pylibjpeg-openjpeg)
itself; JPEG Lossless (Process 14, selection value 1), the syntax most XA
archives use, has no pydicom encoder and is written with imagecodecs'
libjpeg-turbo lossless encoder, one fragment per frame.
"""
from pydicom.encaps import encapsulate
from pydicom.uid import JPEGLosslessSV1


def compress_dataset(ds, syntax):
    """Compress ``ds`` in place with transfer syntax ``syntax``.

    Args:
        ds (pydicom.Dataset): Uncompressed greyscale dataset.
        syntax (pydicom.uid.UID): Target transfer syntax.

    Returns:
        pydicom.Dataset: ``ds``.

    Raises:
        ImportError: JPEG Lossless without imagecodecs installed.
    """
    if syntax != JPEGLosslessSV1:
        ds.compress(syntax)
        return ds
    try:
        import imagecodecs
    except ImportError as exc:
        raise ImportError('writing JPEG Lossless needs imagecodecs (pip '
                          'install -r requirements/tests.txt)') from exc
    frames = ds.pixel_array.reshape(-1, int(ds.Rows), int(ds.Columns))
    ds.PixelData = encapsulate([
        imagecodecs.jpeg8_encode(frame, lossless=True, predictor=1,
                                 bitspersample=int(ds.BitsStored))
        for frame in frames
    ])
    ds['PixelData'].VR = 'OB'
    ds['PixelData'].is_undefined_length = True
    ds.file_meta.TransferSyntaxUID = JPEGLosslessSV1
    return ds
