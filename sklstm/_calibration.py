"""Temperature scaling: one number that makes a classifier's probabilities honest.

A network trained to a small training loss is overconfident: its largest
probability is nearer 1 than its accuracy warrants (Guo et al., 2017, "On
Calibration of Modern Neural Networks"). Dividing the raw outputs (logits) by
one temperature ``T > 1``, fitted by minimising the log loss on rows the
network did not train on, softens every probability alike. The order of the
outputs of a row does not change, so neither do the predicted classes.

The held-out rows are those early stopping holds out (skorch's ``ValidSplit``
with the fit's seed), so that a fit with early stopping calibrates on its
validation part and a fit without holds out the same share for calibration.
"""

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import logsumexp
from skorch.dataset import ValidSplit

# Fewer held-out rows than this give a temperature that follows the noise of a
# few rows (all of them right pushes it towards 0, sharpening every
# probability): no calibration then (``calibrated_`` is False).
MIN_CALIBRATION_SAMPLES = 50
# The temperature is searched on a log scale between these bounds, which keep
# a degenerate held-out part (every row right, far from the boundary) from
# sending it to 0 or to infinity.
TEMPERATURE_BOUNDS = (0.05, 20.0)


def held_out_rows(targets, fraction, *, stratified, seed):
    """The (training, held-out) row indices of a fit's validation split.

    The split skorch's ``ValidSplit(fraction, stratified=stratified,
    random_state=seed)`` makes of ``targets``: a fit with early stopping holds
    out exactly these rows.
    """
    split = ValidSplit(fraction, stratified=stratified, random_state=seed)
    rows = np.arange(len(targets))
    cv = split.check_cv(targets)
    if stratified:
        return next(cv.split(rows, targets))
    return next(cv.split(rows))


def fit_temperature(logits, targets, weights=None, *, multilabel=False):
    """The temperature that minimises the (weighted) log loss of ``logits``.

    Parameters
    ----------
    logits : ndarray of shape (n_samples, n_outputs)
        Raw outputs of the network on held-out rows.
    targets : ndarray
        Class indices of shape (n_samples,), or for ``multilabel`` the 0/1
        indicator matrix of the logits' shape.
    weights : ndarray of shape (n_samples,) or None
        Weight of each row in the log loss.
    multilabel : bool
        Each output is a label of its own (a sigmoid), not a class of a softmax.

    Returns
    -------
    temperature : float
        Within ``TEMPERATURE_BOUNDS``.
    """
    logits = np.asarray(logits, dtype=np.float64)
    weights = np.ones(len(logits)) if weights is None else np.asarray(weights, np.float64)
    if multilabel:
        signs = np.where(np.asarray(targets) > 0.5, 1.0, -1.0)

        def row_losses(scaled):
            # -log sigmoid(s * z) over a row's labels, s = +1 for a label it has.
            return np.logaddexp(0.0, -signs * scaled).sum(axis=1)
    else:
        rows = np.arange(len(logits))
        classes = np.asarray(targets, dtype=np.intp)

        def row_losses(scaled):
            # -log softmax(z)[y]
            return logsumexp(scaled, axis=1) - scaled[rows, classes]

    def log_loss(log_temperature):
        losses = row_losses(logits / np.exp(log_temperature))
        return float(np.average(losses, weights=weights))

    low, high = np.log(TEMPERATURE_BOUNDS)
    result = minimize_scalar(
        log_loss, bounds=(low, high), method="bounded", options={"xatol": 1e-4}
    )
    return float(np.exp(result.x))


def reliability_bins(confidence, correct, n_bins=15):
    """How often the predictions of each confidence were right, bin by bin.

    Parameters
    ----------
    confidence : ndarray of shape (n_samples,)
        The probability each prediction was made with (the top class's).
    correct : ndarray of bool of shape (n_samples,)
        Whether each prediction was right.
    n_bins : int
        Equal-width bins over [0, 1]; the last holds 1.0 too.

    Returns
    -------
    mean_confidence, accuracy, counts : ndarray of shape (n_nonempty_bins,)
        Per bin that holds a prediction, in increasing confidence.
    """
    confidence = np.asarray(confidence, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    bins = np.minimum((confidence * n_bins).astype(np.intp), n_bins - 1)
    counts = np.bincount(bins, minlength=n_bins)
    filled = counts > 0
    totals = np.bincount(bins, weights=confidence, minlength=n_bins)
    hits = np.bincount(bins, weights=correct, minlength=n_bins)
    return totals[filled] / counts[filled], hits[filled] / counts[filled], counts[filled]


def expected_calibration_error(confidence, correct, n_bins=15):
    """The gap between confidence and accuracy, averaged over bins weighted by their rows.

    Guo et al. (2017)'s ECE, with ``n_bins`` equal-width bins: 0 for a
    model whose predictions made with probability p are right a share p of
    the time. Arguments as in :func:`reliability_bins`.
    """
    mean_confidence, accuracy, counts = reliability_bins(confidence, correct, n_bins)
    return float(np.sum(counts * np.abs(accuracy - mean_confidence)) / counts.sum())
