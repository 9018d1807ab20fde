"""What keeps a fit safe: all or nothing, interruptible, never diverged, on a real device.

* ``fit_atomically`` runs a fit on a copy of the estimator and takes its fitted
  state only when the fit returns, so that a fit that fails or is interrupted
  leaves the estimator as it was (fitted or not).
* ``InterruptibleNet`` lets Ctrl-C reach the caller: skorch's ``partial_fit``
  catches ``KeyboardInterrupt`` and returns a cut-short net as if trained.
  Callbacks stop training the same way (skorch's own ``EarlyStopping``
  raises ``KeyboardInterrupt``), so the net tells the two apart by their
  source: a ``KeyboardInterrupt`` raised inside a callback's epoch or batch
  hook while no SIGINT arrived is a callback's stop (``_EarlyStop``); one
  raised anywhere else, or after a SIGINT (counted by ``counting_ctrl_c``),
  is the user's Ctrl-C.
* ``FiniteLossCheck`` stops training on the first epoch whose loss is not
  finite, and ``check_finite_weights`` refuses a fit that ends with NaN weights.
* ``check_device`` resolves the ``device`` parameter when fit starts.
"""

import signal
import threading
from contextlib import contextmanager

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping

DIVERGENCE_ADVICE = (
    "lower learning_rate (now {learning_rate:g}), check that sample_weight and "
    "class_weight are not extreme, and scale numeric sequences and, for a "
    "regressor, the targets"
)


class _TrainingInterrupted(BaseException):
    """Carries a KeyboardInterrupt past skorch's ``except KeyboardInterrupt``."""


class _EarlyStop(KeyboardInterrupt):
    """How a callback ends training: skorch's way, but told apart from Ctrl-C."""


# SIGINTs received while a fit ran in the main thread (see counting_ctrl_c).
_ctrl_c_count = 0
# Callback hooks outside the epoch loop: skorch lets a KeyboardInterrupt raised
# there escape ``partial_fit``, so sklstm takes it for an interrupt too.
_HOOKS_OUTSIDE_THE_LOOP = ("on_train_begin", "on_train_end")


@contextmanager
def counting_ctrl_c():
    """Count the SIGINTs (Ctrl-C) that arrive during the block, then delegate them.

    Only in the main thread, the one Python delivers signals to (elsewhere a
    Ctrl-C never raises, and a handler cannot be installed), and only where
    SIGINT raises at all (a callable handler, Python's by default). The
    caller's handler still runs, raising KeyboardInterrupt as before, and is
    put back afterwards.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if not callable(previous):
        yield
        return

    def count_then_delegate(signum, frame):
        global _ctrl_c_count
        _ctrl_c_count += 1
        return previous(signum, frame)

    signal.signal(signal.SIGINT, count_then_delegate)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGINT) is count_then_delegate:
            signal.signal(signal.SIGINT, previous)


class StopEarly(EarlyStopping):
    """skorch's ``EarlyStopping``, whose stop the net does not take for Ctrl-C.

    With a ``sink`` other than ``print``, it reports the stop and the restored
    epoch (numbered after ``epoch_offset`` earlier epochs) whatever the net's
    own verbosity.
    """

    def __init__(self, *args, epoch_offset=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.epoch_offset = epoch_offset

    def on_epoch_end(self, net, **kwargs):
        try:
            super().on_epoch_end(net, **kwargs)
        except _EarlyStop:
            raise
        except KeyboardInterrupt:
            if self.misses_ == self.patience:  # skorch's own stop
                if self.sink is not print:
                    self.sink(
                        f"Stopping since {self.monitor} has not improved in the last "
                        f"{self.patience} epochs."
                    )
                raise _EarlyStop() from None
            raise

    def on_train_end(self, net, **kwargs):
        if (
            self.load_best
            and self.best_epoch_ != net.history[-1, "epoch"]
            and self.best_model_weights_ is not None
        ):
            net.module_.load_state_dict(self.best_model_weights_)
            if self.sink is not print:
                self.sink(
                    f"Restoring the best model, from epoch "
                    f"{self.epoch_offset + self.best_epoch_}."
                )


class InterruptibleNet(NeuralNet):
    """A skorch net whose training loop lets ``KeyboardInterrupt`` through.

    A callback that stops training (``StopEarly``, skorch's ``EarlyStopping``,
    any callback raising ``KeyboardInterrupt`` from an epoch or batch hook)
    still ends training normally, as in skorch. skorch's table of epochs
    (``PrintLog``) is left out: sklstm prints its own lines
    (``_training.EpochLog``).
    """

    def notify(self, method_name, **cb_kwargs):
        if method_name in _HOOKS_OUTSIDE_THE_LOOP:
            return super().notify(method_name, **cb_kwargs)
        getattr(self, method_name)(self, **cb_kwargs)
        for _, callback in self.callbacks_:
            ctrl_c_before = _ctrl_c_count
            try:
                getattr(callback, method_name)(self, **cb_kwargs)
            except _EarlyStop:
                raise
            except KeyboardInterrupt:
                if _ctrl_c_count != ctrl_c_before:  # the user's Ctrl-C
                    raise
                raise _EarlyStop() from None

    def get_default_callbacks(self):
        return [
            (name, callback)
            for name, callback in super().get_default_callbacks()
            if name != "print_log"
        ]

    def fit_loop(self, X, y=None, **fit_params):
        try:
            with counting_ctrl_c():
                return super().fit_loop(X, y, **fit_params)
        except _EarlyStop:
            raise
        except KeyboardInterrupt as interrupt:
            raise _TrainingInterrupted() from interrupt


def fit_atomically(estimator, fit_step, *args, keep_fitted=False, **kwargs):
    """Run ``fit_step(copy, *args, **kwargs)`` and give ``estimator`` the result.

    The copy is shallow (parameters are shared, so that a ``RandomState``
    instance advances as in any scikit-learn fit) and starts without the
    fitted attributes (names ending in ``_``) of an earlier fit, unless
    ``keep_fitted`` (``warm_start``, ``partial_fit``): ``fit_step`` then sees
    them, and must replace, not change, any it trains further (the net is
    rebuilt and given copies of the weights, see ``_training.continue_from``). When
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
    except _TrainingInterrupted as interrupted:
        raise interrupted.__cause__ from None
    state = vars(estimator)
    state.clear()
    state.update(vars(trial))
    return estimator


class FiniteLossCheck(Callback):
    """Stop training with a ValueError on the first epoch with a non-finite loss."""

    def on_epoch_end(self, net, **kwargs):
        record = net.history[-1]
        for key, name in (("train_loss", "training"), ("valid_loss", "validation")):
            loss = record.get(key)
            if loss is not None and not np.isfinite(loss):
                raise ValueError(
                    f"The {name} loss is {float(loss)} at epoch {record['epoch']}: "
                    "training diverged, so the model would predict NaN. To fix it, "
                    + DIVERGENCE_ADVICE.format(learning_rate=net.lr)
                    + "."
                )


def check_finite_weights(module, learning_rate):
    """Raise a ValueError when training left a non-finite weight in ``module``."""
    for name, parameter in module.named_parameters():
        if not torch.isfinite(parameter).all():
            raise ValueError(
                f"Training left non-finite values in the weights ({name}), so the "
                "model would predict NaN. To fix it, "
                + DIVERGENCE_ADVICE.format(learning_rate=learning_rate)
                + "."
            )


def available_devices():
    """The torch devices this process can use, e.g. ``['cpu', 'cuda:0']``."""
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += [f"cuda:{index}" for index in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append("mps")
    return devices


def check_device(device):
    """Return ``device`` (a str or ``torch.device``) as a device this process has.

    Raises a ValueError naming the available devices when torch does not know
    the name, or when this machine (or this build of torch) lacks the device.
    """
    available = available_devices()
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(
            f"device={device!r} is not a torch device ({error}); the devices "
            f"available here are {available}."
        ) from None
    if resolved.type == "cpu":
        return resolved
    backend = getattr(torch, resolved.type, None)
    is_available = getattr(backend, "is_available", None)
    if resolved.type == "mps":
        is_available = torch.backends.mps.is_available
    if is_available is None or not is_available():
        raise ValueError(
            f"device={device!r}, but this machine and build of torch "
            f"({torch.__version__}) have no {resolved.type} device; the devices "
            f"available here are {available}. Pass device='cpu'."
        )
    count = getattr(backend, "device_count", None)
    if resolved.index is not None and count is not None and resolved.index >= count():
        raise ValueError(
            f"device={device!r}, but this machine has {count()} {resolved.type} "
            f"device(s); the devices available here are {available}."
        )
    return resolved
