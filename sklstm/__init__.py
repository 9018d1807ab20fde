"""LSTM models for text and sequences as first-class scikit-learn estimators."""

from ._classifier import LSTMClassifier
from ._generator import LSTMTextGenerator
from ._pipeline import make_lstm_pipeline
from ._regressor import LSTMRegressor
from ._tokenizer import CharTokenizer

__version__ = "0.1.0"

__all__ = [
    "CharTokenizer",
    "LSTMClassifier",
    "LSTMRegressor",
    "LSTMTextGenerator",
    "make_lstm_pipeline",
    "__version__",
]
