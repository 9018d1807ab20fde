"""
Probabilities you can trust: calibration against TF-IDF + logistic regression
=============================================================================

An LSTM trained until its training loss is nearly zero is *overconfident*:
it gives most sentences a probability near 1, the wrong ones too, so that a
threshold on ``predict_proba`` (alert above 0.9), a ranking, or the average of
a soft vote cannot rely on it. ``LSTMClassifier(calibration='temperature')``,
the default, divides the network's raw outputs by one number, the
temperature, fitted on rows held out from training; ``calibration=None``
keeps the raw probabilities.

This example fits both on the review sentences shipped with sklstm, with
TF-IDF + logistic regression beside them, and draws their reliability
diagrams with :func:`sklstm.plotting.plot_reliability`.
"""

# %%
# The data and three models
# -------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklstm import CharTokenizer, LSTMClassifier
from sklstm.datasets import load_sentences
from sklstm.plotting import plot_reliability

texts, labels = load_sentences(return_X_y=True)
texts_train, texts_test, y_train, y_test = train_test_split(
    texts, labels, test_size=0.2, stratify=labels, random_state=0
)


def lstm(calibration):
    return make_pipeline(
        CharTokenizer(level="word", max_length=40),
        LSTMClassifier(calibration=calibration, random_state=0),
    )


models = {
    "TF-IDF + LR": make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(max_iter=1000),
    ),
    "LSTM, calibration=None": lstm(None),
    "LSTM, calibrated": lstm("temperature"),
}
for model in models.values():
    model.fit(texts_train, y_train)

calibrated = models["LSTM, calibrated"][-1]
print(
    f"temperature_ = {calibrated.temperature_:.2f} (calibrated_={calibrated.calibrated_}), "
    f"fitted on {len(texts_train) // 10} of the {len(texts_train)} training sentences"
)

# %%
# What the probabilities are worth
# --------------------------------
# Accuracy is the same with or without calibration up to the held-out rows:
# a temperature never changes the predicted class. The log loss and the share
# of wrong answers given with more than 95 % confidence are what change.
print(f"{'model':<24} {'accuracy':>8} {'log loss':>8} {'wrong, p > 0.95':>16}")
for name, model in models.items():
    proba = model.predict_proba(texts_test)
    predicted = model.classes_[proba.argmax(axis=1)]
    wrong = predicted != y_test
    confident = proba.max(axis=1) > 0.95
    print(
        f"{name:<24} {np.mean(~wrong):8.3f} {log_loss(y_test, proba):8.3f} "
        f"{(wrong & confident).sum() / wrong.sum():16.0%}"
    )

# %%
# Reliability diagrams
# --------------------
# Each point is a bin of predictions of similar confidence: how often they
# were right (y) against how sure the model was (x). The uncalibrated LSTM's
# points sit below the diagonal near 1: sure, and often wrong. TF-IDF + LR,
# regularised, sits above it: it is right more often than it says.
fig, ax = plt.subplots(figsize=(6, 6))
for name, model in models.items():
    plot_reliability(model, texts_test, y_test, ax=ax, label=name)
ax.set_title("Held-out review sentences (400)")
plt.show()

# %%
# The same fix with scikit-learn's tools
# --------------------------------------
# A model trained without calibration, or through ``partial_fit`` (which
# holds nothing out), can be calibrated afterwards on rows it never saw with
# scikit-learn's :class:`~sklearn.calibration.CalibratedClassifierCV` around a
# :class:`~sklearn.frozen.FrozenEstimator`. Here the 400 test sentences are
# split in two: one half calibrates, the other measures.
from sklearn.calibration import CalibratedClassifierCV  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402

half = len(texts_test) // 2
after = CalibratedClassifierCV(FrozenEstimator(models["LSTM, calibration=None"]),
                               method="sigmoid")
after.fit(texts_test[:half], y_test[:half])
print(
    "calibration=None, then CalibratedClassifierCV(sigmoid) on 200 sentences: log loss "
    f"{log_loss(y_test[half:], after.predict_proba(texts_test[half:])):.3f} on the other 200"
)
