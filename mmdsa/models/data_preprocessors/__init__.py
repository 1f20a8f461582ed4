from .seq_data_preprocessor import SequenceDataPreprocessor  # noqa: F401
