"""What LSTMClassifier and LSTMRegressor share: parameters, input handling, the net.

``BaseLSTM`` fills in the hooks of the fit skeleton (``_estimator``) for the
two supervised estimators: reading X (token ids or numeric sequences, word
vectors, a warm start's vocabulary), early stopping and the skorch net. The
subclasses add only what differs: how the target is encoded, the loss, the
validation score and how raw outputs become predictions.
"""

import os
import warnings
from abc import abstractmethod
from functools import partial
from numbers import Integral, Real

import numpy as np
from scipy.sparse import issparse
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import EpochScoring, LRScheduler
from skorch.dataset import ValidSplit
from torch.optim.lr_scheduler import ReduceLROnPlateau

from ._embeddings import check_fingerprint
from ._estimator import (
    PREDICT_PARAMS,
    TRAINING_CONSTRAINTS,
    LSTMEstimator,
    TrainingData,
    fit_atomically,
)
from ._ids import FIRST_TOKEN_ID, OOV_ID, PAD_ID
from ._net import (
    SampleWeightedNet,
    StopEarly,
    build_net,
    check_callbacks,
    check_same_vocabulary,
    layer_settings,
    optimizer_settings,
)
from ._persistence import damaged
from ._pretraining import (
    FINE_TUNING,
    PRETRAINED_LAYERS,
    pretrain,
    split_unlabeled,
    start_fine_tuning,
)
from ._progress import (
    print_line,
    progress_callbacks,
)
from ._tokenizer import ids_origin
from ._validation import (
    Interval,
    StrOptions,
    check_finite,
    check_params_in_use,
    check_sample_weight,
    check_some_token_seen,
    fit_context,
    pandas_index,
    validate_lstm_input,
)

# learning_rate_schedule='adaptive': the learning rate is multiplied by this
# after each epoch in which the monitored loss did not improve.
ADAPTIVE_FACTOR = 0.3
# early_stopping='auto' holds out a validation part from this many training
# samples on. benchmarks/bench_early_stopping.py (mean of 3 seeds, word and
# character level): on 2,000 tweets and fewer, and on up to 1,600 demo
# sentences, stopping early cost 0 to 7 points, its few held-out samples
# ending training at a noisy epoch; on 3,000 tweets it gained 5.5 points at
# word level and lost 0.5 at character level, and more data favours it further.
AUTO_EARLY_STOPPING_MIN_SAMPLES = 2500
# Warnings of a pipeline whose tokenizer and estimator disagree about the word
# vectors. Without embeddings: ids reaching SPARSE_IDS_MIN, SPARSE_IDS_FACTOR
# times more than the distinct ids (a vectors' numbering). With them: at least
# DENSE_IDS_MIN word ids, every one from 2 up (a tokenizer's own numbering,
# which a text's words in a 400,000-row table never give).
SPARSE_IDS_MIN = 20_000
SPARSE_IDS_FACTOR = 10
DENSE_IDS_MIN = 100


def _distinct_ids(X):
    """The distinct ids of X, sorted: without np.unique's sorted copy of X."""
    return np.flatnonzero(np.bincount(X.ravel()))


class BaseLSTM(LSTMEstimator):
    """Shared parameters and data handling of the supervised LSTM estimators.

    Not for direct use: see :class:`LSTMClassifier` and :class:`LSTMRegressor`.
    """

    _parameter_constraints = {
        **TRAINING_CONSTRAINTS,
        "embeddings": [str, os.PathLike, None],
        "fine_tune_embeddings": ["boolean"],
        "bidirectional": ["boolean"],
        "pooling": [StrOptions({"last", "max", "mean"})],
        "learning_rate_schedule": [StrOptions({"constant", "adaptive"})],
        "early_stopping": [StrOptions({"auto"}), "boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "input_type": [StrOptions({"auto", "tokens", "sequences"})],
        "pretraining_epochs": [Interval(Integral, 0, None, closed="left")],
        "fine_tuning": [StrOptions(set(FINE_TUNING))],
        "pretrained_layers": [StrOptions(set(PRETRAINED_LAYERS))],
    }
    # The skorch net; its predict is what skorch's scoring callbacks read.
    _net_class = SampleWeightedNet

    @abstractmethod
    def __init__(
        self,
        *,
        units,
        embedding_dim,
        embeddings,
        fine_tune_embeddings,
        num_layers,
        bidirectional,
        dropout,
        pooling,
        max_epochs,
        batch_size,
        learning_rate,
        learning_rate_schedule,
        weight_decay,
        gradient_clip,
        early_stopping,
        validation_fraction,
        n_iter_no_change,
        warm_start,
        input_type,
        pretraining_epochs,
        fine_tuning,
        pretrained_layers,
        callbacks,
        device,
        n_threads,
        precision,
        random_state,
        verbose,
    ):
        self.units = units
        self.embedding_dim = embedding_dim
        self.embeddings = embeddings
        self.fine_tune_embeddings = fine_tune_embeddings
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.pooling = pooling
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_schedule = learning_rate_schedule
        self.weight_decay = weight_decay
        self.gradient_clip = gradient_clip
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.input_type = input_type
        self.pretraining_epochs = pretraining_epochs
        self.fine_tuning = fine_tuning
        self.pretrained_layers = pretrained_layers
        self.callbacks = callbacks
        self.device = device
        self.n_threads = n_threads
        self.precision = precision
        self.random_state = random_state
        self.verbose = verbose

    # -- the subclasses' part ------------------------------------------------

    @abstractmethod
    def _validate_target(self, X, y, continuing=False, classes=None):
        """Check y against X and return it (and record any target attribute).

        ``continuing``: the fitted model trains on (``warm_start``,
        ``partial_fit``), so y must fit its outputs. ``classes``: the
        classifier's ``partial_fit`` argument.
        """

    @abstractmethod
    def _encode_target(self, y, sample_weight, continuing=False):
        """Return (training targets, per-sample weights, number of outputs)."""

    @abstractmethod
    def _criterion(self):
        """The torch loss class, to be built with ``reduction='none'``."""

    @abstractmethod
    def _held_out_problem(self, targets):
        """Why a held-out part of ``validation_fraction`` cannot be split off, or None."""

    @staticmethod
    @abstractmethod
    def _validation_score(net, X, y):
        """Score of the net on the held-out split (higher is better)."""

    # -- fit --------------------------------------------------------------------

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the LSTM on sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
            Token ids (a 2-D integer array, as made by :class:`CharTokenizer`)
            or numeric sequences (2-D float: one value per step; 3-D: several).
            See ``input_type``.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss. None weighs all samples equally.

        Returns
        -------
        self : object
            The fitted estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from sklstm import LSTMClassifier, LSTMRegressor
        >>> X = np.array([[2, 3, 0], [3, 2, 2], [4, 5, 0], [5, 4, 4]])  # token ids
        >>> y = ["a", "a", "b", "b"]
        >>> model = LSTMClassifier(units=8, max_epochs=3, early_stopping=False,
        ...                        random_state=0)
        >>> model = model.fit(X, y, sample_weight=[1.0, 1.0, 2.0, 2.0])
        >>> model.classes_, model.input_type_, model.n_iter_
        (array(['a', 'b'], dtype='<U1'), 'tokens', 3)

        The same array as floats is read as numeric sequences:

        >>> regressor = LSTMRegressor(units=8, max_epochs=3, random_state=0)
        >>> regressor = regressor.fit(X.astype(float), [0.1, 0.2, 0.3, 0.4])
        >>> regressor.input_type_, regressor.input_shape_
        ('sequences', (3,))
        """
        return fit_atomically(
            self, type(self)._fit, X, y, sample_weight, keep_fitted=self.warm_start
        )

    def _partial_fit(self, X, y, sample_weight, classes=None):
        return fit_atomically(
            self, type(self)._fit, X, y, sample_weight, partial=True, classes=classes,
            keep_fitted=True,
        )

    def _prepare(self, X, y, sample_weight, *, continuing, partial, classes):
        """Check X, y and the weights, and encode them for the net (see ``LSTMEstimator``).

        A warm start grows the embedding for new token ids; ``partial_fit``
        reads them as out-of-vocabulary, as predict does.
        """
        if continuing and self.input_type not in ("auto", self.input_type_):
            raise ValueError(
                f"warm_start=True continues the fitted {type(self).__name__}, which "
                f"read X as {self.input_type_} (input_type_={self.input_type_!r}), but "
                f"input_type={self.input_type!r} would read it otherwise. Set "
                f"input_type back to 'auto' or {self.input_type_!r}, or set "
                "warm_start=False to train a new model."
            )
        origin = ids_origin(X)
        vocabulary = None if origin is None else origin.vocabulary
        if issparse(y):  # a sparse indicator matrix (MultiLabelBinarizer(sparse_output=True))
            y = y.toarray()
        # pretraining_epochs > 0: rows of y marked unlabeled train only the
        # language model (see _pretraining).
        X, y, sample_weight, unlabeled = split_unlabeled(
            self, X, y, sample_weight, continuing or partial
        )
        index = pandas_index(X)
        if y is not None:
            y_array = np.asarray(y)
            check_finite(y_array, "y", getattr(y, "index", None))
        if continuing and self.input_type_ == "tokens":
            # Before X's width is checked: a refitted tokenizer may change both.
            check_same_vocabulary(
                getattr(self, "_token_vocabulary", None), vocabulary, type(self).__name__
            )
        X, y = validate_lstm_input(
            self, X, y, reset=not continuing, keep_new_ids=not partial
        )
        if self.input_type_ == "tokens":
            check_some_token_seen(X, type(self).__name__, index)
        embedding_rows = None
        if continuing and self.input_type_ == "tokens":
            if not partial:
                self.vocabulary_size_ = max(self.vocabulary_size_, int(X.max()) + 1)
        if vocabulary is not None or not continuing:
            self._token_vocabulary = vocabulary
        pretraining_ids = None
        if not continuing:
            self.pretraining_history_ = []
        if self.pretraining_epochs and not (continuing or partial):
            # partial_fit trains one epoch on its chunk: no language model.
            pretraining_ids = self._language_model_input(X, unlabeled)
        embedding_ids = self._check_token_ids_against_embeddings(
            X if pretraining_ids is None else pretraining_ids, origin, continuing
        )
        if continuing and embedding_ids is not None:
            old_ids = self._embedding_ids
            embedding_ids = old_ids if partial else np.union1d(old_ids, embedding_ids)
            # Row 0 of the trainable table is "no correction" (see LSTMNet).
            embedding_rows = np.concatenate([[0], 1 + np.searchsorted(embedding_ids, old_ids)])
        self._embedding_ids = embedding_ids
        y = self._validate_target(X, y, continuing=continuing, classes=classes)
        sample_weight = check_sample_weight(sample_weight, X)
        targets, weights, n_outputs = self._encode_target(
            y, sample_weight, continuing=continuing
        )
        return TrainingData(
            inputs={"X": X, "sample_weight": weights.astype(np.float32)},
            targets=targets,
            n_outputs=n_outputs,
            embedding_rows=embedding_rows,
            weights=weights,
            pretraining_ids=pretraining_ids,
        )

    def _choose_validation(self, targets, partial):
        self.do_early_stopping_ = False if partial else self._resolve_early_stopping(targets)

    @property
    def _holds_out_validation(self):
        return self.do_early_stopping_

    def _convergence_monitor(self):
        return "valid_loss" if self.do_early_stopping_ else "train_loss"

    def _starting_point(self, data, seed, device, precision):
        """Pretrain the language model where the fit has unlabeled rows (``_pretraining``)."""
        if data.pretraining_ids is None:
            return None
        if self.pretrained_layers == "all" and self.pooling == "max":
            warnings.warn(
                f"{type(self).__name__}(pretrained_layers='all', pooling='max'): the "
                "maximum over the steps of a language model's LSTM outputs carries "
                "less about the labels than a fresh LSTM's, and such fits scored far "
                "below training from scratch (on tweets, nearly every text predicted "
                "as one class). Pass pooling='mean', which carried the language "
                "model's LSTM over, or pretrained_layers='embedding' (the user guide, "
                "'Using unlabeled text').",
                UserWarning,
                stacklevel=6,  # the caller of fit (as the convergence warning)
            )
        weights = pretrain(
            self, data.pretraining_ids,
            n_unlabeled=len(data.pretraining_ids) - len(data.targets),
            trainable_ids=self._embedding_ids, seed=seed, device=device,
            precision=precision,
        )
        if self.verbose:
            print_line(
                f"Fine-tuning: {len(data.targets)} labeled texts, from the language "
                f"model's {self.pretrained_layers!r} layers, "
                f"fine_tuning={self.fine_tuning!r}"
            )
        return partial(start_fine_tuning, state=weights, estimator=self)

    def _language_model_input(self, X, unlabeled):
        """The token ids of every row, labeled and unlabeled, for the language model.

        Widens ``vocabulary_size_`` to the unlabeled rows' ids, so that the
        embedding has a row for every token the language model learns.
        """
        name = type(self).__name__
        if self.input_type_ != "tokens":
            raise ValueError(
                f"pretraining_epochs={self.pretraining_epochs} trains a language model "
                "over token ids, but X was read as numeric sequences. Pass token ids "
                "(a CharTokenizer's output) or set pretraining_epochs=0."
            )
        if unlabeled is None:
            return X
        # A stand-in y takes the full check, which keeps ids beyond the labeled
        # rows' vocabulary (the fast path for predict reads them as unknown).
        unlabeled, _ = validate_lstm_input(
            self, unlabeled, np.zeros(len(unlabeled)), keep_new_ids=True
        )
        self.vocabulary_size_ = max(self.vocabulary_size_, int(unlabeled.max()) + 1)
        if self.verbose:
            print_line(f"{name}: {len(X)} labeled and {len(unlabeled)} unlabeled rows")
        return np.concatenate([X, unlabeled])

    def _check_token_ids_against_embeddings(self, X, origin=None, continuing=False):
        """With ``embeddings``: the ids given a trainable row (see LSTMNet).

        Also records the vectors' fingerprint, widens ``vocabulary_size_`` to
        the vectors' table, refuses ids from a CharTokenizer (``origin``, see
        ``_tokenizer.ids_origin``) that disagrees with the estimator about the
        vectors, and warns where ids of unknown origin look made by one.
        """
        name = type(self).__name__
        if self.embeddings is None:
            self._vectors_fingerprint = None
            if self.input_type_ == "tokens":
                self._check_vectors_agree(origin)
            if self.input_type_ == "tokens" and X.max() >= SPARSE_IDS_MIN and origin is None:
                n_distinct = len(_distinct_ids(X))
                if X.max() > SPARSE_IDS_FACTOR * n_distinct:
                    warnings.warn(
                        f"X's largest token id is {X.max()}, but only {n_distinct} "
                        f"distinct ids occur: {name} will train an embedding of "
                        f"{X.max() + 1} rows, most of them never used. Ids like these "
                        "come from a CharTokenizer with embeddings: give the "
                        f"{name} the same embeddings (make_lstm_pipeline does).",
                        UserWarning,
                        stacklevel=4,
                    )
            return None
        if self.input_type_ != "tokens":
            raise ValueError(
                f"embeddings={self.embeddings!r} needs token ids from "
                "CharTokenizer(level='word', embeddings=...), but X was read as "
                "numeric sequences."
            )
        # A warm start must find the vectors its trained rows correct.
        recorded = getattr(self, "_vectors_fingerprint", None) if continuing else None
        vectors = check_fingerprint(self.embeddings, recorded, name)
        self._vectors_fingerprint = vectors.fingerprint
        self._check_vectors_agree(origin)
        n_table = FIRST_TOKEN_ID + len(vectors)
        distinct = _distinct_ids(X)
        words = distinct[distinct >= FIRST_TOKEN_ID]
        if (
            origin is None
            and len(words) >= DENSE_IDS_MIN
            and words[-1] - FIRST_TOKEN_ID + 1 == len(words)
        ):
            warnings.warn(
                f"X's token ids are exactly {FIRST_TOKEN_ID} to {words[-1]}, as a "
                f"CharTokenizer without embeddings numbers its vocabulary, but {name}"
                f"(embeddings={self.embeddings!r}) reads id k + 2 as the word of row "
                "k of the vectors: the two would disagree about every word. Give "
                "the CharTokenizer the same embeddings (make_lstm_pipeline does).",
                UserWarning,
                stacklevel=4,
            )
        self.vocabulary_size_ = max(self.vocabulary_size_, n_table)
        trainable = distinct[distinct != PAD_ID]
        if not self.fine_tune_embeddings:  # only rows the vectors lack
            trainable = trainable[(trainable == OOV_ID) | (trainable >= n_table)]
        return trainable

    def _check_vectors_agree(self, origin):
        """Refuse ids whose CharTokenizer numbered words by other vectors than the model's.

        ``origin``: see ``_tokenizer.ids_origin`` (None: ids of unknown
        origin, which only the warnings of ``_check_token_ids_against_embeddings``
        can judge). The vectors are compared by fingerprint, so that the same
        table under two paths agrees and a file rewritten in place does not.
        """
        if origin is None or not hasattr(self, "_vectors_fingerprint"):
            return  # (a model saved before sklstm recorded the fingerprint)
        fitted = self._vectors_fingerprint
        if origin.vectors == fitted:
            return
        name = type(self).__name__
        if fitted is None:
            problem = (
                f"a CharTokenizer with embeddings, which numbers words by the rows of "
                f"its vectors ({origin.vectors}), but {name} has embeddings=None and "
                "would learn an embedding row for every one of those ids"
            )
            fix = f"Give {name} the same embeddings"
        elif origin.vectors is None:
            problem = (
                f"a CharTokenizer without embeddings, which numbers words itself, but "
                f"{name}(embeddings={self.embeddings!r}) reads id k + 2 as the word "
                "of row k of its vectors: every word would read another word's vector"
            )
            fix = "Give the CharTokenizer the same embeddings"
        else:
            problem = (
                f"a CharTokenizer whose vectors ({origin.vectors}) are not those of "
                f"{name} ({fitted}): every word would read another word's vector"
            )
            fix = "Give both steps the same embeddings"
        raise ValueError(
            f"X comes from {problem}. {fix} (make_lstm_pipeline does), then fit again."
        )

    def _resolve_early_stopping(self, targets):
        """Whether this fit holds out a validation part (``do_early_stopping_``).

        ``'auto'``: yes from ``AUTO_EARLY_STOPPING_MIN_SAMPLES`` samples on,
        where the held-out part is large enough to be worth its cost, and
        only if the targets allow it. ``True`` insists, with an error saying
        why a split is impossible.
        """
        if self.early_stopping == "auto":
            return (
                len(targets) >= AUTO_EARLY_STOPPING_MIN_SAMPLES
                and self._held_out_problem(targets) is None
            )
        if not self.early_stopping:
            return False
        problem = self._held_out_problem(targets)
        if problem is not None:
            n_valid = int(np.ceil(self.validation_fraction * len(targets)))
            raise ValueError(
                f"early_stopping=True holds out validation_fraction="
                f"{self.validation_fraction} of the {len(targets)} samples "
                f"({n_valid}), {problem}. Pass early_stopping='auto' (on only where "
                "the data allows it) or False to train on all of them, or give "
                "more data."
            )
        return True

    def _build_net(self, n_outputs, seed, device="cpu", precision="float32", header=True):
        """The skorch net of this fit; ``header``: progress lines start with one."""
        if self.input_type_ == "tokens":
            module_input = {"vocabulary_size": self.vocabulary_size_}
            if self.embeddings is not None:
                module_input.update(
                    pretrained_embeddings=os.fspath(self.embeddings),
                    trainable_ids=self._embedding_ids.tolist(),
                )
        else:
            values_per_step = self.input_shape_[1] if len(self.input_shape_) == 2 else 1
            module_input = {"n_input_features": values_per_step}
        # In the order they run at each epoch's end: the score, the user's
        # callbacks, the epoch's line, then stopping, so that the line of the
        # last epoch is printed before StopEarly ends training.
        epoch_offset = getattr(self, "n_iter_", 0)
        train_split, scoring, stopping = None, [], []
        if self.do_early_stopping_:
            train_split = ValidSplit(
                self.validation_fraction,
                stratified=self._stratify_validation,
                random_state=seed,
            )
            scoring = [
                EpochScoring(
                    self._validation_score,
                    name="valid_score",
                    lower_is_better=False,
                    on_train=False,
                ),
            ]
            stopping = [
                StopEarly(
                    monitor="valid_loss",
                    patience=self.n_iter_no_change,
                    load_best=True,
                    sink=print_line if self.verbose else print,
                    epoch_offset=epoch_offset,
                ),
            ]
        callbacks = [
            *scoring,
            *check_callbacks(self.callbacks, type(self).__name__),
            *progress_callbacks(self.verbose, epoch_offset, header=header),
            *stopping,
        ]
        if self.learning_rate_schedule == "adaptive":
            callbacks.append(
                LRScheduler(
                    policy=ReduceLROnPlateau,
                    monitor="valid_loss" if self.do_early_stopping_ else "train_loss",
                    patience=0,
                    factor=ADAPTIVE_FACTOR,
                )
            )
        return build_net(
            module_params=dict(
                n_outputs=n_outputs,
                bidirectional=self.bidirectional,
                pooling=self.pooling,
                **layer_settings(self),
                **module_input,
            ),
            criterion=self._criterion(),
            criterion_params=dict(reduction="none"),
            net_class=self._net_class,
            max_epochs=self.max_epochs,
            device=str(device),
            train_split=train_split,
            callbacks=callbacks,
            precision=precision,
            # As the language model's (see _pretraining.pretrain).
            fused_optimizer=bool(self.pretraining_epochs),
            **optimizer_settings(self),
        )

    # -- predict ---------------------------------------------------------------

    def _raw_outputs(self, X):
        """Check X and return the module's raw outputs as a float64 ndarray."""
        check_is_fitted(self)
        check_params_in_use(self, PREDICT_PARAMS)
        if self.input_type_ == "tokens":
            self._check_vectors_agree(ids_origin(X))
        X, _ = validate_lstm_input(self, X)
        return self._module_outputs(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    # -- saving and loading -----------------------------------------------------

    def _net_skeleton(self, n_outputs):
        """An unfitted net of this estimator's kind, for loading (see _persistence)."""
        # predict reads one output per class or target: any other count would
        # index past the outputs, or leave some unread.
        expected = self._n_fitted_outputs()
        if n_outputs != expected:
            raise damaged(
                type(self).__name__,
                f"has a network of {n_outputs} outputs for {expected} classes or targets",
            )
        # The validation split's seed only matters to fit, which builds a new net.
        return self._build_net(n_outputs, seed=None)

    def __setstate__(self, state):
        super().__setstate__(state)
        # Loading rebuilt the net over the vectors as they are now: refuse them
        # if they are not those it was trained with (a file rewritten since).
        fingerprint = getattr(self, "_vectors_fingerprint", None)
        if fingerprint is not None and self.embeddings is not None:
            check_fingerprint(self.embeddings, fingerprint, type(self).__name__)
