from mmdsa.utils.deprecation import renamed_getattr
from .classification_data_preprocessor import \
    DSAClassificationDataPreprocessor
from .detection_data_preprocessor import DSADetectionDataPreprocessor

__all__ = ['DSAClassificationDataPreprocessor', 'DSADetectionDataPreprocessor']

# old names (mmdsa.utils.deprecation.RENAMED) for one release
__getattr__ = renamed_getattr(__name__, globals())
