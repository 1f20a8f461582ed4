"""Class names of the two tasks: the one place they are written.

Annotation files (``metainfo.classes`` / ``categories``), the synthetic
generator, the annotation converter and the datasets import these.
"""

#: Classes of the thrombus classification task (label 0, label 1).
CLASSIFICATION_CLASSES = ('thrombus_free', 'thrombus')

#: Classes of the perforation detection task (category id 1).
DETECTION_CLASSES = ('perforation', )
