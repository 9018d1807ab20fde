"""Learning from unlabeled text: a language-model phase before the supervised fit.

With ``pretraining_epochs > 0``, :class:`LSTMClassifier` and
:class:`LSTMRegressor` fit in two phases, as ULMFiT (Howard & Ruder, 2018)
and Dai & Le (2015) do:

1. ``pretrain`` trains the same embedding and LSTM as a next-token language
   model over the token ids of every row of X, the unlabeled rows (target
   ``-1`` for the classifier, as in scikit-learn's ``SelfTrainingClassifier``;
   NaN for the regressor) and the labeled ones alike;
2. the supervised fit starts from those weights (the output layer starts
   fresh) and trains on the labeled rows only, under a ``fine_tuning``
   schedule (``start_fine_tuning``: per-layer learning rates, gradual
   unfreezing).

``BaseLSTM._prepare`` takes the unlabeled rows out (``split_unlabeled``) and
the fit skeleton's ``_starting_point`` hook runs ``pretrain``.

Both phases read the very same token ids, so their vocabularies agree by
construction; ``start_from_language_model`` still refuses weights whose
embedding does not match the model it is given.
"""

import os

import numpy as np
import pandas as pd
import torch
from sklearn.base import is_regressor
from skorch.callbacks import Callback

from ._batching import row_lengths
from ._net import build_language_model, train
from ._progress import history_records, print_line, progress_callbacks
from ._tokenizer import FIRST_TOKEN_ID, OOV_ID, PAD_ID

# What a classifier's y holds for a row without a label (scikit-learn's
# semi-supervised convention); a regressor's unlabeled rows hold NaN.
UNLABELED = -1
# The language model predicts the most frequent tokens only, the others as one
# "rare token" class: a word-level output layer over every word of 20,000
# tweets (30,000 words) would cost a hundred times the LSTM per step on CPU.
MAX_PREDICTED_TOKENS = 500
# ULMFiT's ratio of learning rates between a layer and the one above it.
DISCRIMINATIVE_FACTOR = 2.6
FINE_TUNING = ("plain", "discriminative", "gradual", "ulmfit")
PRETRAINED_LAYERS = ("embedding", "all")


# -- which rows are unlabeled ---------------------------------------------------


def _rows(data, index):
    """Rows ``index`` of an array-like (DataFrames and Series keep their labels)."""
    if hasattr(data, "iloc"):
        return data.iloc[index]
    return np.asarray(data)[index]


def unlabeled_mask(estimator, y):
    """Which rows of y are unlabeled: -1 (classifier) or NaN (regressor) in every column."""
    if is_regressor(estimator):
        array = np.asarray(y, dtype=object)
        missing = np.asarray(pd.isna(array), dtype=bool)
        return missing.reshape(len(array), -1).all(axis=1)
    array = np.asarray(y)
    if array.dtype.kind in "US" and (array == str(UNLABELED)).any():
        raise ValueError(
            f"y holds the string {str(UNLABELED)!r}; with pretraining_epochs > 0 an "
            f"unlabeled row is marked by the number {UNLABELED}, as in scikit-learn's "
            "SelfTrainingClassifier. Pass y as an array of dtype object with "
            f"{UNLABELED} (the int) for the unlabeled rows."
        )
    if array.dtype.kind in "US":
        return np.zeros(len(array), dtype=bool)
    marked = np.asarray(np.asarray(array, dtype=object) == UNLABELED, dtype=bool)
    return marked.reshape(len(array), -1).all(axis=1)


def split_unlabeled(estimator, X, y, sample_weight, continuing):
    """Take the unlabeled rows out of a fit with ``pretraining_epochs > 0``.

    Returns
    -------
    X, y, sample_weight
        The labeled rows.
    unlabeled : array-like or None
        The unlabeled rows of X (not yet validated); None when the fit does
        not pretrain or y marks no row.
    """
    if not estimator.pretraining_epochs or y is None:
        return X, y, sample_weight, None
    if len(np.asarray(y, dtype=object)) != _n_rows(X):
        return X, y, sample_weight, None  # validate_lstm_input names the mismatch
    mask = unlabeled_mask(estimator, y)
    if not mask.any():
        return X, y, sample_weight, None
    name = type(estimator).__name__
    marker = "NaN" if is_regressor(estimator) else str(UNLABELED)
    if continuing:
        raise ValueError(
            f"y marks {int(mask.sum())} rows as unlabeled ({marker}), but this fit "
            f"continues the fitted {name} (warm_start=True or partial_fit), which "
            "trains on labeled rows only: the language model is pretrained once, "
            "when fit starts a new model. Pass the labeled rows only, or set "
            "warm_start=False."
        )
    if mask.all():
        raise ValueError(
            f"Every row of y is unlabeled ({marker}): {name} needs labeled rows to "
            "fit on after pretraining."
        )
    labeled = np.flatnonzero(~mask)
    y_labeled = _rows(y, labeled)
    if isinstance(y_labeled, np.ndarray) and y_labeled.dtype == object and y_labeled.ndim == 1:
        # The -1 marker forced an object array; the labels alone take the
        # dtype they would have had in a plain fit (str, int).
        y_labeled = np.asarray(y_labeled.tolist())
    if sample_weight is not None:
        sample_weight = _rows(sample_weight, labeled)
    return _rows(X, labeled), y_labeled, sample_weight, _rows(X, np.flatnonzero(mask))


def _n_rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


# -- the language model ---------------------------------------------------------


def language_model_data(X, boundary_id):
    """Inputs and next-token targets of each row of token ids.

    Each row's real tokens (padding removed, wherever it stood) follow the
    boundary id, as the classifier reads them from a fresh state; the targets
    are the same tokens followed by the boundary id, which ends the text.
    """
    lengths = row_lengths(X)
    order = np.argsort(X == PAD_ID, axis=1, kind="stable")
    tokens = np.take_along_axis(X, order, axis=1)[:, : max(int(lengths.max()), 1)]
    width = tokens.shape[1] + 1
    inputs = np.zeros((len(X), width), dtype=np.int64)
    inputs[:, 0] = boundary_id
    inputs[:, 1:] = tokens
    targets = np.zeros((len(X), width), dtype=np.int64)
    targets[:, :-1] = tokens
    targets[np.arange(len(X)), lengths] = boundary_id
    return inputs, targets


def predicted_classes(inputs, boundary_id):
    """Map each id to the language model's output class.

    0 is padding (no loss), 1 every token outside the ``MAX_PREDICTED_TOKENS``
    most frequent ones (out-of-vocabulary ids included), then the frequent
    tokens and last the boundary.
    """
    counts = np.bincount(inputs.ravel(), minlength=boundary_id + 1)
    counts[[PAD_ID, OOV_ID, boundary_id]] = 0
    frequent = np.flatnonzero(counts)
    if len(frequent) > MAX_PREDICTED_TOKENS:
        frequent = frequent[np.argsort(-counts[frequent], kind="stable")[:MAX_PREDICTED_TOKENS]]
    lookup = np.full(boundary_id + 1, OOV_ID, dtype=np.int64)
    lookup[PAD_ID] = PAD_ID
    lookup[np.sort(frequent)] = np.arange(FIRST_TOKEN_ID, FIRST_TOKEN_ID + len(frequent))
    lookup[boundary_id] = FIRST_TOKEN_ID + len(frequent)
    return lookup, FIRST_TOKEN_ID + len(frequent) + 1


def pretrain(estimator, X, *, n_unlabeled, trainable_ids, seed, device, precision):
    """Train a language model on the token ids ``X``; return its transferable weights.

    ``trainable_ids``: with ``embeddings``, the ids given a trainable row (see
    ``LSTMNet``), None without. Records ``pretraining_history_`` on
    ``estimator``. The returned state holds the embedding (the boundary's
    extra row removed, so that it has the supervised model's rows) and the
    LSTM layers.
    """
    boundary_id = estimator.vocabulary_size_
    inputs, targets = language_model_data(X, boundary_id)
    lookup, n_classes = predicted_classes(inputs, boundary_id)
    module_input = {}
    if estimator.embeddings is not None:
        # The boundary id stands beyond the vectors' table: its own trainable
        # row, the last one, dropped again below.
        module_input.update(
            pretrained_embeddings=os.fspath(estimator.embeddings),
            trainable_ids=[*trainable_ids.tolist(), boundary_id],
        )
    if estimator.verbose:
        print_line(
            f"Pretraining: a language model on {len(X)} texts ({n_unlabeled} "
            f"unlabeled), {estimator.pretraining_epochs} epochs"
        )
    net = build_language_model(
        estimator,
        n_outputs=n_classes,
        vocabulary_size=boundary_id + 1,
        max_epochs=estimator.pretraining_epochs,
        device=device,
        precision=precision,
        callbacks=progress_callbacks(estimator.verbose, 0),
        module_input=module_input,
        # The vocabulary of every text, unlabeled ones included, makes each
        # Adam step update a large embedding, in both phases (the supervised
        # one fuses too, see BaseLSTM._build_net): fused, the fine-tuning on
        # 2,000 tweets with 22,000 tweets' words took half the time
        # (see _net.FUSED_OPTIMIZER_DEVICES).
        fused_optimizer=True,
    )
    net = train(
        net, {"X": inputs}, lookup[targets], previous=None, seed=seed,
        n_threads=estimator.n_threads, partial=False,
    )
    estimator.pretraining_history_ = history_records(net, ("train_loss", "dur"), 0)
    state = {
        name: tensor.detach().clone()
        for name, tensor in net.module_.state_dict().items()
        if name.startswith(("embedding.", "forward_layers."))
    }
    state["embedding.weight"] = state["embedding.weight"][:-1]
    return state


def start_from_language_model(module, state, estimator_name, layers="all"):
    """Copy the language model's embedding (and, ``layers='all'``, LSTM) weights into ``module``.

    Weights of another shape (the forward layers above the first of a
    bidirectional model, which read both directions) keep their fresh
    initialisation, as do the backward layers and the output layer. Raises a
    ValueError when the embeddings disagree: the two phases would read ids
    as different tokens.
    """
    own = module.state_dict()
    rows = own["embedding.weight"].shape[0]
    if state["embedding.weight"].shape != own["embedding.weight"].shape:
        raise ValueError(
            f"The language model's embedding has {state['embedding.weight'].shape[0]} "
            f"rows of {state['embedding.weight'].shape[1]} values but the "
            f"{estimator_name}'s has {rows} of {own['embedding.weight'].shape[1]}: "
            "their vocabularies (token ids) disagree, so every id would read another "
            "token's vector. Pretrain and fine-tune on token ids from the same "
            "fitted CharTokenizer, in one fit (rows of y marked unlabeled)."
        )
    if layers == "embedding":
        state = {"embedding.weight": state["embedding.weight"]}
    with torch.no_grad():
        for name, tensor in state.items():
            if name in own and own[name].shape == tensor.shape:
                own[name].copy_(tensor.to(own[name].device))


# -- fine-tuning ------------------------------------------------------------------


def start_fine_tuning(net, state, estimator):
    """Start a freshly initialized net from the language model, under ``fine_tuning``.

    ``train`` calls it (see ``_net.train``): the weights of
    ``pretrained_layers`` are copied in (``start_from_language_model``);
    ``'discriminative'`` and ``'ulmfit'`` give each layer its learning rate
    (``layer_learning_rates``); ``'gradual'`` and ``'ulmfit'`` add
    ``GradualUnfreezing`` to the net's callbacks.
    """
    name = type(estimator).__name__
    start_from_language_model(net.module_, state, name, estimator.pretrained_layers)
    rates = layer_learning_rates(net.module_, estimator.learning_rate, estimator.fine_tuning)
    if rates is not None:
        # The same optimizer (Adam or AdamW, its settings), one group per
        # parameter in named_parameters() order, which continuing a fit
        # (``_net.continue_from``) relies on. The fresh optimizer holds no
        # state yet; add_param_group fills each group with its settings (a
        # new optimizer built from ``defaults`` would not: AdamW's hold
        # ``decoupled_weight_decay``, which its constructor refuses).
        optimizer = net.optimizer_
        optimizer.param_groups.clear()
        for parameter, rate in rates:
            optimizer.add_param_group({"params": [parameter], "lr": rate})
    if estimator.fine_tuning in ("gradual", "ulmfit"):
        net.callbacks_.append(("gradual_unfreezing", GradualUnfreezing().initialize()))


def layer_learning_rates(module, learning_rate, fine_tuning):
    """(parameter, learning rate) in module order for ``fine_tuning``, or None for one rate.

    Discriminative learning rates (ULMFiT): each layer learns
    ``DISCRIMINATIVE_FACTOR`` times slower than the one above it.
    """
    if fine_tuning not in ("discriminative", "ulmfit"):
        return None
    num_layers = len(module.forward_layers)
    return [
        (parameter, learning_rate / DISCRIMINATIVE_FACTOR ** _depth(name, num_layers))
        for name, parameter in module.named_parameters()
    ]


def _depth(name, num_layers):
    """A parameter's depth below the output layer: 0 the head, deepest the embedding."""
    if name.startswith("head."):
        return 0
    if name.startswith(("forward_layers.", "backward_layers.")):
        return num_layers - int(name.split(".")[1])
    return num_layers + 1


class GradualUnfreezing(Callback):
    """ULMFiT's gradual unfreezing: epoch k trains the k layers nearest the output.

    Epoch 1 trains the output layer alone, epoch 2 also the top LSTM layer,
    and so on down to the embedding; every weight is trainable again when
    training ends.
    """

    def on_epoch_begin(self, net, **kwargs):
        epoch = len(net.history)
        num_layers = len(net.module_.forward_layers)
        for name, parameter in net.module_.named_parameters():
            parameter.requires_grad_(_depth(name, num_layers) < epoch)

    def on_train_end(self, net, **kwargs):
        for parameter in net.module_.parameters():
            parameter.requires_grad_(True)


class ScoreLabeledRowsMixin:
    """``score`` over the labeled rows only, where y marks unlabeled ones.

    With ``pretraining_epochs > 0`` a model is fitted, and so cross-validated
    (``GridSearchCV`` with its default scoring), on y holding unlabeled rows:
    each test fold then holds some, which have no label to score against.
    """

    def score(self, X, y, sample_weight=None):
        """Accuracy (classifier) or R² (regressor) on the labeled rows of X and y.

        As scikit-learn's ``score``, except that with ``pretraining_epochs >
        0`` the rows that y marks unlabeled (-1 for the classifier, NaN for
        the regressor) are left out, as they are from training.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
            Sequences, read as in ``fit``.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets, unlabeled rows marked as in ``fit``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample.

        Returns
        -------
        score : float
            Mean accuracy (the classifier) or R² (the regressor) over the
            labeled rows.
        """
        if self.pretraining_epochs and y is not None:
            mask = unlabeled_mask(self, y)
            if mask.any():
                X, y, sample_weight, _ = split_unlabeled(self, X, y, sample_weight, False)
        return super().score(X, y, sample_weight=sample_weight)
