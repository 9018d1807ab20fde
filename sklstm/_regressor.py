"""LSTMRegressor: continuous targets, returned in the shape they came in."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from torch import nn

from ._base import BaseLSTM
from ._docstrings import fill_shared_docs
from ._pretraining import ScoreLabeledRowsMixin
from ._validation import fit_context, row_label

# Targets beyond this (in absolute value) are refused: predictions a few
# standard deviations out would overflow float64 (about 1.8e308).
MAX_TARGET_MAGNITUDE = 1e300


@fill_shared_docs
class LSTMRegressor(ScoreLabeledRowsMixin, RegressorMixin, BaseLSTM):
    """LSTM regressor for numeric sequences and token-id sequences.

    An embedding (for token ids), a stack of LSTM layers and a linear head,
    trained with Adam on the mean squared error by skorch. Targets are
    standardised inside ``fit`` (and predictions mapped back), so that targets
    in the hundreds train as easily as targets near zero; a constant target
    gets scale 1, as in :class:`~sklearn.preprocessing.StandardScaler`.

    Parameters
    ----------
    {{units}}
    {{embedding_dim}}
    {{embeddings}}
    {{fine_tune_embeddings}}
    {{num_layers}}
    {{bidirectional}}
    {{dropout}}
    pooling : {'last', 'max', 'mean'}, default='last'
        How a sequence's LSTM outputs become one vector for the output layer,
        always from its real steps only: ``'last'`` takes the state after its
        last token (and, bidirectional, the backward state after its first);
        ``'max'`` and ``'mean'`` pool the outputs of every real step, which
        lets a long text's early words weigh as much as its last ones.
    max_epochs : int, default=10
        Number of passes over the training data (fewer with early stopping).
    batch_size : int, default=64
        Sequences per gradient step.
    learning_rate : float, default=1e-3
        Adam's learning rate.
    learning_rate_schedule : {'constant', 'adaptive'}, default='constant'
        ``'constant'`` keeps ``learning_rate`` for every epoch. ``'adaptive'``
        multiplies it by 0.3 after each epoch in which the validation loss
        (the training loss without early stopping) did not improve, as
        :class:`~sklearn.neural_network.MLPClassifier`'s
        ``learning_rate='adaptive'`` divides it by 5.
    weight_decay : float, default=0.0
        Decoupled weight decay (the optimizer becomes AdamW): each step
        shrinks every weight by ``learning_rate * weight_decay`` times itself.
        0 keeps Adam.
    {{gradient_clip}}
    early_stopping : 'auto' or bool, default='auto'
        Hold out ``validation_fraction`` of the training data, stop when the
        validation loss has not improved for ``n_iter_no_change`` epochs, and
        restore the weights of the best epoch. ``'auto'`` does so from 2,500
        training samples on, as :class:`LSTMClassifier` does, and trains all
        ``max_epochs`` on all the data otherwise. ``True`` insists, and raises
        a ValueError when fewer than 2 samples would be held out (R² needs
        2); ``False`` trains exactly ``max_epochs`` on all the data.
        ``do_early_stopping_`` records the choice.
    {{validation_fraction}}
    n_iter_no_change : int, default=5
        Epochs without improvement of the validation loss before stopping;
        also the window of the ``ConvergenceWarning`` (see Notes).
    warm_start : bool, default=False
        When fitted already, make ``fit`` continue training the fitted model
        (its weights and Adam's moments) instead of starting anew, as
        :class:`~sklearn.neural_network.MLPRegressor`'s ``warm_start`` does;
        ``history_`` is extended and ``n_iter_`` counts every epoch. The
        target scaling of the first fit stays. y must have as many targets,
        X the same width (and values per step), and the parameters that
        shape the model (``units``, ``num_layers``, ...) must stay. New token
        ids grow the embedding.
    {{input_type}}
    {{pretraining_epochs}}
    {{fine_tuning}}
    {{pretrained_layers}}
    {{callbacks}}
    {{device}}
    {{n_threads}}
    {{precision}}
    {{random_state}}
    {{verbose}}

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The fitted skorch net, for power users (its ``module_`` is the torch
        model). It predicts standardised targets.
    history_ : list of dict
        One record per epoch: ``epoch``, ``train_loss``, ``dur`` (seconds) and,
        with early stopping, ``valid_loss`` and ``valid_score`` (R²). Losses
        are on the standardised targets.
    {{n_iter_}}
    {{pretraining_history_}}
    {{do_early_stopping_}}
    n_outputs_ : int
        Number of targets.
    target_mean_ : ndarray of shape (``n_outputs_``,)
        The mean of each target in the first fit: the network learns
        ``(y - target_mean_) / target_scale_``, and ``predict`` maps its
        outputs back.
    target_scale_ : ndarray of shape (``n_outputs_``,)
        The standard deviation of each target in the first fit (1 for a
        constant target).
    {{input_type_}}
    {{input_shape_}}
    vocabulary_size_ : int
        For token ids: one more than the largest id seen in fit.
    {{n_features_in_}}
    {{feature_names_in_}}

    See Also
    --------
    LSTMClassifier : The same model for class labels.

    Notes
    -----
    A :class:`~sklearn.exceptions.ConvergenceWarning` says that ``fit`` ran
    all ``max_epochs`` while the monitored loss (the validation loss with
    early stopping, else the training loss) still improved in the last
    ``n_iter_no_change`` epochs, as ``MLPRegressor`` warns at ``max_iter``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMRegressor
    >>> X = np.array([[.1, .2, .3], [.2, .3, .4], [.3, .4, .5]])
    >>> y = np.array([.4, .5, .6])
    >>> model = LSTMRegressor(units=16, max_epochs=200, learning_rate=0.01,
    ...                       random_state=0).fit(X, y)
    >>> model.predict(X).round(1)
    array([0.4, 0.5, 0.6])
    >>> model.score(X, y) > 0.9  # R²
    True
    """

    _stratify_validation = False

    def __init__(
        self,
        *,
        units=64,
        embedding_dim=32,
        embeddings=None,
        fine_tune_embeddings=True,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        pooling="last",
        max_epochs=10,
        batch_size=64,
        learning_rate=1e-3,
        learning_rate_schedule="constant",
        weight_decay=0.0,
        gradient_clip=None,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=5,
        warm_start=False,
        input_type="auto",
        pretraining_epochs=0,
        fine_tuning="plain",
        pretrained_layers="embedding",
        callbacks=None,
        device="cpu",
        n_threads=1,
        precision="float32",
        random_state=None,
        verbose=0,
    ):
        super().__init__(
            units=units,
            embedding_dim=embedding_dim,
            embeddings=embeddings,
            fine_tune_embeddings=fine_tune_embeddings,
            num_layers=num_layers,
            bidirectional=bidirectional,
            dropout=dropout,
            pooling=pooling,
            max_epochs=max_epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_schedule=learning_rate_schedule,
            weight_decay=weight_decay,
            gradient_clip=gradient_clip,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            warm_start=warm_start,
            input_type=input_type,
            pretraining_epochs=pretraining_epochs,
            fine_tuning=fine_tuning,
            pretrained_layers=pretrained_layers,
            callbacks=callbacks,
            device=device,
            n_threads=n_threads,
            precision=precision,
            random_state=random_state,
            verbose=verbose,
        )

    @fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train one epoch on ``X`` and ``y``, continuing from the fitted model.

        As :meth:`MLPRegressor.partial_fit
        <sklearn.neural_network.MLPRegressor.partial_fit>`: one pass over the
        given data, without early stopping or held-out part. The first call
        sets up the model and fixes the target scaling (the mean and standard
        deviation of its y), and the vocabulary size: later token ids beyond
        it are read as out-of-vocabulary. Each call adds one record to
        ``history_``; a call that fails leaves the model as it was.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
            Sequences, read as in ``fit``.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss.

        Returns
        -------
        self : object
            The updated estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from sklstm import LSTMRegressor
        >>> X = np.linspace(0, 1, 24).reshape(8, 3)
        >>> model = LSTMRegressor(units=8, random_state=0)
        >>> for chunk in np.split(np.arange(8), 2):
        ...     model = model.partial_fit(X[chunk], X[chunk, -1] + 0.1)
        >>> model.n_iter_, model.predict(X[:2]).shape
        (2, (2,))
        """
        return self._partial_fit(X, y, sample_weight)

    def _validate_target(self, X, y, continuing=False, classes=None):
        y = np.asarray(y, dtype=np.float64)
        too_large = np.abs(y) > MAX_TARGET_MAGNITUDE
        if too_large.any():
            row = int(np.flatnonzero(too_large.reshape(len(y), -1).any(axis=1))[0])
            raise ValueError(
                f"y holds {y[row].flat[np.argmax(too_large[row].flat)]:g} at "
                f"{row_label(row)}: targets beyond "
                f"{MAX_TARGET_MAGNITUDE:g} in absolute value would overflow when "
                "predictions are mapped back to their scale. Rescale y (divide it "
                "by a constant, or take its log)."
            )
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if continuing:
            if n_outputs != self.n_outputs_:
                raise ValueError(
                    f"y has {n_outputs} target(s), but the fitted {type(self).__name__} "
                    f"predicts {self.n_outputs_}. Continuing training (warm_start=True, "
                    "partial_fit) keeps the output layer; set warm_start=False to "
                    "train a new model."
                )
            return y
        self._y_is_1d = y.ndim == 1
        self.n_outputs_ = n_outputs
        return y

    def _encode_target(self, y, sample_weight, continuing=False):
        targets = y.reshape(len(y), -1)
        weights = sample_weight / sample_weight.mean()
        if continuing:  # the scaling of the first fit stays
            standardized = (targets - self.target_mean_) / self.target_scale_
            return standardized.astype(np.float32), weights, self.n_outputs_
        # Standardised through a max-abs scaling first, so that the mean and
        # standard deviation of targets near float64's range do not overflow.
        magnitude = np.abs(targets).max(axis=0)
        magnitude = np.where(magnitude > 0, magnitude, 1.0)
        unit_targets = targets / magnitude
        unit_mean = unit_targets.mean(axis=0)
        unit_scale = unit_targets.std(axis=0)
        constant = unit_scale == 0
        unit_scale = np.where(constant, 1.0, unit_scale)
        standardized = (unit_targets - unit_mean) / unit_scale
        self.target_mean_ = unit_mean * magnitude
        # A constant target gets scale 1, as in StandardScaler: the net learns
        # outputs near 0, which predict the constant give or take those
        # outputs, rather than that error times the constant's magnitude.
        self.target_scale_ = np.where(constant, 1.0, unit_scale * magnitude)
        weights = sample_weight / sample_weight.mean()
        return standardized.astype(np.float32), weights, self.n_outputs_

    def _held_out_problem(self, targets):
        """R² on the held-out part needs 2 samples, and training needs 1."""
        n_valid = int(np.ceil(self.validation_fraction * len(targets)))
        if n_valid < 2 or len(targets) - n_valid < 1:
            return "which must be at least 2 samples, with 1 left to train on"
        return None

    def _criterion(self):
        return nn.MSELoss

    @staticmethod
    def _validation_score(net, X, y):
        return float(r2_score(np.asarray(y), net.forward(X).numpy()))

    def predict(self, X):
        """Predicted targets of each sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
            Sequences, read as in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, ``n_outputs_``)
            float64, 1-D when y was 1-D in fit.

        Examples
        --------
        >>> import numpy as np
        >>> from sklstm import LSTMRegressor
        >>> X = np.linspace(0, 1, 24).reshape(8, 3)  # 8 sequences of 3 steps
        >>> y = X[:, -1] + 0.1
        >>> model = LSTMRegressor(units=8, max_epochs=5, random_state=0).fit(X, y)
        >>> model.predict(X[:2]).shape
        (2,)

        Several targets come back as columns:

        >>> Y = np.column_stack([y, 2 * y])
        >>> model = LSTMRegressor(units=8, max_epochs=5, random_state=0).fit(X, Y)
        >>> model.predict(X[:2]).shape
        (2, 2)
        """
        standardized = self._raw_outputs(X)
        predictions = standardized * self.target_scale_ + self.target_mean_
        return predictions[:, 0] if self._y_is_1d else predictions

    def _n_fitted_outputs(self):
        """The network's outputs that fit made (see ``_net_skeleton``)."""
        return self.n_outputs_

    def __setstate__(self, state):
        # A model saved before the target scaling was public holds it under
        # its earlier, private names.
        if isinstance(state, dict):
            for old, new in (("_y_mean", "target_mean_"), ("_y_scale", "target_scale_")):
                if old in state:
                    state.setdefault(new, state.pop(old))
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
