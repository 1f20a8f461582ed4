"""The optional picture: a Multi-frame True Color Secondary Capture of the
series with the result drawn in.

- Pixel-aligned with the source: the same Rows and Columns; pixel (r, c)
  of frame f is pixel (r, c) of source frame f (windowed to 8 bits like
  the cine loops, :func:`mmdsa.visualization.cine.to_uint8_frames`), with
  the kept trajectory (red, 2 px) and the reported detector boxes (yellow,
  1 px) drawn on it.
- Burned-in text (Burned In Annotation YES) lies inside the image, since
  there is no room outside a pixel-aligned picture: the verdict in the
  top-left corner and "RESEARCH USE ONLY - NOT A MEDICAL DEVICE" in the
  bottom-left corner, both covering a few rows of the image.
- The source's frame timing: its Frame Time Vector (multi-frame source
  with one), else a Frame Time from its timing tags (read by
  :func:`mmdsa.fileio.dicom_meta.frame_times`, the reader's rule).
- Compressed losslessly: JPEG-LS lossless when pyjpegls is installed,
  else RLE lossless (pydicom's own encoder).

highdicom's ``SCImage`` writes single-frame Secondary Capture only, so this
multi-frame object is built with pydicom and checked with dciodvfy in the
test suite.
"""
import datetime
from typing import Dict, List, Sequence

import numpy as np

from .codes import RESEARCH_USE_LABEL, RESEARCH_USE_STATEMENT
from .findings import verdict_text

SERIES_NUMBER = 9904
#: Multi-frame True Color Secondary Capture Image Storage.
SC_MULTIFRAME_TRUE_COLOR = '1.2.840.10008.5.1.4.1.1.7.4'
PATIENT_STUDY = ('PatientName', 'PatientID', 'PatientBirthDate',
                 'PatientSex', 'IssuerOfPatientID', 'StudyInstanceUID',
                 'StudyDate', 'StudyTime', 'StudyID', 'AccessionNumber',
                 'ReferringPhysicianName', 'StudyDescription')
#: Type 2: written empty when the source lacks them.
TYPE2 = ('PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex',
         'StudyDate', 'StudyTime', 'StudyID', 'AccessionNumber',
         'ReferringPhysicianName')


def transfer_syntax():
    """JPEG-LS lossless when an encoder is installed, else RLE lossless."""
    from pydicom.pixels.encoders import JPEGLSLosslessEncoder
    from pydicom.uid import JPEGLSLossless, RLELossless
    return JPEGLSLossless if JPEGLSLosslessEncoder.is_available \
        else RLELossless


def _text(canvas: np.ndarray, text: str, bottom: bool,
          colour) -> None:
    """One line of text inside the image, scaled to its width."""
    import cv2
    h, w = canvas.shape[:2]
    scale = float(np.clip(w / 700.0, 0.3, 1.2))
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale,
                                     1)
    y = h - base - 2 if bottom else th + 2
    mask = np.zeros((h, w), np.uint8)
    cv2.putText(mask, text, (2, y), cv2.FONT_HERSHEY_SIMPLEX, scale, 255, 1,
                cv2.LINE_8)
    canvas[mask >= 128] = colour


def render_frames(frames: np.ndarray, summary: Dict) -> List[np.ndarray]:
    """The SC's RGB frames (T, H, W, 3) uint8, pixel-aligned with
    ``frames`` (T, H, W)."""
    from mmdsa.visualization.cine import (COLOURS, HEADER_PX,
                                          render_cine_frames)
    t, h, w = np.asarray(frames).shape[:3]
    detections = [([], []) for _ in range(t)]
    trajectory = {}
    for item in summary['boxes']:
        if item['kind'] == 'trajectory':
            trajectory[item['frame']] = item['box']
        else:
            boxes, scores = detections[item['frame']]
            boxes.append(item['box'])
            scores.append(item['score'])
    canvases = render_cine_frames(
        frames, detections=detections, trajectory=trajectory,
        score_thr=-np.inf, min_size=1)
    head = (f'mmdsa {summary["task"]}: '
            f'{verdict_text(summary).split(" at ")[0]}')
    out = []
    for canvas in canvases:
        image = np.ascontiguousarray(canvas[HEADER_PX:HEADER_PX + h])
        _text(image, head, bottom=False, colour=COLOURS['text'])
        _text(image, RESEARCH_USE_LABEL, bottom=True,
              colour=COLOURS['banner'])
        out.append(image)
    return out


def _timing(ds, sources: Sequence, num_frames: int) -> str:
    """Copy the source's frame timing; returns how it was written."""
    from pydicom.tag import Tag
    from mmdsa.fileio.dicom_meta import frame_times
    first = sources[0]
    times, source = frame_times(first, num_frames, 'source',
                                allow_vector=len(sources) == 1)
    if source == 'FrameTimeVector':
        ds.FrameTimeVector = list(first.FrameTimeVector)
        ds.FrameIncrementPointer = Tag(0x0018, 0x1065)
    else:
        step = float(np.diff(times).mean()) if num_frames > 1 else \
            float(first.get('FrameTime', 0) or 0) or 1000.0
        ds.FrameTime = round(step, 3)
        ds.FrameIncrementPointer = Tag(0x0018, 0x1063)
    for key in ('CineRate', 'RecommendedDisplayFrameRate'):
        if first.get(key) not in (None, ''):
            setattr(ds, key, first.get(key))
    return source


def build_sc(summary: Dict, frames: np.ndarray, sources: Sequence,
             provenance: Dict, uids, model_name: str):
    """The Secondary Capture picture of one series result.

    Args:
        summary (dict): :func:`mmdsa.results.findings.summarise`.
        frames (np.ndarray): (T, H, W) frames as read (the result's
            ``frames``); H, W must equal the source's Rows, Columns.
        sources, provenance, uids, model_name: As for
            :func:`mmdsa.results.sr.build_sr`.

    Returns:
        pydicom.Dataset: with ``file_meta``, pixel data compressed.
    """
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian
    frames = np.asarray(frames)
    src = sources[0]
    if frames.ndim != 3 or frames.shape[1:] != (int(src.Rows),
                                                 int(src.Columns)):
        raise ValueError(
            'build_sc: frames: expected (T, Rows, Columns) = (T, '
            f'{src.Rows}, {src.Columns}) as in the source, got '
            f'{frames.shape}')
    pixels = np.stack(render_frames(frames, summary))
    now = datetime.datetime.now()
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = SC_MULTIFRAME_TRUE_COLOR
    ds.file_meta.MediaStorageSOPInstanceUID = uids.instance('sc')
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SpecificCharacterSet = src.get('SpecificCharacterSet', 'ISO_IR 100')
    for key in PATIENT_STUDY:
        if key in src:
            setattr(ds, key, src.data_element(key).value)
        elif key in TYPE2:
            setattr(ds, key, '')
    ds.SOPClassUID = SC_MULTIFRAME_TRUE_COLOR
    ds.SOPInstanceUID = uids.instance('sc')
    ds.SeriesInstanceUID = uids.series('sc')
    ds.Modality = 'OT'
    ds.Laterality = src.get('Laterality', '')  # General Series, 2C
    ds.SeriesNumber = SERIES_NUMBER
    ds.InstanceNumber = 1
    ds.SeriesDescription = (f'mmdsa {summary["task"]} picture - '
                            f'{RESEARCH_USE_LABEL}')[:64]
    ds.SeriesDate = ds.ContentDate = now.strftime('%Y%m%d')
    ds.SeriesTime = ds.ContentTime = now.strftime('%H%M%S')
    ds.DateOfSecondaryCapture = ds.ContentDate
    ds.TimeOfSecondaryCapture = ds.ContentTime
    ds.Manufacturer = 'mmdsa'
    ds.ManufacturerModelName = model_name[:64]
    ds.SoftwareVersions = f'mmdsa {provenance["mmdsa_version"]}'[:64]
    ds.ConversionType = 'WSD'
    ds.SecondaryCaptureDeviceManufacturer = 'mmdsa'
    ds.SecondaryCaptureDeviceManufacturerModelName = model_name[:64]
    ds.SecondaryCaptureDeviceSoftwareVersions = ds.SoftwareVersions
    ds.ImageType = ['DERIVED', 'SECONDARY']
    ds.PatientOrientation = ''
    ds.BurnedInAnnotation = 'YES'
    ds.RecognizableVisualFeatures = 'NO'
    ds.ImageComments = (f'mmdsa {model_name}: {verdict_text(summary)}. '
                        f'{RESEARCH_USE_STATEMENT}')[:10240]
    refs = []
    for s in sources:
        item = Dataset()
        item.ReferencedSOPClassUID = s.SOPClassUID
        item.ReferencedSOPInstanceUID = s.SOPInstanceUID
        refs.append(item)
    ds.SourceImageSequence = refs
    timing = _timing(ds, sources, len(frames))
    ds.DerivationDescription = (
        'Source frames windowed to 8 bits with the model result drawn in '
        '(red: kept trajectory, yellow: detector boxes); frame timing from '
        f'the source ({timing}). {RESEARCH_USE_STATEMENT}')[:1024]
    t, h, w, _ = pixels.shape
    ds.SamplesPerPixel = 3
    ds.PhotometricInterpretation = 'RGB'
    ds.PlanarConfiguration = 0
    ds.Rows, ds.Columns = h, w
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.NumberOfFrames = t
    ds.compress(transfer_syntax(), pixels, generate_instance_uid=False)
    ds.LossyImageCompression = '00'
    return ds
