from .cnn_rnn_recognizer import CNNRNNRecognizer
from .sequence_encoder import RecurrentSequenceEncoder

__all__ = ['CNNRNNRecognizer', 'RecurrentSequenceEncoder']
