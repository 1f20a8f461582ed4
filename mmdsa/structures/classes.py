"""Class names of the two tasks: the one place they are written.

Annotation files (``metainfo.classes`` / ``categories``), the synthetic
generator, the annotation converter and the datasets import these.
"""

#: Classes of the thrombus classification task (label 0, label 1).
CLASSIFICATION_CLASSES = ('thrombus_free', 'thrombus')

#: Classes of the perforation detection task (category id 1).
DETECTION_CLASSES = ('perforation', )

#: Occlusion sites of a thrombus, proximal to distal (ICA terminus, MCA
#: segments M1..M4+): the annotation field ``occlusion_level`` and the
#: per-level sensitivities of the metrics and reports.
OCCLUSION_LEVELS = ('ICA-T', 'M1', 'M2', 'M3', 'M4+')
