"""LSTM models for text and sequences as first-class scikit-learn estimators.

The public names are imported on first use (PEP 562), so that importing a
part of sklstm that needs no torch, such as :mod:`sklstm.onnx`, which serves
exported models with onnxruntime alone, does not import torch.
"""

import importlib

__version__ = "0.1.0"

# Public name -> the module that defines it.
_PUBLIC = {
    "CharTokenizer": "._tokenizer",
    "LSTMClassifier": "._classifier",
    "LSTMRegressor": "._regressor",
    "LSTMTextGenerator": "._generator",
    "export_onnx": "._onnx_export",
    "make_lstm_pipeline": "._pipeline",
    "trust_vectors": "._embeddings",
}

__all__ = [
    "CharTokenizer",
    "LSTMClassifier",
    "LSTMRegressor",
    "LSTMTextGenerator",
    "export_onnx",
    "make_lstm_pipeline",
    "trust_vectors",
    "__version__",
]


def __getattr__(name):
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name], __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted({*globals(), *_PUBLIC})
