"""Training control shared by the estimators: continuing, callbacks, progress, convergence.

* ``continue_from`` starts a freshly built net from a fitted one's weights and
  Adam's moments, copied (never shared, so that a failed continuation leaves
  the fitted model as it was), growing the embedding for new token ids.
* ``check_same_architecture`` refuses a continuation whose parameters would
  build another model.
* ``check_callbacks`` validates the ``callbacks`` parameter.
* ``EpochLog`` prints one line per epoch (``verbose=1``), the stopping epoch
  included, and ``EpochProgressBar`` a tqdm bar within each epoch
  (``verbose=2``); neither writes terminal codes where the output is not a
  terminal.
* ``warn_if_not_converged`` warns, as ``MLPClassifier`` does at ``max_iter``,
  when training ends at ``max_epochs`` while the monitored loss still improves.
"""

import copy
import sys
import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from skorch.callbacks import Callback, LRScheduler

from ._fitting import check_finite_weights
from ._runtime import seeded_rngs, torch_threads

# A loss improves when it falls below the best so far by this fraction (skorch's
# EarlyStopping default, so that both agree on what "improved" means).
IMPROVEMENT_THRESHOLD = 1e-4

# Parameters of the module that fix the shape or meaning of the fitted weights:
# module parameter -> what the user changes (dropout, say, may change freely).
_ARCHITECTURE = {
    "units": "units",
    "embedding_dim": "embedding_dim",
    "num_layers": "num_layers",
    "bidirectional": "bidirectional",
    "pooling": "pooling",
    "pretrained_embeddings": "embeddings",
    "n_input_features": "the number of values per step of X",
    "every_step": "the kind of model",
}

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


# -- continuing a fit -------------------------------------------------------------


def check_same_architecture(previous, net, estimator_name):
    """Raise a ValueError when ``net`` would not hold ``previous``'s weights."""
    old = previous.get_params(deep=False)
    new = net.get_params(deep=False)
    for module_name, user_name in _ARCHITECTURE.items():
        key = f"module__{module_name}"
        if old.get(key) != new.get(key):
            raise ValueError(
                f"warm_start=True continues the fitted {estimator_name}, built with "
                f"{user_name}={old.get(key)!r}, but this fit would build "
                f"{user_name}={new.get(key)!r}. Set it back, or set "
                "warm_start=False to train a new model."
            )


def check_same_vocabulary(fitted, current, estimator_name):
    """Refuse token ids from a tokenizer that renumbered the fitted model's tokens.

    ``fitted`` and ``current`` are the ``vocabulary_`` of the CharTokenizers
    that made the ids of the earlier fit and of this one (see
    ``_tokenizer.vocabulary_of``); None where the ids came from elsewhere, and
    then nothing can be checked. Every token of ``fitted`` must keep its id:
    new tokens may only be added after the old ones.
    """
    if fitted is None or current is None or current is fitted:
        return
    for token, token_id in fitted.items():
        if current.get(token) != token_id:
            now = current.get(token)
            now = "out-of-vocabulary" if now is None else f"id {now}"
            raise ValueError(
                f"X comes from a CharTokenizer whose vocabulary differs from the one "
                f"{estimator_name} was trained with: {token!r} had id {token_id} and "
                f"is now {now}, so continuing to train (warm_start=True, "
                "partial_fit) would give tokens the embedding rows of others. Give "
                "the CharTokenizer warm_start=True as well (a refit then keeps its "
                "ids and adds new tokens after them), or fit it once and only "
                "transform afterwards; or set warm_start=False to train a new model."
            )


def train(
    net, inputs, targets, *, previous, seed, n_threads, partial, embedding_rows=None,
    start=None,
):
    """Train ``net``: from scratch, or continuing from the fitted net ``previous``.

    Seeded with ``seed`` on ``n_threads`` torch threads (the caller's global
    state is restored); ``partial`` runs one epoch. ``start``, if given, is
    called with the freshly initialized module to set its starting weights
    (a pretrained language model's). Raises a ValueError when training left
    non-finite weights.
    """
    with seeded_rngs(seed), torch_threads(n_threads):
        if previous is not None:
            continue_from(net, previous, embedding_rows)
        else:
            net.initialize()
            if start is not None:
                start(net.module_)
        net.partial_fit(inputs, targets, **({"epochs": 1} if partial else {}))
    check_finite_weights(net.module_, net.lr)
    return net


def continue_from(net, previous, embedding_rows=None):
    """Initialize ``net`` and give it ``previous``'s weights and optimizer moments.

    Parameters
    ----------
    net : skorch.NeuralNet
        Unfitted, built by the estimator for this fit: its parameters (the
        learning rate, weight decay) are the ones that apply from now on.
    previous : skorch.NeuralNet
        The fitted net; left untouched (everything is copied).
    embedding_rows : ndarray of int or None
        Where each row of ``previous``'s embedding goes in ``net``'s, which may
        be larger (new token ids); None: the same rows. Rows of ``net`` that
        receive none keep their fresh initialisation and start with zero
        moments.
    """
    net.initialize()
    old_params = dict(previous.module_.named_parameters())
    new_params = dict(net.module_.named_parameters())
    old_state = previous.module_.state_dict()
    with torch.no_grad():
        for name, new in net.module_.state_dict().items():
            new.copy_(_placed(old_state[name], new, name, embedding_rows))
    saved = previous.optimizer_.state_dict()
    own = net.optimizer_.state_dict()
    # Parameter indices follow named_parameters(), the same in both modules.
    names = list(new_params)
    moments = {}
    for index, state in saved["state"].items():
        name = names[index]
        moments[index] = {
            key: (
                _placed(value, new_params[name], name, embedding_rows, fill=0.0)
                if torch.is_tensor(value) and value.shape == old_params[name].shape
                else copy.deepcopy(value)
            )
            for key, value in state.items()
        }
    # Hyperparameters (learning rate, weight decay) from this fit's net.
    net.optimizer_.load_state_dict({"state": moments, "param_groups": own["param_groups"]})
    return net


def _placed(old, new, name, embedding_rows, fill=None):
    """A copy of ``old`` in the shape of ``new``: rows moved for a grown embedding."""
    if old.shape == new.shape and (embedding_rows is None or not name.startswith("embedding")):
        return old.detach().clone()
    placed = new.detach().clone() if fill is None else torch.full_like(new, fill)
    rows = (
        torch.arange(len(old)) if embedding_rows is None else torch.as_tensor(embedding_rows)
    )
    placed[rows.to(placed.device)] = old.detach().to(placed.device)
    return placed


# -- callbacks ---------------------------------------------------------------------


def check_callbacks(callbacks, estimator_name):
    """The ``callbacks`` parameter as a list, each item checked."""
    if callbacks is None:
        return []
    for position, item in enumerate(callbacks):
        callback = item
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            callback = item[1]
        if not isinstance(callback, Callback):
            raise ValueError(
                f"{estimator_name}(callbacks=...) takes skorch callbacks (instances of "
                "skorch.callbacks.Callback, or (name, callback) pairs), but item "
                f"{position} is {item!r:.60}."
            )
    return list(callbacks)


# -- progress ----------------------------------------------------------------------


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


# -- convergence ---------------------------------------------------------------------


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
