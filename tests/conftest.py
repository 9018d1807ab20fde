"""Small data sets shared by the test modules."""

import numpy as np
import pytest

from sklstm import LSTMClassifier, LSTMRegressor, LSTMTextGenerator
from sklstm._module import LSTMNet

#: Small, fast settings of each estimator for the tests (the tests import it
#: through ``fast``): one table instead of a helper per test module.
FAST_PARAMS = {
    LSTMClassifier: {"units": 8, "max_epochs": 3, "early_stopping": False, "random_state": 0},
    LSTMRegressor: {"units": 8, "max_epochs": 3, "random_state": 0},
    LSTMTextGenerator: {
        "max_length": 24, "units": 32, "max_epochs": 60, "learning_rate": 0.02, "random_state": 0,
    },
}


def fail_on_forward_call(monkeypatch, call, error):
    """Make LSTMNet.forward raise ``error`` on its ``call``-th call (1-based)."""
    original = LSTMNet.forward
    calls = {"count": 0}

    def forward(self, *args, **kwargs):
        calls["count"] += 1
        if calls["count"] == call:
            raise error
        return original(self, *args, **kwargs)

    monkeypatch.setattr(LSTMNet, "forward", forward)


def fast(cls, **params):
    """An instance of ``cls`` with the settings of ``FAST_PARAMS``, overridden by ``params``."""
    return cls(**{**FAST_PARAMS[cls], **params})

_POSITIVE_WORDS = ["good", "great", "love", "nice", "fine", "superb"]
_NEGATIVE_WORDS = ["bad", "awful", "hate", "poor", "vile", "boring"]
_SUBJECTS = ["the food", "this place", "our waiter", "the movie", "my room", "that show"]


@pytest.fixture(scope="session")
def toy_sentiment_sentences():
    """72 short sentences whose label ('positive'/'negative') is set by one word.

    Returns ``(texts, labels)``: a list of str and an object array of str,
    alternating positive and negative. Learnable by a tiny LSTM in a few
    epochs at char and at word level.
    """
    rng = np.random.default_rng(0)
    texts, labels = [], []
    for position in range(72):
        positive = position % 2 == 0
        word = rng.choice(_POSITIVE_WORDS if positive else _NEGATIVE_WORDS)
        texts.append(f"{rng.choice(_SUBJECTS)} was {word}")
        labels.append("positive" if positive else "negative")
    return texts, np.array(labels, dtype=object)


@pytest.fixture(scope="session")
def toy_sine_windows():
    """Windows of noisy sine waves and the value that follows each window.

    Returns ``(X, y)``: X float64 of shape (96, 8), on a scale far from 1
    (offset 50, amplitude 10) so that a scaling step matters; y of shape (96,).
    """
    rng = np.random.default_rng(0)
    n_windows, n_steps = 96, 8
    phases = rng.uniform(0, 2 * np.pi, size=n_windows)
    steps = np.arange(n_steps + 1) * 0.5
    series = 50 + 10 * np.sin(phases[:, np.newaxis] + steps)
    series += rng.normal(scale=0.1, size=series.shape)
    return series[:, :n_steps], series[:, n_steps]
