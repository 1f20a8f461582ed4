"""Importers: other annotation formats -> mmdsa's own (docs/own_data.md).

One module per format, each refusing what it does not understand with a
:class:`ConversionError` that names the file, the field, what was expected
and what came:

- :mod:`.coco_vid`: COCO-VID JSON (mmtracking / CVAT), the rest read from
  the DICOM series;
- :mod:`.cvat_video`: CVAT for video 1.1 XML (tracks of boxes);
- :mod:`.nifti_points`: the classification authors' NIfTI volumes plus
  their ``ImageName;PointNo;x;y`` thrombus-point CSV;
- :mod:`.dicom_folder`: a DICOM folder plus label / box / point CSVs.

All of them write through :func:`build_annotations` (:mod:`.writer`).
"""
from .errors import ConversionError
from .writer import (build_annotations, check_detection, harmonise_series,
                     record_ids, series_ids, write_detection_file)

__all__ = ['ConversionError', 'build_annotations', 'check_detection',
           'harmonise_series', 'record_ids', 'series_ids',
           'write_detection_file']
