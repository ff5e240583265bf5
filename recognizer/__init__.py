"""Keras BiLSTM-CTC speech and online handwriting recognition."""

__version__ = "0.1.0"
