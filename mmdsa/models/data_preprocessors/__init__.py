from .seq_data_preprocessor import SequenceDataPreprocessor  # noqa: F401
from .det_data_preprocessor import SpatioTemporalDetDataPreprocessor  # noqa: F401,E501
