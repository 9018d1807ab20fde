"""plot_history draws history_ as it is, and says what is missing."""

import sys

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

from sklstm import CharTokenizer, LSTMClassifier, LSTMRegressor
from sklstm.plotting import plot_history, plot_reliability

matplotlib = pytest.importorskip(
    "matplotlib", reason="matplotlib is not installed (the tests extra has it)"
)
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture
def axes():
    figure, axes = plt.subplots()
    yield axes
    plt.close(figure)


@pytest.fixture(scope="module")
def early_stopped(toy_sentiment_sentences):
    texts, labels = toy_sentiment_sentences
    return make_pipeline(
        CharTokenizer(),
        LSTMClassifier(units=8, max_epochs=4, early_stopping=True, random_state=0),
    ).fit(texts, labels)


@pytest.fixture(scope="module")
def no_validation(toy_sine_windows):
    X, y = toy_sine_windows
    return LSTMRegressor(units=4, max_epochs=3, random_state=0).fit(X, y)


def _lines(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_lines_are_the_history_values(early_stopped, axes):
    history = early_stopped[-1].history_
    returned = plot_history(early_stopped, ax=axes)
    assert returned is axes
    lines = _lines(axes)
    assert list(lines) == ["train_loss", "valid_loss"]
    for metric, line in lines.items():
        np.testing.assert_array_equal(line.get_xdata(), [r["epoch"] for r in history])
        np.testing.assert_array_equal(line.get_ydata(), [r[metric] for r in history])
    assert axes.get_xlabel() == "epoch"
    assert all(float(tick).is_integer() for tick in axes.get_xticks())
    assert axes.get_ylabel() == "loss"
    assert [text.get_text() for text in axes.get_legend().get_texts()] == list(lines)


def test_chosen_metrics_in_order(early_stopped, axes):
    history = early_stopped[-1].history_
    plot_history(early_stopped[-1], ax=axes, metrics=["valid_score", "train_loss"])
    lines = _lines(axes)
    assert list(lines) == ["valid_score", "train_loss"]
    np.testing.assert_array_equal(
        lines["valid_score"].get_ydata(), [r["valid_score"] for r in history]
    )
    assert axes.get_ylabel() == ""


def test_single_metric_as_a_string_labels_the_y_axis(early_stopped, axes):
    plot_history(early_stopped, ax=axes, metrics="valid_score")
    assert list(_lines(axes)) == ["valid_score"]
    assert axes.get_ylabel() == "valid_score"


def test_default_without_early_stopping_draws_the_training_loss(no_validation, axes):
    plot_history(no_validation, ax=axes)
    lines = _lines(axes)
    assert list(lines) == ["train_loss"]
    np.testing.assert_array_equal(
        lines["train_loss"].get_ydata(), [r["train_loss"] for r in no_validation.history_]
    )


def test_draws_on_the_current_axes_by_default(no_validation, axes):
    plt.sca(axes)
    assert plot_history(no_validation) is axes


def test_missing_metric_names_it_and_the_available_ones(no_validation):
    with pytest.raises(
        ValueError,
        match=(
            r"plot_history: LSTMRegressor.history_ has no 'valid_loss' \(validation "
            r"metrics are recorded with early_stopping=True\); the recorded metrics "
            r"are \['train_loss', 'dur'\]\."
        ),
    ):
        plot_history(no_validation, metrics=("train_loss", "valid_loss"))


def test_misspelt_metric(early_stopped):
    with pytest.raises(
        ValueError,
        match=(
            r"has no 'accuracy'; the recorded metrics are "
            r"\['train_loss', 'valid_loss', 'valid_score', 'dur'\]\."
        ),
    ):
        plot_history(early_stopped, metrics="accuracy")


@pytest.mark.parametrize(
    "estimator",
    [LSTMClassifier(), make_pipeline(CharTokenizer(), LSTMClassifier())],
    ids=["estimator", "pipeline"],
)
def test_not_fitted(estimator):
    with pytest.raises(
        NotFittedError, match="This LSTMClassifier instance has no history_: it is not fitted"
    ):
        plot_history(estimator)


def test_without_matplotlib_says_how_to_install_it(no_validation, monkeypatch):
    # A None entry in sys.modules makes `import matplotlib.pyplot` raise ImportError.
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"needs matplotlib.*`pip install matplotlib`"):
        plot_history(no_validation)


# -- plot_reliability -------------------------------------------------------------


class _FixedProbabilities(ClassifierMixin, BaseEstimator):
    """A fitted classifier that returns the probabilities it was given."""

    def __init__(self, proba=None):
        self.proba = proba

    def fit(self, X, y):
        self.classes_ = np.array(["a", "b"])
        return self

    def predict_proba(self, X):
        return self.proba


def test_reliability_points_are_the_bins(axes):
    # Confidence 0.95: right 2 of 4; confidence 0.6: right 1 of 1 (15 bins).
    proba = np.array([[0.95, 0.05]] * 4 + [[0.4, 0.6]])
    y = np.array(["a", "a", "b", "b", "b"])
    model = _FixedProbabilities(proba).fit(None, y)
    returned = plot_reliability(model, np.zeros(5), y, ax=axes, label="fixed")
    assert returned is axes
    lines = _lines(axes)
    assert list(lines) == ["calibrated", "fixed (ECE 0.440)"]
    np.testing.assert_allclose(lines["fixed (ECE 0.440)"].get_xdata(), [0.6, 0.95])
    np.testing.assert_allclose(lines["fixed (ECE 0.440)"].get_ydata(), [1.0, 0.5])
    # A second model on the same Axes adds its curve, not a second diagonal.
    plot_reliability(model, np.zeros(5), y, ax=axes)
    assert list(_lines(axes)) == [
        "calibrated", "fixed (ECE 0.440)", "_FixedProbabilities (ECE 0.440)"
    ]


def test_reliability_of_an_lstm_pipeline(early_stopped, toy_sentiment_sentences, axes):
    texts, labels = toy_sentiment_sentences
    plot_reliability(early_stopped, texts, labels, ax=axes)
    (curve,) = [line for label, line in _lines(axes).items() if label.startswith("LSTMClassifier")]
    assert np.all((curve.get_xdata() >= 0.5) & (curve.get_xdata() <= 1))


def test_reliability_refuses_multilabel_y_and_unfitted_models():
    with pytest.raises(ValueError, match="plot_reliability reads 1-D labels"):
        plot_reliability(_FixedProbabilities().fit(None, None), np.zeros(2), np.ones((2, 2)))
    with pytest.raises(NotFittedError):
        plot_reliability(LSTMClassifier(), np.zeros((2, 2)), [0, 1])
