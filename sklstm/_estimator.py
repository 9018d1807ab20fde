"""The skeleton every sklstm estimator inherits: fit, partial_fit, one prediction loop.

``LSTMEstimator._fit`` is the one fit of the package, for
:class:`LSTMClassifier`, :class:`LSTMRegressor` and :class:`LSTMTextGenerator`
alike, as ``BaseMultilayerPerceptron._fit`` is scikit-learn's for its MLPs. It
runs on the copy that ``fit_atomically`` hands it (all or nothing), and a
subclass fills in what differs through hooks:

* ``_prepare(X, y, sample_weight, continuing, partial, classes)``: check and
  encode the data (and record the fitted attributes it fixes), returning a
  ``TrainingData``;
* ``_build_net(n_outputs, seed, device, precision, header)``: the skorch net,
  with its module and loss;
* optionally ``_choose_validation`` (early stopping), ``_calibration_split``
  and ``_calibrate`` (the classifier's temperature), ``_convergence_monitor``.

Predictions go through ``_batched_outputs``, the one loop that feeds a fitted
module batch by batch under the estimator's threads and precision.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator

from ._device import PRECISIONS, check_device, draw_seed, effective_precision, inference
from ._net import TrainingInterrupted, check_same_architecture, train
from ._persistence import PlainStateMixin
from ._progress import history_records, warn_if_not_converged
from ._validation import Interval, StrOptions

# What ``history_`` records of each epoch, where the epoch has it.
HISTORY_KEYS = ("epoch", "train_loss", "valid_loss", "valid_score", "dur")
# Predictions run in batches of at least this many rows, whatever batch_size
# (rows per gradient step) is: without gradients the memory is small, and on
# one CPU thread oneDNN's LSTM costs a third more per text at 16 rows than at 64.
MIN_PREDICT_BATCH_SIZE = 64
# The parameters that predictions read (and validate, as set_params after fit
# may have changed them).
PREDICT_PARAMS = ("batch_size", "n_threads", "precision")

# The parameters of the network and its training that every estimator has,
# with their constraints.
TRAINING_CONSTRAINTS = {
    "units": [Interval(Integral, 1, None, closed="left")],
    "embedding_dim": [Interval(Integral, 1, None, closed="left")],
    "num_layers": [Interval(Integral, 1, None, closed="left")],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "max_epochs": [Interval(Integral, 1, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "gradient_clip": [Interval(Real, 0, None, closed="neither"), None],
    "warm_start": ["boolean"],
    "callbacks": [list, None],
    "device": [str, torch.device],
    "n_threads": [Interval(Integral, 1, None, closed="left"), None],
    "precision": [StrOptions(set(PRECISIONS))],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}


def fit_atomically(estimator, fit_step, *args, keep_fitted=False, **kwargs):
    """Run ``fit_step(copy, *args, **kwargs)`` and give ``estimator`` the result.

    The copy is shallow (parameters are shared, so that a ``RandomState``
    instance advances as in any scikit-learn fit) and starts without the
    fitted attributes (names ending in ``_``) of an earlier fit, unless
    ``keep_fitted`` (``warm_start``, ``partial_fit``): ``fit_step`` then sees
    them, and must replace, not change, any it trains further (the net is
    rebuilt and given copies of the weights, see ``_net.continue_from``). When
    ``fit_step`` raises, or the user interrupts it, ``estimator`` is left
    untouched: an earlier model still predicts exactly as before, and an
    unfitted estimator stays unfitted.
    """
    # Not copy.copy: it would go through __getstate__, which serialises the net.
    trial = object.__new__(type(estimator))
    vars(trial).update(
        (name, value)
        for name, value in vars(estimator).items()
        if keep_fitted or not (name.endswith("_") and not name.startswith("__"))
    )
    try:
        fit_step(trial, *args, **kwargs)
    except TrainingInterrupted as interrupted:
        raise interrupted.__cause__ from None
    state = vars(estimator)
    state.clear()
    state.update(vars(trial))
    return estimator


@dataclass
class TrainingData:
    """What ``_prepare`` hands the skeleton: the net's inputs and targets.

    ``inputs`` is the dict the skorch net reads (``"X"``, and the per-sample
    weights where the loss takes them); ``embedding_rows`` maps the fitted
    embedding's rows into a grown one (a warm start with new token ids, see
    ``_net.continue_from``); ``weights`` are the per-sample weights of the
    loss, in float64, where it has some.
    """

    inputs: dict
    targets: np.ndarray
    n_outputs: int
    embedding_rows: np.ndarray = None
    weights: np.ndarray = None
    # The token ids of every row, unlabeled ones included, where the fit
    # pretrains a language model on them first (see ``_pretraining``).
    pretraining_ids: np.ndarray = None


class LSTMEstimator(PlainStateMixin, BaseEstimator, ABC):
    """The fit, partial_fit and prediction skeleton of every sklstm estimator.

    Not for direct use: see :class:`LSTMClassifier`, :class:`LSTMRegressor`
    and :class:`LSTMTextGenerator`.
    """

    # -- the subclasses' part ------------------------------------------------

    @abstractmethod
    def _prepare(self, X, y, sample_weight, *, continuing, partial, classes):
        """Check and encode the data of this fit; return a ``TrainingData``.

        ``continuing``: a fitted net trains on (``warm_start``,
        ``partial_fit``), so the data must fit it. Records the fitted
        attributes the data fixes (vocabulary, classes, input shape).
        """

    @abstractmethod
    def _build_net(self, n_outputs, seed, device="cpu", precision="float32", header=True):
        """The unfitted skorch net of this fit; ``header``: progress lines start with one."""

    def _choose_validation(self, targets, partial):
        """Decide whether this fit holds out a validation part (none by default)."""

    @property
    def _holds_out_validation(self):
        """Whether the net splits a validation part off itself (early stopping)."""
        return False

    def _convergence_monitor(self):
        """The history key whose improvement at the last epochs warns, or None."""
        return None

    def _calibration_split(self, targets, seed):
        """(training rows, held-out rows) when fit calibrates its outputs, else None.

        Called after ``_choose_validation``: with early stopping the held-out
        rows must be the validation part the net holds out itself.
        """
        return None

    def _starting_point(self, data, seed, device, precision):
        """A callable that sets a fresh net's starting weights, or None (the initial ones).

        Called for a fit that starts a new model, before its net is built:
        where the estimator pretrains (``pretraining_epochs``), the pretraining
        runs here (see ``_pretraining``).
        """
        return None

    def _calibrate(self, held_out):
        """Fit how raw outputs become predictions on ``held_out`` rows.

        ``held_out``: (raw outputs, targets, weights) of the rows of
        ``_calibration_split``, or None when there are none.
        """

    # -- fit --------------------------------------------------------------------

    def _fit(self, X, y=None, sample_weight=None, partial=False, classes=None):
        """The fit itself, on the copy that ``fit_atomically`` hands it.

        With a fitted net (``warm_start``, ``partial_fit``) training continues
        from a copy of it; ``partial`` runs one epoch, without early stopping.
        """
        previous = getattr(self, "net_", None)
        continuing = previous is not None
        data = self._prepare(
            X, y, sample_weight, continuing=continuing, partial=partial, classes=classes
        )
        self._choose_validation(data.targets, partial)
        device = check_device(self.device)
        precision = self._precision_on(device)
        seed = draw_seed(self.random_state)
        n_before = self.n_iter_ if continuing else 0
        start = None
        if not (continuing or partial):
            start = self._starting_point(data, seed, device, precision)
        net = self._build_net(
            data.n_outputs, seed, device, precision, header=not (partial and continuing)
        )
        if continuing:
            check_same_architecture(previous, net, type(self).__name__)
        split = None if partial else self._calibration_split(data.targets, seed)
        inputs, targets = data.inputs, data.targets
        if split is not None and not self._holds_out_validation:
            # Early stopping holds these rows out itself; otherwise they are
            # kept from training here.
            inputs = {name: values[split[0]] for name, values in inputs.items()}
            targets = targets[split[0]]
        self.net_ = train(
            net, inputs, targets, previous=previous, seed=seed, n_threads=self.n_threads,
            partial=partial, embedding_rows=data.embedding_rows, start=start,
        )
        if not (partial and continuing):  # partial_fit keeps what the model has
            held_out = None
            if split is not None:
                rows = split[1]
                held_out = (
                    self._module_outputs(data.inputs["X"][rows]),
                    data.targets[rows],
                    None if data.weights is None else data.weights[rows],
                )
            self._calibrate(held_out)
        self.history_ = [
            *(self.history_ if continuing else []),
            *history_records(net, HISTORY_KEYS, n_before),
        ]
        self.n_iter_ = len(self.history_)
        monitor = self._convergence_monitor()
        if not partial and monitor is not None:
            # warn_if_not_converged < _fit < fit_atomically < fit < fit_context < caller
            warn_if_not_converged(self, len(net.history), monitor, stacklevel=6)

    def _precision_on(self, device):
        """The precision this estimator computes in on ``device`` (see ``_device``)."""
        return effective_precision(self.precision, device, type(self).__name__)

    # -- predict ---------------------------------------------------------------

    def _batched_outputs(self, X, batch_size=None, sort_by_length=True):
        """Yield (rows of X, a slice or indices; the module's raw float32 outputs on them).

        The module is called directly: skorch's DataLoader would cost more than
        the LSTM itself on a single short text. Token ids go in batches of
        similar lengths, which waste little work on padding; ``batch_size``
        defaults to the larger of ``batch_size`` and ``MIN_PREDICT_BATCH_SIZE``.
        """
        if batch_size is None:
            batch_size = max(self.batch_size, MIN_PREDICT_BATCH_SIZE)
        order = None
        if sort_by_length and X.ndim == 2 and X.dtype.kind in "iu" and len(X) > batch_size:
            order = np.argsort(np.count_nonzero(X, axis=1), kind="stable")
        module = self.net_.module_
        precision = self._precision_on(next(module.parameters()).device)
        with inference(module, self.n_threads, precision, n_rows=len(X)) as device:
            for start in range(0, len(X), batch_size):
                # In X's order, a slice: no copy of the rows.
                rows = slice(start, start + batch_size) if order is None else (
                    order[start : start + batch_size]
                )
                batch = torch.as_tensor(X[rows], device=device)
                yield rows, module(batch).float().cpu()

    def _module_outputs(self, X):
        """The fitted module's raw outputs on checked X, as a float64 ndarray."""
        outputs = None
        for rows, batch_outputs in self._batched_outputs(X):
            if outputs is None:
                outputs = np.empty((len(X), *batch_outputs.shape[1:]), dtype=np.float64)
            outputs[rows] = batch_outputs.numpy()
        return outputs
