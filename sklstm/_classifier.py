"""LSTMClassifier: labels in, labels out."""

from numbers import Real

import numpy as np
from scipy.special import expit, softmax
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import column_or_1d
from skorch.utils import to_numpy
from torch import nn

from ._base import BaseLSTM
from ._calibration import MIN_CALIBRATION_SAMPLES, fit_temperature, held_out_rows
from ._docstrings import fill_shared_docs
from ._net import SampleWeightedNet
from ._pretraining import ScoreLabeledRowsMixin
from ._validation import StrOptions, fit_context, row_label


class _ClassifierNet(ClassifierMixin, SampleWeightedNet):
    """The classifier's skorch net: ``predict`` gives what the net's y holds.

    skorch's scoring callbacks (``EpochScoring("accuracy")``, ``"f1"``,
    ``"roc_auc"``) score the net, not the estimator, on the targets it
    trains on: class indices (``LabelEncoder``'s), or the 0/1 indicator
    matrix of multilabel y. A plain ``NeuralNet.predict`` returns the
    probabilities, which no classification metric takes.
    """

    @property
    def classes_(self):
        return np.arange(self.module_.head.out_features)

    def predict_proba(self, X):
        if isinstance(self.criterion_, nn.BCEWithLogitsLoss):
            # skorch's own sigmoid is that of a binary net: it would make one
            # (p, 1 - p) pair per label.
            return expit(to_numpy(self.forward(X).float()))
        return super().predict_proba(X)  # softmax, as skorch infers from the loss

    def predict(self, X):
        proba = self.predict_proba(X)
        if isinstance(self.criterion_, nn.BCEWithLogitsLoss):
            return (proba > 0.5).astype(np.int64)
        return proba.argmax(axis=1)


@fill_shared_docs
class LSTMClassifier(ScoreLabeledRowsMixin, ClassifierMixin, BaseLSTM):
    """LSTM classifier for token-id sequences and numeric sequences.

    An embedding (for token ids), a stack of LSTM layers and a linear head,
    trained with Adam on the cross-entropy loss by skorch. Padding (id 0) is
    never read: each sequence is read up to its own last token, so a
    prediction does not depend on where, or how much, padding stands.

    Parameters
    ----------
    {{units}}
    {{embedding_dim}}
    {{embeddings}}
    {{fine_tune_embeddings}}
    {{num_layers}}
    {{bidirectional}}
    {{dropout}}
    pooling : {'last', 'max', 'mean'}, default='max'
        How a sequence's LSTM outputs become one vector for the output layer,
        always from its real steps only: ``'last'`` takes the state after its
        last token (and, bidirectional, the backward state after its first);
        ``'max'`` and ``'mean'`` pool the outputs of every real step, which
        lets a long text's early words weigh as much as its last ones. The
        default was chosen by measurement (user guide, "Getting a good
        model").
    max_epochs : int, default=20
        Most passes over the training data (early stopping usually ends
        sooner).
    batch_size : int, default=32
        Sequences per gradient step: 32 rather than the usual 64, chosen by
        measurement (user guide, "Getting a good model"). Predictions run in
        batches of at least 64, whatever this is.
    learning_rate : float, default=3e-3
        Adam's learning rate: three times Adam's usual 1e-3, chosen by
        measurement (user guide, "Getting a good model").
    learning_rate_schedule : {'constant', 'adaptive'}, default='constant'
        ``'constant'`` keeps ``learning_rate`` for every epoch. ``'adaptive'``
        multiplies it by 0.3 after each epoch in which the validation loss
        (the training loss without early stopping) did not improve, as
        :class:`~sklearn.neural_network.MLPClassifier`'s
        ``learning_rate='adaptive'`` divides it by 5. Not the default: on small
        data the noisy loss lowers the rate too soon (user guide, "Getting a
        good model").
    weight_decay : float, default=0.0
        Decoupled weight decay (the optimizer becomes AdamW): each step
        shrinks every weight by ``learning_rate * weight_decay`` times itself.
        0 keeps Adam. The user guide ("Getting a good model") says where it
        helps.
    {{gradient_clip}}
    early_stopping : 'auto' or bool, default='auto'
        Hold out ``validation_fraction`` of the training data (stratified),
        stop when the validation loss has not improved for
        ``n_iter_no_change`` epochs, and restore the weights of the best epoch.
        ``'auto'`` does so from 2,500 training samples on, where the split
        allows every class on both sides, and trains all ``max_epochs`` on all
        the data otherwise: on less data the few held-out samples stop
        training at a noisy epoch (user guide, "Early stopping"). ``True``
        insists, and raises a ValueError when y cannot be split; ``False``
        trains exactly ``max_epochs`` on all the data. ``do_early_stopping_``
        records the choice.
    {{validation_fraction}}
    n_iter_no_change : int, default=3
        Epochs without improvement of the validation loss before stopping;
        also the window of the ``ConvergenceWarning`` (see Notes).
    warm_start : bool, default=False
        When fitted already, make ``fit`` continue training the fitted model
        (its weights and Adam's moments) instead of starting anew, as
        :class:`~sklearn.neural_network.MLPClassifier`'s ``warm_start``
        does; ``history_`` is extended and ``n_iter_`` counts every epoch.
        y may hold no class that ``classes_`` lacks, X must have the same
        width (and values per step), and the parameters that shape the model
        (``units``, ``num_layers``, ...) and read X (``input_type``, unless
        ``'auto'``) must stay; ``learning_rate``,
        ``max_epochs`` and the regularisation may change. New token ids grow
        the embedding; ids from a CharTokenizer that renumbered the
        vocabulary are refused (give it ``warm_start=True`` too: user guide,
        "Continuing training").
    {{input_type}}
    {{pretraining_epochs}}
    {{fine_tuning}}
    {{pretrained_layers}}
    class_weight : dict, 'balanced' or None, default=None
        Weight of each class in the loss, multiplied into ``sample_weight``.
        ``'balanced'`` weighs classes inversely to their frequency in y.
        Multilabel y takes none.
    calibration : {'temperature'} or None, default='temperature'
        How ``predict_proba``'s probabilities are made honest. A network
        trained to a small training loss is overconfident (it says 0.99 where
        it is right 80 % of the time); ``'temperature'`` divides the raw
        outputs by one number, ``temperature_``, fitted by minimising the
        log loss on held-out rows: the validation part of early stopping, or
        else ``validation_fraction`` of the training data, held out for it
        (stratified; the model trains on the rest). Data whose held-out part
        would have fewer than 50 rows (under 500 samples at the default
        ``validation_fraction``) is not calibrated: all of it trains, and
        ``calibrated_`` is False. ``predict`` is the same either way: a
        temperature never changes the most probable class. None trains on
        all the data and keeps the raw probabilities. ``partial_fit`` keeps
        the temperature the model has (1 after its first call); a
        ``warm_start`` fit fits it again. See the user guide, "Probabilities
        and calibration".
    {{callbacks}}
    {{device}}
    {{n_threads}}
    {{precision}}
    {{random_state}}
    {{verbose}}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the order of ``predict_proba``'s columns. For
        multilabel y (a 2-D indicator matrix), ``arange(n_labels)``, as
        :class:`~sklearn.neural_network.MLPClassifier` has.
    net_ : skorch.NeuralNet
        The fitted skorch net, for power users (its ``module_`` is the torch
        model).
    history_ : list of dict
        One record per epoch: ``epoch``, ``train_loss``, ``dur`` (seconds) and,
        with early stopping, ``valid_loss`` and ``valid_score`` (accuracy).
    {{n_iter_}}
    {{pretraining_history_}}
    {{do_early_stopping_}}
    out_activation_ : {'softmax', 'logistic'}
        The function that turns the network's outputs into probabilities:
        ``'softmax'`` over the classes, or for multilabel y ``'logistic'``
        (a sigmoid) for each label on its own, as ``MLPClassifier``'s.
    temperature_ : float
        What the raw outputs are divided by before the softmax (the sigmoid,
        for multilabel y) of ``predict_proba``: fitted on held-out rows
        with ``calibration='temperature'``, 1.0 otherwise (see
        ``calibration``). Above 1, the network was overconfident.
    calibrated_ : bool
        Whether ``temperature_`` was fitted on held-out rows; False with
        ``calibration=None``, on data too small to hold rows out, and after
        a first ``partial_fit``.
    {{input_type_}}
    {{input_shape_}}
    vocabulary_size_ : int
        For token ids: one more than the largest id seen in fit (or in a
        warm-start fit). Larger ids at predict time, and in ``partial_fit``,
        are read as out-of-vocabulary (1).
    {{n_features_in_}}
    {{feature_names_in_}}

    See Also
    --------
    CharTokenizer : Turns raw texts into the token ids this model reads.
    LSTMRegressor : The same model for continuous targets.

    Notes
    -----
    Multilabel classification: y as a 2-D 0/1 indicator matrix (what
    :class:`~sklearn.preprocessing.MultiLabelBinarizer` makes, dense or
    scipy sparse; other values are refused) trains one
    sigmoid output per label on the binary cross-entropy, in one model;
    ``predict`` returns the indicator matrix (a label where its probability
    exceeds 0.5) and ``predict_proba`` one probability per label.

    A :class:`~sklearn.exceptions.ConvergenceWarning` says that ``fit`` ran
    all ``max_epochs`` while the monitored loss (the validation loss with
    early stopping, else the training loss) still improved in the last
    ``n_iter_no_change`` epochs, as ``MLPClassifier`` warns at ``max_iter``.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklstm import CharTokenizer, LSTMClassifier
    >>> texts = ["I love this!", "great movie", "I hate this.", "awful film"] * 8
    >>> labels = ["pos", "pos", "neg", "neg"] * 8
    >>> model = make_pipeline(
    ...     CharTokenizer(level="word"),
    ...     LSTMClassifier(units=16, max_epochs=20, learning_rate=0.01, random_state=0),
    ... ).fit(texts, labels)
    >>> model.predict(["I love it", "I hate it"])
    array(['pos', 'neg'], dtype='<U3')
    >>> model.score(texts, labels)  # accuracy
    1.0
    """

    _parameter_constraints = {
        **BaseLSTM._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "calibration": [StrOptions({"temperature"}), None],
    }
    _net_class = _ClassifierNet

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
        pooling="max",
        max_epochs=20,
        batch_size=32,
        learning_rate=3e-3,
        learning_rate_schedule="constant",
        weight_decay=0.0,
        gradient_clip=None,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=3,
        warm_start=False,
        input_type="auto",
        pretraining_epochs=0,
        fine_tuning="plain",
        pretrained_layers="embedding",
        class_weight=None,
        calibration="temperature",
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
        self.class_weight = class_weight
        self.calibration = calibration

    @fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train one epoch on ``X`` and ``y``, continuing from the fitted model.

        As :meth:`MLPClassifier.partial_fit
        <sklearn.neural_network.MLPClassifier.partial_fit>`: one pass over
        the given data, in batches of ``batch_size``, without early stopping
        or held-out part, so that data too large for memory trains chunk by
        chunk. The first call sets up the model (and the vocabulary size:
        later token ids beyond it are read as out-of-vocabulary, as in
        ``predict``); each call adds one record to ``history_``. A call that
        fails leaves the model as it was.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
            Sequences, read as in ``fit``.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Labels (or a multilabel indicator matrix).
        classes : array-like of shape (n_classes,), default=None
            Every class that y may ever hold. Required on the first call
            (one chunk rarely shows them all), and, if given later, equal to
            ``classes_``. Not needed for multilabel y.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss.

        Returns
        -------
        self : object
            The updated estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from sklstm import LSTMClassifier
        >>> X = np.array([[2, 2, 0], [2, 0, 0], [3, 3, 3], [3, 3, 0]])
        >>> model = LSTMClassifier(units=8, random_state=0)
        >>> for _ in range(3):
        ...     model = model.partial_fit(X, ["two", "two", "three", "three"],
        ...                               classes=["three", "two"])
        >>> model.n_iter_, [record["epoch"] for record in model.history_]
        (3, [1, 2, 3])
        """
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' needs the class frequencies of all the data, "
                "which partial_fit sees one chunk at a time. Compute them once, e.g. "
                "dict(zip(classes, compute_class_weight('balanced', classes=classes, "
                "y=y))) with sklearn.utils.class_weight, and pass that dict."
            )
        if classes is None and not hasattr(self, "classes_") and np.ndim(y) != 2:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: every class "
                "y may ever hold (a chunk rarely shows them all)."
            )
        return self._partial_fit(X, y, sample_weight, classes=classes)

    @property
    def _is_multilabel(self):
        return getattr(self, "out_activation_", "softmax") == "logistic"

    @property
    def _stratify_validation(self):
        # Multilabel y cannot be stratified: its held-out part is drawn plainly.
        return not self._is_multilabel

    def _validate_target(self, X, y, continuing=False, classes=None):
        name = type(self).__name__
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        multilabel = y.ndim == 2
        if multilabel and type_of_target(y) != "multilabel-indicator":
            raise ValueError(
                f"{name} reads a 2-D y as a multilabel indicator matrix (one column "
                f"per label, 0 or 1), but y is {type_of_target(y)!r}. Pass 1-D labels, "
                "or binarize label sets with sklearn.preprocessing.MultiLabelBinarizer."
            )
        if multilabel:
            # type_of_target calls any two-valued integer matrix multilabel;
            # values other than 0 and 1 would train on a negative loss.
            not_binary = ~np.isin(y, (0, 1))
            if not_binary.any():
                row = int(np.flatnonzero(not_binary.any(axis=1))[0])
                value = y[row][not_binary[row]][0].item()
                raise ValueError(
                    f"{name} reads a 2-D y as a multilabel indicator matrix of 0 and 1, "
                    f"but {row_label(row)} of y holds {value!r}. Binarize it first, "
                    "e.g. (y > 0).astype(int), or use MultiLabelBinarizer on label sets."
                )
        if continuing:
            self._check_target_fits(y, multilabel, classes)
            return y
        self.out_activation_ = "logistic" if multilabel else "softmax"
        if multilabel:
            self._label_dtype = y.dtype
            self.classes_ = np.arange(y.shape[1])
            if classes is not None and len(classes) != y.shape[1]:
                raise ValueError(
                    f"classes has {len(classes)} entries, but the multilabel y has "
                    f"{y.shape[1]} columns (labels)."
                )
            return y
        self._label_encoder = LabelEncoder().fit(y if classes is None else classes)
        self.classes_ = self._label_encoder.classes_
        if classes is not None:
            self._check_known_labels(y)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{name} needs samples of at least 2 classes, but y "
                f"holds one class only ({self.classes_.tolist()[0]!r})."
            )
        return y

    def _check_target_fits(self, y, multilabel, classes):
        """Continuing: y must fit the fitted output layer."""
        name = type(self).__name__
        if multilabel != self._is_multilabel:
            fitted = "a multilabel indicator matrix" if self._is_multilabel else "1-D labels"
            raise ValueError(
                f"The fitted {name} was trained on {fitted}, and continues on the same "
                "kind of y only; set warm_start=False to train a new model."
            )
        if multilabel:
            if y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y has {y.shape[1]} labels (columns), but the fitted {name} "
                    f"predicts {len(self.classes_)}; set warm_start=False to train a "
                    "new model."
                )
            return
        if classes is not None and not np.array_equal(unique_labels(classes), self.classes_):
            raise ValueError(
                f"classes={unique_labels(classes).tolist()} is not the classes_ of the fitted "
                f"{name}, {self.classes_.tolist()}; classes cannot change after the "
                "first call to partial_fit."
            )
        self._check_known_labels(y)

    def _check_known_labels(self, y):
        unknown = np.setdiff1d(unique_labels(y), self.classes_)
        if len(unknown):
            raise ValueError(
                f"y holds classes {unknown.tolist()} that {type(self).__name__} does "
                f"not know: its classes_ are {self.classes_.tolist()}. Continuing "
                "training (warm_start=True, partial_fit) keeps the output layer; "
                "pass every class in partial_fit's first call, or set "
                "warm_start=False to train a new model."
            )

    def _encode_target(self, y, sample_weight, continuing=False):
        if self._is_multilabel:
            if self.class_weight is not None:
                raise ValueError(
                    "class_weight weighs the classes of 1-D labels; a multilabel y "
                    "takes none. Weigh samples with sample_weight instead."
                )
            # check_sample_weight has refused weights that are all 0.
            weights = sample_weight / sample_weight.mean()
            return y.astype(np.float32), weights, y.shape[1]
        encoded = self._label_encoder.transform(y).astype(np.int64)
        if self.class_weight is not None:
            if isinstance(self.class_weight, dict):
                self._check_class_weight_dict()
            # Over the classes this y holds (a warm start may see some only).
            present = np.unique(encoded)
            per_class = np.ones(len(self.classes_))
            per_class[present] = compute_class_weight(
                self.class_weight, classes=self.classes_[present], y=y
            )
            sample_weight = sample_weight * per_class[encoded]
        if not sample_weight.any():
            raise ValueError(
                "class_weight and sample_weight leave every sample with weight 0; "
                "give some class a positive weight."
            )
        # Scaled to mean 1 so that the learning rate means the same with any weights.
        weights = sample_weight / sample_weight.mean()
        return encoded, weights, len(self.classes_)

    def _check_class_weight_dict(self):
        unknown = set(self.class_weight) - set(self.classes_.tolist())
        if unknown:
            raise ValueError(
                f"class_weight names labels {sorted(map(str, unknown))} that "
                f"are not in y; the classes are {self.classes_.tolist()}."
            )
        for label, weight in self.class_weight.items():
            if (
                isinstance(weight, (bool, np.bool_))
                or not isinstance(weight, Real)
                or not np.isfinite(weight)
                or weight < 0
            ):
                raise ValueError(
                    f"class_weight[{label!r}] is {weight!r}; class weights must be "
                    "finite numbers >= 0."
                )

    def _held_out_problem(self, encoded):
        """A stratified held-out part needs a sample of every class, on both sides."""
        n_classes = len(self.classes_)
        n_valid = int(np.ceil(self.validation_fraction * len(encoded)))
        if self._is_multilabel:  # a plain split: a sample on each side
            if len(encoded) - n_valid < 1:
                return "with a sample left to train on"
            return None
        smallest_class = int(np.bincount(encoded, minlength=n_classes).min())
        if n_valid < n_classes or len(encoded) - n_valid < n_classes or smallest_class < 2:
            return (
                f"with every one of the {n_classes} classes on both sides, which "
                f"this y cannot give (its smallest class has {smallest_class} samples)"
            )
        return None

    def _calibration_split(self, targets, seed):
        if self.calibration is None:
            return None
        if not self.do_early_stopping_ and self._held_out_problem(targets) is not None:
            return None
        split = held_out_rows(
            targets, self.validation_fraction, stratified=self._stratify_validation, seed=seed
        )
        return split if len(split[1]) >= MIN_CALIBRATION_SAMPLES else None

    def _calibrate(self, held_out):
        self.temperature_, self.calibrated_ = 1.0, False
        if held_out is not None:
            outputs, targets, weights = held_out
            self.temperature_ = fit_temperature(
                outputs, targets, weights, multilabel=self._is_multilabel
            )
            self.calibrated_ = True

    def __setstate__(self, state):
        # A model saved before sklstm calibrated predicts as it did then.
        if "classes_" in state:
            state.setdefault("temperature_", 1.0)
            state.setdefault("calibrated_", False)
            multilabel = state.pop("_multilabel", False)
            state.setdefault("out_activation_", "logistic" if multilabel else "softmax")
        super().__setstate__(state)

    def _criterion(self):
        return nn.BCEWithLogitsLoss if self._is_multilabel else nn.CrossEntropyLoss

    @staticmethod
    def _validation_score(net, X, y):
        """Accuracy (for multilabel y, of whole label sets, as ``score``)."""
        outputs = net.forward(X).numpy()
        y = np.asarray(y)
        if y.ndim == 2:
            return float(np.mean(((outputs > 0) == (y > 0.5)).all(axis=1)))
        return float(np.mean(outputs.argmax(axis=1) == y))

    def predict_proba(self, X):
        """Probability of each class for each sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
            Sequences, read as in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``; rows sum to 1. For multilabel y,
            shape (n_samples, n_labels): the probability of each label, on
            its own. Calibrated by ``temperature_`` (see ``calibration``).

        Examples
        --------
        >>> import numpy as np
        >>> from sklstm import LSTMClassifier
        >>> X = np.array([[2, 2, 0], [2, 0, 0], [3, 3, 3], [3, 3, 0]] * 4)
        >>> y = ["two", "two", "three", "three"] * 4
        >>> model = LSTMClassifier(units=8, max_epochs=20, learning_rate=0.05,
        ...                        random_state=0).fit(X, y)
        >>> model.classes_
        array(['three', 'two'], dtype='<U5')
        >>> proba = model.predict_proba([[2, 2, 2], [3, 0, 0]])
        >>> proba.shape, proba.sum(axis=1).round(6)
        ((2, 2), array([1., 1.]))
        >>> proba.argmax(axis=1)
        array([1, 0])
        """
        scores = self._raw_outputs(X) / self.temperature_
        if self._is_multilabel:
            return expit(scores)
        return softmax(scores, axis=1)

    def predict(self, X):
        """Most probable class label of each sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
            Sequences, read as in ``fit``.

        Returns
        -------
        labels : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Labels from ``classes_``, of y's type (never argmax indices). For
            multilabel y, the indicator matrix (1 where a label's probability
            exceeds 0.5), of y's dtype.

        Examples
        --------
        >>> import numpy as np
        >>> from sklstm import LSTMClassifier
        >>> X = np.array([[2, 2, 0], [2, 0, 0], [3, 3, 3], [3, 3, 0]] * 4)
        >>> y = ["two", "two", "three", "three"] * 4
        >>> model = LSTMClassifier(units=8, max_epochs=20, learning_rate=0.05,
        ...                        random_state=0).fit(X, y)
        >>> model.predict([[2, 2, 2], [3, 0, 0]])
        array(['two', 'three'], dtype='<U5')
        """
        scores = self._raw_outputs(X)
        if self._is_multilabel:
            return (scores > 0).astype(self._label_dtype)
        return self.classes_[np.argmax(scores, axis=1)]

    def _n_fitted_outputs(self):
        """The network's outputs that fit made (see ``_net_skeleton``)."""
        return len(self.classes_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
