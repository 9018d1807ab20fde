"""What a fit reports: epoch lines, progress bars, the history, convergence.

``EpochLog`` prints one line per epoch (``verbose=1``), the stopping epoch
included, and ``EpochProgressBar`` a tqdm bar within each epoch
(``verbose=2``); neither writes terminal codes where the output is not a
terminal. ``warn_if_not_converged`` warns, as ``MLPClassifier`` does at
``max_iter``, when training ends at ``max_epochs`` while the monitored loss
still improves. ``history_records`` turns skorch's history into the
estimators' ``history_``.
"""

import sys
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from skorch.callbacks import Callback, LRScheduler

# A loss improves when it falls below the best so far by this fraction (skorch's
# EarlyStopping default, so that both agree on what "improved" means).
IMPROVEMENT_THRESHOLD = 1e-4


_ANSI = {"best_train": "\033[36m", "best_valid": "\033[35m", "end": "\033[0m"}


def _is_terminal(stream):
    """Whether ``stream`` is a terminal (or a Jupyter output, which renders bars)."""
    isatty = getattr(stream, "isatty", None)
    try:
        if isatty is not None and isatty():
            return True
    except ValueError:  # a closed stream
        return False
    return type(stream).__module__.startswith("ipykernel")


def _write_line(text):
    # One write per line, so that lines of parallel fits never interleave
    # within a line.
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


class EpochLog(Callback):
    """Print one line per epoch: its number, losses, validation score and duration.

    Epochs are numbered across fits (``epoch_offset`` epochs came before), and
    best-so-far losses are coloured only where stdout is a terminal.
    """

    def __init__(self, epoch_offset=0, header=True):
        self.epoch_offset = epoch_offset
        self.header = header

    def initialize(self):
        self.header_printed_ = not self.header
        self.best_ = {}
        return self

    def on_train_begin(self, net, **kwargs):
        # A learning-rate column where a schedule may change the rate.
        self.show_lr_ = any(isinstance(cb, LRScheduler) for _, cb in net.callbacks_)

    def on_epoch_end(self, net, **kwargs):
        record = net.history[-1]
        columns = [("epoch", f"{self.epoch_offset + record['epoch']:>5d}", None)]
        for key, width in (("train_loss", 10), ("valid_loss", 10), ("valid_score", 11)):
            if key in record:
                value = float(record[key])
                best = self._improved(key, value, lower_is_better=key != "valid_score")
                colour = "best_train" if key == "train_loss" else "best_valid"
                columns.append((key, f"{value:>{width}.4f}", colour if best else None))
        if self.show_lr_:
            columns.append(("lr", f"{net.optimizer_.param_groups[0]['lr']:>9.2e}", None))
        columns.append(("dur", f"{float(record['dur']):>6.2f}", None))
        if not self.header_printed_:
            _write_line("  ".join(f"{name:>{len(text)}}" for name, text, _ in columns))
            self.header_printed_ = True
        terminal = _is_terminal(sys.stdout)
        _write_line(
            "  ".join(
                _ANSI[colour] + text + _ANSI["end"] if colour and terminal else text
                for _, text, colour in columns
            )
        )

    def _improved(self, key, value, lower_is_better):
        best = self.best_.get(key)
        improved = best is None or (value < best if lower_is_better else value > best)
        if improved:
            self.best_[key] = value
        return improved


class EpochProgressBar(Callback):
    """A tqdm bar over the batches of each epoch, on a terminal only.

    Written to stderr and removed at the epoch's end, where ``EpochLog``
    prints the epoch's line; where stderr is not a terminal (a log file, a
    pipe) no bar is drawn, so that logs hold no carriage returns or terminal
    codes.
    """

    def __init__(self, epoch_offset=0):
        self.epoch_offset = epoch_offset

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        from tqdm import tqdm

        n_batches = sum(
            -(-len(dataset) // net.batch_size)
            for dataset in (dataset_train, dataset_valid)
            if dataset is not None
        )
        self.bar_ = tqdm(
            total=n_batches,
            desc=f"epoch {self.epoch_offset + len(net.history)}",
            unit="batch",
            leave=False,
            file=sys.stderr,
            disable=not _is_terminal(sys.stderr),
            dynamic_ncols=True,
        )

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        bar = getattr(self, "bar_", None)
        if bar is not None:
            bar.update(1)
            if training:
                loss = float(net.history[-1, "batches", -1, "train_loss"])
                bar.set_postfix(loss=f"{loss:.4f}", refresh=False)

    def on_epoch_end(self, net, **kwargs):
        bar = getattr(self, "bar_", None)
        if bar is not None:
            bar.close()
            self.bar_ = None

    on_train_end = on_epoch_end  # an interrupted epoch closes its bar too


def progress_callbacks(verbose, epoch_offset, header=True):
    """What ``verbose`` asks for: nothing (0), epoch lines (1), and bars (2)."""
    callbacks = []
    if verbose >= 2:
        callbacks.append(EpochProgressBar(epoch_offset=epoch_offset))
    if verbose >= 1:
        callbacks.append(EpochLog(epoch_offset=epoch_offset, header=header))
    return callbacks


def print_line(text):
    """Where ``StopEarly`` reports, at ``verbose >= 1``."""
    _write_line(text)


def warn_if_not_converged(estimator, n_epochs, monitor, stacklevel):
    """Warn when this fit ran all ``max_epochs`` and ``monitor`` still improved.

    "Still improved": the best of the last ``n_iter_no_change`` epochs beats the
    best before them (over all of ``history_``, earlier fits included) by
    ``IMPROVEMENT_THRESHOLD``, or there were no epochs before them.
    """
    if n_epochs < estimator.max_epochs:
        return
    losses = [record[monitor] for record in estimator.history_ if monitor in record]
    window = estimator.n_iter_no_change
    recent = min(losses[-window:])
    if len(losses) > window:
        before = min(losses[:-window])
        if not recent < before - IMPROVEMENT_THRESHOLD * abs(before):
            return
    name = type(estimator).__name__
    warnings.warn(
        f"{name} ran all max_epochs={estimator.max_epochs} epochs and the {monitor} "
        f"still improved in the last {min(window, len(losses))} (to {recent:.4g}): "
        "training has not converged. Raise max_epochs, or continue training with "
        "warm_start=True (set_params(warm_start=True), then fit again).",
        ConvergenceWarning,
        stacklevel=stacklevel,
    )


def history_records(net, keys, epoch_offset):
    """The net's epochs as plain records, numbered after ``epoch_offset``."""
    records = []
    for epoch in net.history:
        record = {"epoch": epoch_offset + int(epoch["epoch"])}
        record.update((key, _plain(epoch[key])) for key in keys if key in epoch and key != "epoch")
        records.append(record)
    return records


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value
