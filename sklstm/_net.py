"""The skorch nets sklstm trains, how they are built, and the training call.

* ``build_net`` turns flat estimator parameters into a skorch net over
  ``LSTMNet``: the only place that knows skorch's ``module__`` /
  ``criterion__`` / ``iterator_train__`` routing.
* The net classes, each adding one thing to skorch's ``NeuralNet``:
  ``InterruptibleNet`` lets Ctrl-C reach the caller (skorch's ``partial_fit``
  catches ``KeyboardInterrupt`` and returns a cut-short net as if trained).
  Callbacks stop training the same way (skorch's own ``EarlyStopping`` raises
  ``KeyboardInterrupt``), so the net tells the two apart by their source: a
  ``KeyboardInterrupt`` raised inside a callback's epoch or batch hook while no
  SIGINT arrived is a callback's stop (``_EarlyStop``); one raised anywhere
  else, or after a SIGINT (counted by ``counting_ctrl_c``), is the user's
  Ctrl-C. ``MixedPrecisionNet`` computes under autocast (see ``_device``), and
  ``SampleWeightedNet`` weighs each sample's loss.
* ``train`` trains a net from scratch or continuing from a fitted one
  (``continue_from`` copies the weights and Adam's moments, never shares
  them, growing the embedding for new token ids); ``check_same_architecture``
  and ``check_same_vocabulary`` refuse a continuation that would not fit.
* ``FiniteLossCheck`` stops training on the first epoch whose loss is not
  finite, and ``check_finite_weights`` refuses a fit that ends with NaN
  weights. ``StopEarly`` is skorch's ``EarlyStopping`` reporting its stop.
"""

import copy
import signal
import threading
from contextlib import contextmanager

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, GradientNormClipping
from skorch.utils import to_tensor

from ._batching import LengthGroupedLoader
from ._device import mixed_precision, seeded_rngs, torch_threads
from ._ids import PAD_ID
from ._module import LSTMNet

DIVERGENCE_ADVICE = (
    "lower learning_rate (now {learning_rate:g}), check that sample_weight and "
    "class_weight are not extreme, and scale numeric sequences and, for a "
    "regressor, the targets"
)


class TrainingInterrupted(BaseException):
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
    (``_progress.EpochLog``).
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
            raise TrainingInterrupted() from interrupt


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


class MixedPrecisionNet(InterruptibleNet):
    """A skorch net whose forward passes (training and validation) run in ``precision``.

    Only the forward pass is under autocast: the loss is computed from outputs
    cast back to float32, and the backward pass and the optimizer step work on
    the float32 weights.

    Parameters
    ----------
    precision : {'float32', 'bfloat16'}, default='float32'
        The precision to compute in, already checked against the device (see
        ``effective_precision``).
    """

    def __init__(self, *args, precision="float32", **kwargs):
        super().__init__(*args, **kwargs)
        self.precision = precision

    def infer(self, x, **fit_params):
        if self.precision == "float32":
            return super().infer(x, **fit_params)
        with mixed_precision(self.precision, self.device or "cpu"):
            outputs = super().infer(x, **fit_params)
        return outputs.float()


class SampleWeightedNet(MixedPrecisionNet):
    """A skorch net whose loss weighs each sample by ``X['sample_weight']``."""

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device)
        per_sample = self.criterion_(y_pred, y_true)
        if per_sample.ndim > 1:  # one loss per target of a multi-output regressor
            per_sample = per_sample.mean(dim=tuple(range(1, per_sample.ndim)))
        weight = to_tensor(X["sample_weight"], device=self.device)
        return (per_sample * weight).mean()


class NextTokenNet(MixedPrecisionNet):
    """A skorch net whose loss is the mean cross-entropy of every real next token.

    The language model of LSTMTextGenerator and of the estimators' pretraining
    phase (``_pretraining``).
    """

    def get_loss(self, y_pred, y_true, X=None, training=False):
        # The module cuts each batch to its longest sequence; padding targets (0)
        # beyond that width, and within it, carry no loss.
        y_true = to_tensor(y_true, device=self.device)[:, : y_pred.shape[1]]
        return self.criterion_(y_pred.transpose(1, 2), y_true)


# Devices where PyTorch's fused Adam and AdamW run: the same updates in one
# pass over each parameter per step, instead of a dozen. Adam updates every
# row of the embedding at every step, so this halved the fine-tuning of
# pretraining fits, whose vocabulary spans the unlabeled texts too
# (benchmarks/bench_optimizer.py). Plain fits keep the default kernels: the
# fused ones round differently in the last bit, which moves every result.
FUSED_OPTIMIZER_DEVICES = ("cpu", "cuda")


def build_net(
    *,
    module_params,
    criterion,
    max_epochs,
    batch_size,
    learning_rate,
    device,
    weight_decay=0.0,
    gradient_clip=None,
    criterion_params=None,
    net_class=None,
    train_split=None,
    callbacks=(),
    precision="float32",
    fused_optimizer=False,
):
    """Turn flat estimator parameters into an (unfitted) skorch net over LSTMNet.

    The only place that knows skorch's ``module__`` / ``criterion__`` /
    ``iterator_train__`` routing, so that users only ever see flat,
    self-explaining parameters. Training batches are grouped by length (see
    ``_batching``); the optimizer is Adam, or AdamW with ``weight_decay``.
    ``callbacks`` come in the order they run, progress included (see
    ``_progress.progress_callbacks``): skorch's own table stays off.
    ``precision`` is what the device computes in (see
    ``_device.effective_precision``). ``fused_optimizer`` fuses Adam's
    update where PyTorch can (see ``FUSED_OPTIMIZER_DEVICES``).
    """
    routed = {f"module__{name}": value for name, value in module_params.items()}
    routed.update(
        {f"criterion__{name}": value for name, value in (criterion_params or {}).items()}
    )
    optimizer = {"optimizer": torch.optim.Adam}
    if weight_decay:
        optimizer = {"optimizer": torch.optim.AdamW, "optimizer__weight_decay": weight_decay}
    if fused_optimizer and torch.device(device).type in FUSED_OPTIMIZER_DEVICES:
        optimizer["optimizer__fused"] = True
    clipping = []
    if gradient_clip is not None:
        clipping = [GradientNormClipping(gradient_clip_value=gradient_clip)]
    return (net_class or SampleWeightedNet)(
        module=LSTMNet,
        criterion=criterion,
        lr=learning_rate,
        max_epochs=max_epochs,
        batch_size=batch_size,
        iterator_train=LengthGroupedLoader,
        iterator_train__shuffle=True,
        iterator_valid=LengthGroupedLoader,
        iterator_valid__shuffle=False,
        train_split=train_split,
        callbacks=[FiniteLossCheck(), *clipping, *callbacks],
        device=device,
        verbose=0,
        precision=precision,
        **optimizer,
        **routed,
    )


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



def build_language_model(
    estimator, *, n_outputs, vocabulary_size, max_epochs, device, precision, callbacks,
    module_input=None, fused_optimizer=False,
):
    """The skorch net of a next-token language model, with ``estimator``'s network settings.

    For :class:`LSTMTextGenerator` and the estimators' pretraining phase alike:
    ``embedding_dim``, ``units``, ``num_layers``, ``dropout``, ``batch_size``,
    ``learning_rate``, ``weight_decay`` and ``gradient_clip`` come from the
    estimator; ``module_input`` adds module parameters (pretrained vectors);
    ``fused_optimizer`` as in ``build_net``. The loss is the cross-entropy of
    every real next token (padding carries none).
    """
    return build_net(
        net_class=NextTokenNet,
        module_params=dict(
            n_outputs=n_outputs,
            vocabulary_size=vocabulary_size,
            every_step=True,
            **layer_settings(estimator),
            **(module_input or {}),
        ),
        criterion=torch.nn.CrossEntropyLoss,
        criterion_params=dict(ignore_index=PAD_ID),
        max_epochs=max_epochs,
        device=str(device),
        callbacks=callbacks,
        precision=precision,
        fused_optimizer=fused_optimizer,
        **optimizer_settings(estimator),
    )


# The estimator parameters that every net an estimator builds takes, under the
# same names: LSTMNet's, and build_net's.
_LAYER_PARAMS = ("embedding_dim", "units", "num_layers", "dropout")
_OPTIMIZER_PARAMS = ("batch_size", "learning_rate", "weight_decay", "gradient_clip")


def layer_settings(estimator):
    """The estimator's parameters that every LSTMNet it builds takes."""
    return {name: getattr(estimator, name) for name in _LAYER_PARAMS}


def optimizer_settings(estimator):
    """The estimator's parameters of ``build_net`` that every net it builds takes."""
    return {name: getattr(estimator, name) for name in _OPTIMIZER_PARAMS}


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


def train(
    net, inputs, targets, *, previous, seed, n_threads, partial, embedding_rows=None,
    start=None,
):
    """Train ``net``: from scratch, or continuing from the fitted net ``previous``.

    Seeded with ``seed`` on ``n_threads`` torch threads (the caller's global
    state is restored); ``partial`` runs one epoch. ``start``, if given, is
    called with the freshly initialized net to set its starting weights (a
    pretrained language model's) and how they train. Raises a ValueError
    when training left non-finite weights.
    """
    with seeded_rngs(seed), torch_threads(n_threads):
        if previous is not None:
            continue_from(net, previous, embedding_rows)
        else:
            net.initialize()
            if start is not None:
                start(net)
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
