"""Plots of fitted sklstm estimators (matplotlib, imported only when called)."""

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ._calibration import expected_calibration_error, reliability_bins

__all__ = ["plot_history", "plot_reliability"]

_DEFAULT_METRICS = ("train_loss", "valid_loss")


def _import_matplotlib(function="plot_history"):
    try:
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError as error:
        raise ImportError(
            f"{function} needs matplotlib, which is not installed; install it "
            "with `pip install matplotlib`."
        ) from error
    return plt, MaxNLocator


def plot_history(estimator, ax=None, metrics=None):
    """Plot the learning curves of a fitted LSTM estimator, one line per metric.

    Draws the per-epoch records of ``estimator.history_`` against the epoch
    number: the training loss and, for a model fitted with
    ``early_stopping=True``, the validation loss (or any other recorded
    metric).

    Parameters
    ----------
    estimator : estimator or Pipeline
        A fitted :class:`~sklstm.LSTMClassifier`, :class:`~sklstm.LSTMRegressor`
        or :class:`~sklstm.LSTMTextGenerator`, or a fitted pipeline that ends
        in one.
    ax : matplotlib Axes, default=None
        Axes to draw on. None draws on the current Axes of pyplot (a new
        figure if there is none).
    metrics : str or sequence of str, default=None
        Keys of ``history_`` to draw: ``'train_loss'``, ``'valid_loss'``,
        ``'valid_score'`` or ``'dur'`` (seconds per epoch). None draws
        ``'train_loss'`` and, when recorded (with early stopping),
        ``'valid_loss'``. A name that was not recorded raises ``ValueError``.

    Returns
    -------
    ax : matplotlib Axes
        The Axes drawn on, with one labelled line per metric and a legend.

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    sklearn.exceptions.NotFittedError
        If the estimator has no ``history_`` (it is not fitted).
    ValueError
        If a metric in ``metrics`` was not recorded; the message lists those
        that were.

    See Also
    --------
    LSTMClassifier : Records ``history_`` in ``fit``.
    LSTMRegressor : Records ``history_`` in ``fit``.

    Notes
    -----
    Losses and scores share one y axis; a validation score (accuracy or
    :math:`R^2`) is on another scale than a loss, so it is clearer on an Axes
    of its own: ``plot_history(model, ax=other_ax, metrics='valid_score')``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")  # no window
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklstm import CharTokenizer, LSTMClassifier
    >>> from sklstm.plotting import plot_history
    >>> texts = ["I love this!", "great movie", "I hate this.", "awful film"] * 8
    >>> labels = ["pos", "pos", "neg", "neg"] * 8
    >>> model = make_pipeline(
    ...     CharTokenizer(),
    ...     LSTMClassifier(units=8, max_epochs=4, early_stopping=True,
    ...                    validation_fraction=0.25, random_state=0),
    ... ).fit(texts, labels)
    >>> ax = plot_history(model)
    >>> [line.get_label() for line in ax.get_lines()]
    ['train_loss', 'valid_loss']
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('epoch', 'loss')
    """
    if isinstance(estimator, Pipeline):
        estimator = estimator[-1]
    history = getattr(estimator, "history_", None)
    if history is None:
        raise NotFittedError(
            f"This {type(estimator).__name__} instance has no history_: it is not "
            "fitted yet. Call 'fit' before plot_history."
        )
    available = [key for key in history[0] if key != "epoch"] if history else []
    if metrics is None:
        metrics = [metric for metric in _DEFAULT_METRICS if metric in available]
    elif isinstance(metrics, str):
        metrics = [metrics]
    missing = [metric for metric in metrics if metric not in available]
    if missing:
        hint = (
            " (validation metrics are recorded with early_stopping=True)"
            if any(metric.startswith("valid_") for metric in missing)
            else ""
        )
        raise ValueError(
            f"plot_history: {type(estimator).__name__}.history_ has no "
            f"{', '.join(map(repr, missing))}{hint}; the recorded metrics are "
            f"{available}."
        )
    plt, MaxNLocator = _import_matplotlib()
    if ax is None:
        ax = plt.gca()
    epochs = [record["epoch"] for record in history]
    for metric in metrics:
        ax.plot(epochs, [record[metric] for record in history], marker=".", label=metric)
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if metrics and all(metric.endswith("_loss") for metric in metrics):
        ax.set_ylabel("loss")
    elif len(metrics) == 1:
        ax.set_ylabel(metrics[0])
    if metrics:
        ax.legend()
    return ax


def plot_reliability(classifier, X, y, *, n_bins=15, ax=None, label=None):
    """Plot a reliability diagram: how often predictions of each confidence were right.

    The predictions of ``classifier`` on ``X`` are put in ``n_bins``
    equal-width bins of the probability of their top class; each bin is drawn
    at its mean probability (x) and the share of its predictions that were
    right (y). A calibrated classifier's points lie on the diagonal; points
    below it are overconfident. The legend gives the expected calibration
    error (ECE): the bins' gaps to the diagonal, weighted by their rows.

    Parameters
    ----------
    classifier : classifier or Pipeline
        Any fitted classifier with ``predict_proba`` and ``classes_``: an
        :class:`~sklstm.LSTMClassifier` (or a pipeline ending in one), or a
        scikit-learn model to compare with.
    X : array-like
        Held-out samples, in the form ``classifier`` reads (raw texts for a
        pipeline).
    y : array-like of shape (n_samples,)
        Their true labels (multilabel y has no top class: refused).
    n_bins : int, default=15
        Number of equal-width bins over [0, 1].
    ax : matplotlib Axes, default=None
        Axes to draw on. None draws on the current Axes of pyplot.
    label : str, default=None
        The curve's name in the legend (followed by its ECE); None uses the
        classifier's class name (the last step's, for a pipeline).

    Returns
    -------
    ax : matplotlib Axes
        The Axes drawn on: the diagonal, one line of points and a legend.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the classifier is not fitted.
    ValueError
        If ``y`` is 2-D (multilabel) or its length differs from X's.

    See Also
    --------
    sklearn.calibration.CalibrationDisplay : The same diagram for the positive
        class of a binary classifier.
    LSTMClassifier : Its ``calibration`` parameter.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")  # no window
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklstm.plotting import plot_reliability
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> model = LogisticRegression().fit(X[:100], y[:100])
    >>> ax = plot_reliability(model, X[100:], y[100:], label="LR")
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('confidence (probability of the predicted class)', 'accuracy')
    >>> ax.get_legend().get_texts()[-1].get_text()  # doctest: +ELLIPSIS
    'LR (ECE ...)'
    """
    name = type(classifier[-1] if isinstance(classifier, Pipeline) else classifier).__name__
    check_is_fitted(classifier)
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(
            "plot_reliability reads 1-D labels: the confidence of a prediction is "
            "its top class's probability, which a multilabel y (2-D) does not have. "
            "Plot one label at a time with sklearn.calibration.CalibrationDisplay."
        )
    proba = classifier.predict_proba(X)
    if len(proba) != len(y):
        raise ValueError(f"X has {len(proba)} samples but y has {len(y)}.")
    predicted = np.asarray(classifier.classes_)[proba.argmax(axis=1)]
    confidence, correct = proba.max(axis=1), predicted == y
    mean_confidence, accuracy, _ = reliability_bins(confidence, correct, n_bins)
    error = expected_calibration_error(confidence, correct, n_bins)
    plt, _ = _import_matplotlib("plot_reliability")
    if ax is None:
        ax = plt.gca()
    if not any(line.get_label() == "calibrated" for line in ax.get_lines()):
        ax.plot([0, 1], [0, 1], linestyle=":", color="gray", label="calibrated")
    ax.plot(mean_confidence, accuracy, marker="o", label=f"{label or name} (ECE {error:.3f})")
    ax.set_xlabel("confidence (probability of the predicted class)")
    ax.set_ylabel("accuracy")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend()
    return ax
